"""A real SMTP server on loopback (aiosmtpd) that can be scripted to misbehave.

- ``rcpt_replies`` / ``data_replies``: per recipient, replies to use (in order) before accepting,
  e.g. ``{"a@example.com": ["451 4.7.1 Try again later"]}``; a 421 also closes the connection.
- ``drop_every``: close a connection when it starts its (N+1)th message.
- ``lose_reply``: per recipient, how many times to keep the message and then drop the connection
  instead of answering the end of DATA (the "lost reply" case: the message did arrive).
- ``delay``: seconds to wait in DATA before answering (a slow server, to kill a sender midway).
- ``sender_reply``: the reply to every MAIL FROM instead of 250, e.g. "553 5.7.1 Sender not owned".

Every message that reaches the end of DATA is kept in ``received``, whatever the reply.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import itertools
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    recipient: str
    raw: bytes
    message: EmailMessage


@dataclass
class ScriptedSMTP:
    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)
    data_replies: dict[str, list[str]] = field(default_factory=dict)
    drop_every: int = 0
    lose_reply: dict[str, int] = field(default_factory=dict)
    delay: float = 0.0
    sender_reply: str = ""
    received: list[Received] = field(default_factory=list)
    sessions: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _per_session: Counter[int] = field(default_factory=Counter)
    _keys: Iterator[int] = field(default_factory=itertools.count)

    def _key(self, session: Any) -> int:
        """A number of this session's own: ``id()`` of a closed session's object may be given to
        the next one, which would then start with the old one's count (and be dropped at once)."""
        if not hasattr(session, "scripted_key"):
            session.scripted_key = next(self._keys)
        return int(session.scripted_key)

    def per_recipient(self) -> Counter[str]:
        with self.lock:
            return Counter(item.recipient for item in self.received)

    # -- aiosmtpd handler hooks --------------------------------------------------------------

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        key = self._key(session)
        self.sessions.add(key)
        if self.drop_every and self._per_session[key] >= self.drop_every:
            server.transport.close()
            return "421 4.4.2 closing (scripted drop)"
        if self.sender_reply:
            return self.sender_reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        reply = self._next(self.rcpt_replies, address)
        if reply:
            if reply.startswith("421"):
                server.transport.close()
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        recipient = envelope.rcpt_tos[0]
        reply = self._next(self.data_replies, recipient)
        if reply:
            if reply.startswith("421"):
                server.transport.close()
            return reply
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(recipient, envelope.content, message))  # type: ignore[arg-type]
            lose = self.lose_reply.get(recipient, 0)
            if lose:
                self.lose_reply[recipient] = lose - 1
        self._per_session[self._key(session)] += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if lose:
            server.transport.abort()  # the message arrived; its reply never will
        return "250 2.0.0 OK queued"

    def _next(self, script: dict[str, list[str]], address: str) -> str:
        with self.lock:
            replies = script.get(address)
            return replies.pop(0) if replies else ""


class Running:
    """Start and stop a ScriptedSMTP (or any aiosmtpd handler) on loopback."""

    def __init__(self, handler: ScriptedSMTP, **smtp_options: Any) -> None:
        from aiosmtpd.controller import Controller

        handler.port = handler.port or free_port()
        self.handler = handler
        self.controller = Controller(
            handler, hostname=handler.host, port=handler.port, **smtp_options
        )

    def __enter__(self) -> ScriptedSMTP:
        self.controller.start()
        return self.handler

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
