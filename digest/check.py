"""`digest check`: try every outside part the config names, without sending mail or storing news.

Each check is one line of the report: what was checked, OK or the error, and a hint. The config was
already loaded (so it is valid); the database is opened, the templates rendered, the mail server
connected to and logged in to (no message is sent) or the outbox folder written to, and every
source fetched and read the way `digest gather` would, but nothing is kept.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from digest.config import Config, config_warnings
from digest.errors import DigestError

if TYPE_CHECKING:
    from digest.deliver import SMTPMailer
    from digest.fetch import Fetcher, HttpFetcher
    from digest.store import Store


@dataclass(frozen=True)
class Outcome:
    """One check: ``ok`` with a ``detail``, or not, with the error in ``detail`` and a ``hint``."""

    what: str
    ok: bool
    detail: str
    hint: str = ""
    warning: bool = False  # allowed, but probably not what you want


def run_checks(
    config: Config,
    open_store: Callable[[], Store],
    mailer: Callable[[], SMTPMailer],
    fetcher: Callable[[], HttpFetcher],
) -> Iterator[Outcome]:
    """Yield one Outcome per part, as each is checked (sources can be slow); ``mailer`` is only
    called when [mail] backend is smtp."""
    where = str(config.path.resolve()) if config.path else "none found: the embedded defaults"
    yield Outcome("config", True, where)
    for warning in config_warnings(config):
        yield Outcome("config", True, warning, warning=True)
    yield _attempt("database", lambda: _check_store(open_store))
    yield _attempt("templates", lambda: _check_templates(config))
    yield _attempt(f"mail ({config.mail.backend})", lambda: _check_mail(config, mailer))
    if not config.sources:
        yield Outcome(
            "sources",
            False,
            "no sources configured",
            hint="Add a [[sources]] table with a url to the config (see config.example.toml).",
        )
        return
    client = fetcher()
    try:
        for source in config.sources:
            yield _attempt(f"source {source.url}", partial(_check_source, client, source.url))
    finally:
        client.close()


def _attempt(what: str, check: Callable[[], str]) -> Outcome:
    try:
        return Outcome(what, True, check())
    except DigestError as exc:
        return Outcome(what, False, str(exc), exc.hint)


def _check_store(open_store: Callable[[], Store]) -> str:
    store = open_store()
    try:
        active = len(store.list_subscribers("active"))
    finally:
        store.close()
    if not active:
        raise DigestError(
            "no subscribers", hint="Add one with `digest subscribers add EMAIL` (or import a CSV)."
        )
    return f"{store.path}: {active} active subscriber" + ("" if active == 1 else "s")


def _check_templates(config: Config) -> str:
    from datetime import date

    from digest.render import EditionView, Recipient
    from digest.wiring import build_renderer

    renderer = build_renderer(config)
    view = EditionView(title=config.digest.title, date=date.today(), sections=())
    renderer.render(view, Recipient("reader@example.com", "Reader"))
    return config.digest.template_dir or "the bundled templates"


def _check_mail(config: Config, mailer: Callable[[], SMTPMailer]) -> str:
    if config.mail.backend == "smtp":
        client = mailer()
        try:
            client.check(config.mail.sender)
        finally:
            client.close()
        smtp = config.mail.smtp
        login = f", logged in as {smtp.username}" if smtp.username else ""
        return f"{smtp.host}:{smtp.port} ({smtp.security}) accepts the sender{login}"
    folder = Path(config.mail.outbox)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder, suffix=".tmp")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise DigestError(
            f"cannot write to the outbox {folder}: {exc.strerror}",
            hint="Set [mail] outbox to a writable folder.",
        ) from exc
    return f"writes .eml files to {folder}"


def _check_source(fetcher: Fetcher, url: str) -> str:
    from digest.sources import collect
    from digest.store import Source

    probe = Source(0, url, "", "", "", "", "", "", "", 0, "", 0, False)
    found = collect(fetcher, probe)
    count = len(found.items)
    detail = f"{count} item" + ("" if count == 1 else "s")
    if found.title:
        detail = f"{found.title}: {detail}"
    if found.feed_url and found.feed_url != url:
        detail += f" (reads {found.feed_url})"
    return detail
