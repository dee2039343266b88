"""Every error digest raises on purpose, under one root.

    DigestError                 root: a message saying what failed, and a hint saying what to do
    ├── ConfigError             the config file is missing, unreadable or invalid
    ├── StoreError              the database cannot be opened or migrated, or refused a statement
    ├── FetchError              a source or page could not be fetched
    │   ├── HTTPStatusError     the server answered 4xx/5xx (``status``, ``retry_after``)
    │   └── BlockedAddressError the address is private/loopback and not allowed
    ├── FeedError               a response is not a feed digest can read
    ├── ExtractError            a page yielded no article text
    ├── SummarizeError          a summariser failed on an input
    │   └── ModelUnavailableError  the model is not on disk and cannot be downloaded
    ├── TemplateError           a template is missing or broken (names the file and line)
    └── DeliveryError           a message could not be handed to the mail backend
        ├── TemporaryDeliveryError  worth retrying (4xx, dropped connection)
        │   └── UncertainDeliveryError  the message went out but its acceptance was never confirmed
        ├── PermanentDeliveryError  not worth retrying (5xx: bad address, rejected)
        │   └── HardBounceError     the server refused the address itself (5xx to RCPT TO)
        ├── MailSettingsError   our own mail settings are wrong (sender, TLS mode, login): the run
        │                       stops and every delivery stays pending, no recipient is blamed
        └── SendLockedError     another digest process is sending from the same database

The CLI prints ``message`` and ``hint`` on one line each and exits non-zero; ``-v`` adds the traceback.
"""

from __future__ import annotations


class DigestError(Exception):
    """Root of digest's errors: ``str(error)`` says what failed, ``hint`` what to do about it."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class ConfigError(DigestError):
    hint = "Check your config file against config.example.toml."


class StoreError(DigestError):
    hint = "Check that [store] path points to a writable SQLite file."


class FetchError(DigestError):
    hint = "Check the URL in a browser; digest retries on the next gather."


class HTTPStatusError(FetchError):
    """The server answered with an error status; ``status`` and ``retry_after`` (seconds) say more."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.retry_after = retry_after


class BlockedAddressError(FetchError):
    hint = (
        "digest refuses private, loopback and link-local addresses by default; set "
        "[fetch] allow_private_addresses = true (or list its host:port in [fetch] allow_hosts) to fetch it."
    )


class FeedError(DigestError):
    hint = (
        "Check that the source URL points to an RSS, Atom or JSON feed, or a page that links one."
    )


class ExtractError(DigestError):
    hint = "The article page may need JavaScript or a login; digest falls back to the feed's text."


class SummarizeError(DigestError):
    hint = "Try another backend with --backend lead to check the input."


class ModelUnavailableError(SummarizeError):
    hint = (
        "Download the model where the hub is reachable and set [summarizer] model to its local "
        'path, or use backend = "extractive" (the embedded offline model).'
    )


class TemplateError(DigestError):
    hint = "Fix the template named above, or remove it from your template folder to use the bundled one."


class DeliveryError(DigestError):
    hint = (
        "Check the [mail] settings; `digest send` retries undelivered subscribers on the next run."
    )


class TemporaryDeliveryError(DeliveryError):
    pass


class PermanentDeliveryError(DeliveryError):
    pass


class UncertainDeliveryError(TemporaryDeliveryError):
    """The whole message was sent but the server's reply was lost: it may have been accepted."""


class MailSettingsError(DeliveryError):
    """The mail settings are wrong (sender, TLS mode, login), not the recipient: sending stops and
    the deliveries stay pending, to go out once the settings are fixed."""

    hint = "Fix the [mail] settings named above, then run `digest send` again."


class HardBounceError(PermanentDeliveryError):
    hint = "The address was refused; it is marked bounced and not mailed again until re-added."


class SendLockedError(DeliveryError):
    hint = (
        "Another `digest send` or `digest run` is sending from this database; wait for it to "
        "finish, or stop it first."
    )
