"""Delivery: compose a digest email and hand it to a mail backend.

``Mailer`` is the one interface the sending flow consumes. ``OutboxMailer`` writes each message as an
``.eml`` file (the embedded default: nothing leaves the machine); ``SMTPMailer`` speaks SMTP with
STARTTLS or implicit TLS and login, reuses its connection for a configured number of messages and
classifies failures: temporary (4xx, dropped connection: retry), permanent (5xx: do not), a hard
bounce (5xx to RCPT TO: the address is bad) and uncertain (the message went out but the reply was
lost: the server may have it). ``deliver_all`` runs the sends on a few connections under a rate
limit, and the unsubscribe token functions sign the links every message carries.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import queue
import re
import secrets
import smtplib
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from types import TracebackType
from typing import Protocol, TypeVar, runtime_checkable
from urllib.parse import quote

from digest.errors import (
    DeliveryError,
    HardBounceError,
    MailSettingsError,
    PermanentDeliveryError,
    TemporaryDeliveryError,
    UncertainDeliveryError,
)

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
T = TypeVar("T")
log = logging.getLogger(__name__)

# Headers a DKIM signature covers; the unsubscribe ones too, so nobody can alter or add them.
DKIM_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


@dataclass(frozen=True)
class Outgoing:
    """One message as it goes on the wire: its envelope and its bytes (CRLF, not yet signed)."""

    sender: str
    recipient: str
    message_id: str
    data: bytes


@runtime_checkable
class Mailer(Protocol):
    """Hands one message to the mail system; raises DeliveryError subclasses on failure."""

    def send(self, message: EmailMessage | Outgoing) -> None: ...

    def close(self) -> None: ...


class SendObserver:
    """What a send run reports while it works; this default logs every failed attempt.

    The CLI overrides it to print the first error of each kind at once and the waits for retries.
    Called from the sending threads, one call at a time.
    """

    def failed(self, email: str, error: DeliveryError, retry_at: str | None) -> None:
        """One attempt to ``email`` failed; ``retry_at`` (ISO, UTC) when it will be retried."""
        if retry_at:
            log.warning("could not send to %s, retrying at %s: %s", email, retry_at, error)
        else:
            log.warning("could not send to %s: %s", email, error)

    def waiting(self, until: str, pending: int) -> None:
        """Nothing is ready: ``pending`` deliveries wait, the first until ``until`` (ISO, UTC)."""
        log.info("waiting until %s to retry %d deliveries", until, pending)


def valid_email(address: str) -> bool:
    """A plain address check: one @, a dotted domain, no spaces or header-breaking characters."""
    return bool(_EMAIL.match(address)) and len(address) <= 254


def check_recipient(address: str) -> None:
    """Raise PermanentDeliveryError unless ``address`` can be mailed (see ``valid_email``)."""
    if not valid_email(address):
        raise PermanentDeliveryError(
            f"'{header_safe(address)}' is not a valid email address",
            hint="Fix or remove the subscriber with `digest subscribers`.",
        )


def header_safe(value: str) -> str:
    """A header value with every line break (CR, LF, NEL, U+2028, U+2029) and control character
    folded to a space."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", value).strip()


