"""Delivery: compose a digest email and hand it to a mail backend.

``Mailer`` is the one interface the sending flow consumes. ``OutboxMailer`` writes each message as an
``.eml`` file (the embedded default: nothing leaves the machine); ``SMTPMailer`` speaks SMTP with STARTTLS or
implicit TLS and login, classifying failures as temporary (worth retrying) or permanent.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import tempfile
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from types import TracebackType
from typing import Protocol

from digest.errors import DeliveryError, PermanentDeliveryError, TemporaryDeliveryError

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class Mailer(Protocol):
    """Hands one message to the mail system; raises DeliveryError subclasses on failure."""

    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


def valid_email(address: str) -> bool:
    """A plain address check: one @, a dotted domain, no spaces or header-breaking characters."""
    return bool(_EMAIL.match(address)) and len(address) <= 254


def header_safe(value: str) -> str:
    """A header value with every CR/LF and control character folded to a space."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", value).strip()


def compose(
    *,
    sender: str,
    recipient: str,
    subject: str,
    html: str,
    text: str,
    extra_headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A multipart/alternative message (text first, HTML preferred) with the standard headers."""
    if not valid_email(recipient):
        raise PermanentDeliveryError(
            f"'{header_safe(recipient)}' is not a valid email address",
            hint="Fix or remove the subscriber with `digest subscribers`.",
        )
    sender_name, sender_address = parseaddr(header_safe(sender))
    if not valid_email(sender_address):
        raise DeliveryError(
            f"the sender '{sender}' is not a valid address",
            hint='Set [mail] from = "Name <address@example.com>" in the config.',
        )
    message = EmailMessage()
    message["From"] = str(Address(display_name=sender_name, addr_spec=sender_address))
    message["To"] = recipient
    message["Subject"] = header_safe(subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender_address.split("@", 1)[1])
    message["MIME-Version"] = "1.0"
    for name, value in (extra_headers or {}).items():
        message[name] = header_safe(value)
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


class OutboxMailer:
    """Writes every message to a folder as ``<time>-<recipient>.eml``, atomically."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def send(self, message: EmailMessage) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            who = re.sub(r"[^A-Za-z0-9._-]+", "_", str(message["To"]))[:80]
            final = self.folder / f"{stamp}-{who}.eml"
            fd, temp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(message.as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, final)
        except OSError as exc:
            raise TemporaryDeliveryError(
                f"cannot write to the outbox {self.folder}: {exc.strerror}",
                hint="Check that [mail] outbox is a writable folder.",
            ) from None

    def close(self) -> None:
        return None


class SMTPMailer:
    """Sends over one SMTP connection, opened on first use and reused until ``close``."""

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
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout
        self.context = ssl_context or ssl.create_default_context()
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> SMTPMailer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
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
                connection.login(self.username, self.password)
            return connection
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"the SMTP server {self.host}:{self.port} refused the login: {_reply(exc)}",
                hint="Check [mail.smtp] username and the $DIGEST_SMTP_PASSWORD variable.",
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError(
                f"the SMTP server {self.host}:{self.port} does not offer STARTTLS",
                hint="Set [mail.smtp] security to 'tls' (port 465) or, on a trusted network, 'none'.",
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryDeliveryError(
                f"cannot connect to the SMTP server {self.host}:{self.port}: {exc}",
                hint="Check [mail.smtp] host, port and security; digest retries on the next send.",
            ) from None

    def send(self, message: EmailMessage) -> None:
        if self.connection is None:
            self.connection = self._connect()
        try:
            refused = self.connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _classified(
                code, f"the server refused {message['To']}: {code} {reply!r}"
            ) from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise _classified(
                exc.smtp_code, f"the server answered {exc.smtp_code}: {_reply(exc)}"
            ) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise TemporaryDeliveryError(f"the connection to {self.host} was lost: {exc}") from None
        if refused:
            raise PermanentDeliveryError(f"the server refused {', '.join(refused)}")

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


def _reply(exc: smtplib.SMTPResponseException) -> str:
    error = exc.smtp_error
    return error.decode(errors="replace") if isinstance(error, bytes) else str(error)


def _classified(code: int, message: str) -> DeliveryError:
    if 400 <= code < 500:
        return TemporaryDeliveryError(message)
    return PermanentDeliveryError(
        message, hint="The address was rejected; check it with the subscriber."
    )
