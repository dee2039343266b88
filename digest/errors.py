"""Every error digest raises on purpose, under one root.

    DigestError                 root: a message saying what failed, and a hint saying what to do
    ├── ConfigError             the config file is missing, unreadable or invalid
    ├── StoreError              the database cannot be opened or migrated
    ├── FetchError              a source or page could not be fetched
    │   └── BlockedAddressError the address is private/loopback and not allowed
    ├── FeedError               a response is not a feed digest can read
    ├── ExtractError            a page yielded no article text
    ├── SummarizeError          a summariser failed on an input
    │   └── ModelUnavailableError  the model is not on disk and cannot be downloaded
    ├── TemplateError           a template is missing or broken (names the file and line)
    └── DeliveryError           a message could not be handed to the mail backend
        ├── TemporaryDeliveryError  worth retrying (4xx, dropped connection)
        └── PermanentDeliveryError  not worth retrying (5xx: bad address, rejected)

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


class BlockedAddressError(FetchError):
    hint = (
        "digest refuses private, loopback and link-local addresses by default; set "
        "[fetch] allow_private_addresses = true (or list the host in [fetch] allow_hosts) to fetch it."
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