def compose(
    *,
    sender: str,
    recipient: str,
    subject: str,
    html: str,
    text: str,
    extra_headers: dict[str, str] | None = None,
    recipient_name: str = "",
    message_id: str = "",
) -> EmailMessage:
    """A multipart/alternative message (text first, HTML preferred) with the standard headers.

    Every header value passes through ``header_safe``, so feed or subscriber data can never start
    a header of its own. ``message_id`` reuses the Message-ID of an earlier attempt.
    """
    check_recipient(recipient)
    sender_name, sender_address = parseaddr(header_safe(sender))
    if not valid_email(sender_address):
        raise MailSettingsError(
            f"the sender '{sender}' is not a valid address",
            hint='Set [mail] from = "Name <address@example.com>" in the config.',
        )
    message = EmailMessage()
    message["From"] = str(Address(display_name=sender_name, addr_spec=sender_address))
    message["To"] = str(Address(display_name=header_safe(recipient_name), addr_spec=recipient))
    message["Subject"] = header_safe(subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = header_safe(message_id) or make_msgid(
        domain=sender_address.split("@", 1)[1]
    )
    message["MIME-Version"] = "1.0"
    for name, value in (extra_headers or {}).items():
        message[name] = header_safe(value)
    # Quoted-printable keeps the message 7-bit: no relay re-encodes it, so a DKIM signature holds.
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message


class Composer:
    """Composes many messages that share a sender, a subject and list headers, straight to bytes.

    The same message as ``compose`` (multipart/alternative, text then HTML, quoted-printable,
    every header value through ``header_safe``), at a fraction of the cost: the shared headers are
    folded once here, and per message only the recipient's headers are written and the two parts
    encoded (in C, by ``binascii``). The boundary holds ``=_``, which quoted-printable text never
    contains.
    """

    def __init__(self, *, sender: str, subject: str, extra_headers: dict[str, str]) -> None:
        sender_name, sender_address = parseaddr(header_safe(sender))
        if not valid_email(sender_address):
            raise MailSettingsError(
                f"the sender '{sender}' is not a valid address",
                hint='Set [mail] from = "Name <address@example.com>" in the config.',
            )
        self.sender = sender_address
        self.domain = sender_address.split("@", 1)[1]
        self.boundary = f"=_digest_{secrets.token_hex(12)}"
        shared = {
            "From": str(Address(display_name=sender_name, addr_spec=sender_address)),
            "Subject": header_safe(subject),
            "MIME-Version": "1.0",
            **{name: header_safe(value) for name, value in extra_headers.items()},
            "Content-Type": f'multipart/alternative; boundary="{self.boundary}"',
        }
        self.head = b"".join(_folded(name, value) for name, value in shared.items())
        self.part_head = (
            f'--{self.boundary}\r\nContent-Type: text/%s; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        )

    def new_message_id(self) -> str:
        """A fresh Message-ID in the sender's domain."""
        return make_msgid(domain=self.domain)

    def compose(
        self,
        *,
        recipient: str,
        recipient_name: str = "",
        html: str | bytes,
        text: str | bytes,
        message_id: str,
        extra_headers: dict[str, str] | None = None,
    ) -> Outgoing:
        """One recipient's message; raises PermanentDeliveryError for an invalid address.

        ``html`` and ``text`` are the parts' text, or bytes that ``EncodedPart.fill`` encoded."""
        check_recipient(recipient)
        own = {
            "To": str(Address(display_name=header_safe(recipient_name), addr_spec=recipient))
            if recipient_name
            else recipient,
            "Date": format_datetime(datetime.now(UTC)),
            "Message-ID": header_safe(message_id),
            **{name: header_safe(value) for name, value in (extra_headers or {}).items()},
        }
        head = b"".join(_folded(name, value) for name, value in own.items())
        data = b"".join(
            (
                head,
                self.head,
                b"\r\nThis is a multi-part message in MIME format.\r\n\r\n",
                (self.part_head % "plain").encode(),
                _quoted_printable(text),
                (self.part_head % "html").encode(),
                _quoted_printable(html),
                f"--{self.boundary}--\r\n".encode(),
            )
        )
        return Outgoing(self.sender, recipient, own["Message-ID"], data)


class EncodedPart:
    """A text part quoted-printable encoded once, with slots whose values are encoded per message.

    ``fill`` gives what ``Composer.compose`` would write for the text with each slot replaced by
    its value: the same decoded content, CRLF line ends, a final line end, and the CRLF that
    belongs to the next boundary. Quoted-printable limits lines to 76 characters, so a value's
    length would shift every soft line break after it; instead each encoded piece starts a line
    of its own after a soft line break ("=" CRLF, which decodes to nothing). Per message only the
    short values are encoded; the rest is joined as is. Values must hold no line break (a
    ``Stencil`` refuses those).
    """

    def __init__(self, text: str, slots: Iterable[str]) -> None:
        lines = text.replace("\r\n", "\n").replace("\r", "\n")
        names = [slot for slot in slots if slot]
        pieces = re.split("(" + "|".join(map(re.escape, names)) + ")", lines) if names else [lines]
        if not pieces[-1].endswith("\n"):
            pieces[-1] += "\n"  # a value never ends a line, so this ends the text as compose does
        # pieces alternate: fixed text, slot, fixed text, ..., fixed text
        self.fixed = [_qp_bytes(piece) for piece in pieces[0::2]]
        self.slots = pieces[1::2]

    def fill(self, values: dict[str, str]) -> bytes:
        """The part with every slot's value from ``values`` (stand-in: value), encoded; raises
        ValueError for a value holding a line break."""
        out = [self.fixed[0]]
        for slot, fixed in zip(self.slots, self.fixed[1:], strict=True):
            value = values[slot]
            if "\n" in value or "\r" in value:
                raise ValueError(f"a line break in the value of {slot}")
            for piece in (_qp_bytes(value), fixed):
                if piece:
                    if not out[-1].endswith(b"\r\n"):
                        out.append(b"=\r\n")
                    out.append(piece)
        out.append(b"\r\n")
        return b"".join(out)


def _qp_bytes(text: str) -> bytes:
    """``text`` (LF line ends) with CRLF line ends, quoted-printable encoded."""
    data = text.replace("\n", "\r\n").encode("utf-8")
    encoded = binascii.b2a_qp(data, istext=True)
    # binascii ends its soft line breaks as the data's first line ends: with a bare LF when the
    # data has no line end at all (a value, a piece between two slots).
    return encoded if b"\n" in data else encoded.replace(b"=\n", b"=\r\n")


def _folded(name: str, value: str) -> bytes:
    """One header line: as is when short and ASCII, else folded (and RFC 2047 encoded) by the
    email package."""
    line = f"{name}: {value}\r\n"
    # "=?" may start an encoded word, which could decode to anything: the email package checks it
    # (and refuses one hiding a line break, as ``compose`` does).
    if len(line) <= 78 and line.isascii() and "=?" not in value:
        return line.encode()
    return policy.SMTP.fold_binary(*policy.SMTP.header_store_parse(name, value))


def _quoted_printable(text: str | bytes) -> bytes:
    """``text`` with CRLF line ends, ending in one, quoted-printable encoded; bytes are a part
    ``EncodedPart.fill`` already encoded."""
    if isinstance(text, bytes):
        return text
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    if not lines.endswith("\n"):
        lines += "\n"
    # The CRLF before a boundary belongs to the boundary: one more, so the text keeps its own.
    return _qp_bytes(lines) + b"\r\n"


def list_headers(
    *, list_id: str, unsubscribe_url: str, unsubscribe_mailto: str = ""
) -> dict[str, str]:
    """List-Id, List-Unsubscribe (https, and mailto when configured) and the RFC 8058 one-click
    List-Unsubscribe-Post header."""
    links = []
    if unsubscribe_mailto:
        links.append(f"<mailto:{unsubscribe_mailto}?subject={quote('unsubscribe')}>")
    links.append(f"<{unsubscribe_url}>")
    return {
        "List-Id": list_id,
        "List-Unsubscribe": ", ".join(links),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def unsubscribe_token(secret: str, subscriber_id: int) -> str:
    """A URL-safe token naming one subscriber, signed with HMAC-SHA256 under ``secret``."""
    return f"{subscriber_id}.{_mac(secret, f'unsubscribe:{subscriber_id}')}"


def read_unsubscribe_token(secret: str, token: str) -> int | None:
    """The subscriber id a token names, or None when it is malformed or its signature is wrong."""
    return _read_id_token(secret, token, "unsubscribe")


def preferences_token(secret: str, subscriber_id: int) -> str:
    """The token of one subscriber's preferences page: like the unsubscribe token, but signed for
    that purpose, so neither opens the other's page."""
    return f"{subscriber_id}.{_mac(secret, f'preferences:{subscriber_id}')}"


def read_preferences_token(secret: str, token: str) -> int | None:
    """The subscriber id a preferences token names, or None when it is not validly signed."""
    return _read_id_token(secret, token, "preferences")


def signup_token(secret: str, email: str, expires: int) -> str:
    """A sign-up confirmation token for ``email``, valid until ``expires`` (Unix seconds)."""
    body = base64.urlsafe_b64encode(f"{expires}:{email}".encode()).decode().rstrip("=")
    return f"{body}.{_mac(secret, f'signup:{expires}:{email}')}"


def read_signup_token(secret: str, token: str, now: float) -> str | None:
    """The address a sign-up token confirms, or None when it is forged, malformed or expired."""
    body, _, mac = token.partition(".")
    if not body or not mac or len(token) > 1024:
        return None
    try:
        decoded = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    expires, _, email = decoded.partition(":")
    if not (expires.isascii() and expires.isdigit()) or not email:
        return None
    if not hmac.compare_digest(mac.encode(), _mac(secret, f"signup:{expires}:{email}").encode()):
        return None
    return email if int(expires) >= now else None


def _read_id_token(secret: str, token: str, purpose: str) -> int | None:
    number, _, mac = token.partition(".")
    # isdigit() alone passes '²' and other Unicode digits, which int() refuses.
    if not (number.isascii() and number.isdigit()) or len(number) > 18 or not mac:
        return None
    if not hmac.compare_digest(mac.encode(), _mac(secret, f"{purpose}:{int(number)}").encode()):
        return None
    return int(number)


def _mac(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


class DkimSigner:
    """Signs a message's bytes with DKIM (relaxed/relaxed), covering ``DKIM_HEADERS``."""

    def __init__(self, *, selector: str, domain: str, key: bytes) -> None:
        self.selector, self.domain, self.key = selector, domain, key

    @classmethod
    def from_file(cls, *, selector: str, domain: str, key_file: str) -> DkimSigner:
        try:
            key = Path(key_file).read_bytes()
        except OSError as exc:
            raise DeliveryError(
                f"cannot read the DKIM key {key_file}: {exc.strerror}",
                hint="Set [mail] dkim_key_file to a readable PEM file with the RSA private key.",
            ) from exc
        return cls(selector=selector, domain=domain, key=key)

    def sign(self, data: bytes) -> bytes:
        """``data`` with a DKIM-Signature header in front."""
        import dkim

        try:
            signature = dkim.sign(
                data,
                self.selector.encode(),
                self.domain.encode(),
                self.key,
                canonicalize=(b"relaxed", b"relaxed"),
                include_headers=[name.lower().encode() for name in DKIM_HEADERS],
            )
        except dkim.DKIMException as exc:
            raise DeliveryError(
                f"DKIM signing failed: {exc}",
                hint="Check [mail] dkim_key_file (a PEM RSA private key) and dkim_domain.",
            ) from exc
        return bytes(signature) + data


def message_bytes(message: EmailMessage | Outgoing, signer: DkimSigner | None = None) -> bytes:
    """The message as sent: CRLF line ends, signed when a signer is given."""
    if isinstance(message, Outgoing):
        data = message.data
    else:
        data = message.as_bytes(policy=policy.SMTP)
    return signer.sign(data) if signer else data


def envelope(message: EmailMessage | Outgoing) -> tuple[str, str]:
    """The (sender, recipient) addresses of a message."""
    if isinstance(message, Outgoing):
        return message.sender, message.recipient
    return parseaddr(str(message["From"]))[1], parseaddr(str(message["To"]))[1]


class OutboxMailer:
    """Writes every message to a folder as ``<time>-<random>.eml``, atomically.

    The folder is made owner-only (0700) and each file is 0600: they hold addresses and signed
    links. File names carry no address, so a listing shows nobody's.
    """

    def __init__(self, folder: str | Path, signer: DkimSigner | None = None) -> None:
        self.folder = Path(folder)
        self.signer = signer

    def send(self, message: EmailMessage | Outgoing) -> None:
        try:
            # exist_ok: parallel deliveries may each find the folder missing and make it at once
            self.folder.mkdir(parents=True, mode=0o700, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            final = self.folder / f"{stamp}-{secrets.token_hex(4)}.eml"
            fd, temp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(message_bytes(message, self.signer))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, final)
        except OSError as exc:
            raise TemporaryDeliveryError(
                f"cannot write to the outbox {self.folder}: {exc.strerror}",
                hint="Check that [mail] outbox is a writable folder.",
            ) from exc

    def close(self) -> None:
        return None


class SMTPMailer:
    """Sends over one SMTP connection, opened on first use, reused for ``messages_per_connection``
    messages, then closed and reopened.

    Each message is one conversation (MAIL, RCPT, DATA) spoken here rather than by
    ``smtplib.sendmail``, so that a failure is known to have happened before the server had the
    whole message (safe to retry) or after (``UncertainDeliveryError``). A reused connection that
    turns out to be closed before the message went out is reopened once, at once.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str = "starttls",
        username: str = "",
        password: str = "",
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        messages_per_connection: int = 100,
        signer: DkimSigner | None = None,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout
        self.context = ssl_context or ssl.create_default_context()
        self.messages_per_connection = max(1, messages_per_connection)
        self.signer = signer
        self.connection: smtplib.SMTP | None = None
        self.sent_on_connection = 0
        self.connections_opened = 0

    def __enter__(self) -> SMTPMailer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        """Open, secure and log in one connection.

        Wrong settings (no STARTTLS, TLS against a plain server, no AUTH, a refused login, an
        untrusted certificate) raise MailSettingsError; a server that cannot be reached raises
        TemporaryDeliveryError.
        """
        where = f"{self.host}:{self.port}"
        try:
            connection: smtplib.SMTP
            if self.security == "tls":
                connection = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self.context
                )
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.security == "starttls":
                    connection.starttls(context=self.context)
            if self.username:
                try:
                    connection.login(self.username, self.password)
                except smtplib.SMTPNotSupportedError as exc:
                    raise MailSettingsError(
                        f"the SMTP server {where} offers no login (AUTH)",
                        hint="Check [mail.smtp] security and port: many servers offer AUTH only "
                        "over TLS; or leave username empty.",
                    ) from exc
            self.connections_opened += 1
            return connection
        except smtplib.SMTPAuthenticationError as exc:
            raise MailSettingsError(
                f"the SMTP server {where} refused the login: {_reply(exc)}",
                hint="Check [mail.smtp] username and the $DIGEST_SMTP_PASSWORD variable.",
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise MailSettingsError(
                f"the SMTP server {where} does not offer STARTTLS",
                hint="Set [mail.smtp] security to 'tls' (port 465) or, on a trusted network, 'none'.",
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            raise MailSettingsError(
                f"the SMTP server {where} has a certificate digest does not trust: "
                f"{exc.verify_message}",
                hint="Check [mail.smtp] host: it must be the name on the server's certificate.",
            ) from exc
        except ssl.SSLError as exc:
            plain = "WRONG_VERSION_NUMBER" in str(exc) and self.security == "tls"
            raise MailSettingsError(
                f"TLS with the SMTP server {where} failed ({exc.reason or exc})"
                + (": the server does not speak implicit TLS on this port" if plain else ""),
                hint="Set [mail.smtp] security to 'starttls' (usually port 587) or 'none' to "
                "match the server, or use its TLS port (usually 465) with 'tls'.",
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryDeliveryError(
                f"cannot connect to the SMTP server {where}: {_reason(exc)}",
                hint="Check that the server is running, and [mail.smtp] host and port; the "
                "deliveries stay pending and are retried.",
            ) from exc

    def check(self, sender: str) -> None:
        """Connect, secure and log in as a send would, and offer ``sender`` (MAIL FROM, then
        RSET): the server's answers, without sending a message. Raises like ``send``."""
        address = parseaddr(sender)[1]
        self._drop()
        self.connection = self._connect()
        try:
            self.connection.ehlo_or_helo_if_needed()
            code, reply = self.connection.mail(address)
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryDeliveryError(
                f"the SMTP server {self.host}:{self.port} closed the connection: {_reason(exc)}"
            ) from exc
        self._reset(self.connection, code)
        if code >= 500:
            raise self._sender_refused(address, code, reply)
        if code != 250:
            raise _classified(
                code, f"the server deferred the sender {address}: {code} {_text(reply)}"
            )

    def send(self, message: EmailMessage | Outgoing) -> None:
        """Send one message; raises a DeliveryError subclass saying whether to retry."""
        data = message_bytes(message, self.signer)
        sender, recipient = envelope(message)
        for _ in range(2):
            reused = self.connection is not None
            if self.connection is None:
                self.connection = self._connect()
                self.sent_on_connection = 0
            try:
                self._transact(self.connection, sender, recipient, data)
            except _StaleConnection as exc:
                self._drop()
                if reused:
                    continue  # the server had closed an idle connection: try a fresh one
                raise TemporaryDeliveryError(
                    f"the connection to {self.host} was lost: {exc}"
                ) from exc
            break
        self.sent_on_connection += 1
        if self.sent_on_connection >= self.messages_per_connection:
            self.close()

    def _transact(self, conn: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> None:
        try:
            conn.ehlo_or_helo_if_needed()
            code, reply = conn.mail(sender)
            if code >= 500:
                # A refused sender (or 530: login needed) fails every message alike: our settings.
                self._reset(conn, code)
                raise self._sender_refused(sender, code, reply)
            if code != 250:
                self._refused(conn, code, reply, f"the server refused the sender {sender}")
            code, reply = conn.rcpt(recipient)
            if code not in (250, 251):
                if code >= 500:
                    conn.rset()
                    raise HardBounceError(f"the server refused {recipient}: {code} {_text(reply)}")
                self._refused(conn, code, reply, f"the server deferred {recipient}")
            code, reply = conn.docmd("DATA")
            if code != 354:
                self._refused(conn, code, reply, "the server refused DATA")
            conn.send(_dot_stuffed(data))
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _StaleConnection(str(exc)) from exc
        # The whole message is now with the server: from here on, a lost reply means "maybe".
        try:
            code, reply = conn.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise UncertainDeliveryError(
                f"the connection to {self.host} was lost after the message was sent ({exc}); "
                "the server may have accepted it"
            ) from exc
        if code != 250:
            self._refused(conn, code, reply, f"the server did not take the message for {recipient}")

    def _sender_refused(self, sender: str, code: int, reply: bytes) -> MailSettingsError:
        return MailSettingsError(
            f"the SMTP server {self.host}:{self.port} refused the sender {sender}: "
            f"{code} {_text(reply)}",
            hint="Set [mail] from to an address this server lets you send from (often the "
            "login's own), and check [mail.smtp] username.",
        )

    def _refused(self, conn: smtplib.SMTP, code: int, reply: bytes, what: str) -> None:
        self._reset(conn, code)
        raise _classified(code, f"{what}: {code} {_text(reply)}")

    def _reset(self, conn: smtplib.SMTP, code: int) -> None:
        """End a refused transaction: RSET, or drop the connection when the server closes it."""
        if code == 421 or code < 400:
            self._drop()  # 421: the server is closing the connection
        else:
            try:
                conn.rset()
            except (smtplib.SMTPException, OSError):
                self._drop()

    def _drop(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.close()
            except OSError:
                pass

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()


class _StaleConnection(Exception):
    """The connection failed before the server had the whole message."""


def _dot_stuffed(data: bytes) -> bytes:
    # Every line starting with a dot gets one more (RFC 5321 4.5.2); replace() beats a regex here.
    data = (b"." if data.startswith(b".") else b"") + data.replace(b"\n.", b"\n..")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return _text(exc.smtp_error)


def _reason(exc: BaseException) -> str:
    """A socket error in words: 'connection refused', not '[Errno 111] Connection refused'."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


def _classified(code: int, message: str) -> DeliveryError:
    if code < 500:
        return TemporaryDeliveryError(message)
    return PermanentDeliveryError(
        message, hint="The server rejected the message; check the address and the content."
    )


class RateLimiter:
    """Spaces calls evenly so that at most ``per_second`` pass each second, across threads."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next_at)
            self.next_at = at + self.interval
        if at > now:
            time.sleep(at - now)


def deliver_all(
    items: Iterable[T],
    send_one: Callable[[T, Mailer], None],
    connect: Callable[[], Mailer],
    *,
    concurrency: int = 1,
    rate_per_second: float = 0.0,
    stop: threading.Event | None = None,
) -> None:
    """Call ``send_one(item, mailer)`` for every item on ``concurrency`` threads, each with its own
    mailer from ``connect()`` (closed at the end), at most ``rate_per_second`` overall.

    Once ``stop`` is set no new item starts; the ones in flight finish. ``send_one`` handles
    delivery errors itself; anything else it raises stops the run and is raised here.
    """
    work: queue.SimpleQueue[T] = queue.SimpleQueue()
    for item in items:
        work.put(item)
    limiter = RateLimiter(rate_per_second)
    halt = stop or threading.Event()
    errors: list[BaseException] = []

    def worker() -> None:
        mailer: Mailer | None = None
        try:
            while not halt.is_set() and not errors:
                try:
                    item = work.get_nowait()
                except queue.Empty:
                    return
                if mailer is None:
                    mailer = connect()
                limiter.wait()
                send_one(item, mailer)
        except BaseException as exc:  # a bug, not a delivery error: stop everyone, report it
            errors.append(exc)
        finally:
            if mailer is not None:
                mailer.close()

    if concurrency <= 1:
        worker()
    else:
        threads = [
            threading.Thread(target=worker, name=f"digest-send-{n}", daemon=True)
            for n in range(concurrency)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
