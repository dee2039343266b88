"""Shared fixtures: real servers on loopback, a real SQLite file, the real embedded model.

- ``site``: the demo news site (demo/site) served on 127.0.0.1 by ``digest.demo.SiteServer``.
- ``smtp``: an aiosmtpd server on 127.0.0.1 that keeps every message it accepts.
- ``make_config``: a validated Config whose files all live in the test's tmp_path.
- ``summarizer``: the embedded extractive summariser, loaded once per test session.
- ``demo_config``: a Config over a copy of a database gathered once per session from the whole demo site
  (its three feeds, real pages, the real model), ready to build an edition from.
- ``server``: an HTTP server on 127.0.0.1 whose answers each test scripts (scripted_server.py).
- ``postgres``: a real PostgreSQL server for the session (postgres_server.py); skipped where
  PostgreSQL is not installed, an error in CI (``CI=true``). ``both_backends_url`` is "" (SQLite)
  and then a fresh PostgreSQL database's URL: a test module that should run on both defines
  ``database_url`` from it, and ``make_config`` puts it in ``[store] url``.
- ``store``: the store ``make_config``'s config names (SQLite, or PostgreSQL where the module's
  ``database_url`` says so), closed after the test.
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from digest.config import Config, config_from_dict
from digest.demo import SiteServer, default_site
from tests.scripted_server import ScriptedServer


@pytest.fixture
def site() -> Iterator[SiteServer]:
    with SiteServer(default_site()) as server:
        yield server


@dataclass
class Inbox:
    """What the loopback SMTP server received."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.inbox.messages.append(message)  # type: ignore[arg-type]
        self.inbox.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    from aiosmtpd.controller import Controller

    inbox = Inbox("127.0.0.1", free_port())
    controller = Controller(_Handler(inbox), hostname=inbox.host, port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    from tests.postgres_server import PostgresServer, find_bin

    if find_bin() is None:
        message = "PostgreSQL is not installed (`make test` installs Debian's postgresql)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    with PostgresServer() as server:
        yield server


@pytest.fixture(name="both_backends_url", params=["sqlite", "postgresql"])
def both_backends_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "sqlite":
        yield ""
        return
    server = request.getfixturevalue("postgres")
    url = str(server.create_database())
    yield url
    server.drop_database(url)  # hundreds of tests: a folder of gigabytes is slow to delete


@pytest.fixture
def database_url() -> str:
    """The [store] url of make_config's configs: "" (SQLite) unless a module says otherwise."""
    return ""


def store_toml(config: Config) -> str:
    """The ``[store]`` section of a TOML file for the CLI that opens the same store as ``config``."""
    line = f'url = "{config.store.url}"' if config.store.url else f'path = "{config.store.path}"'
    return f"[store]\n{line}\n"


@pytest.fixture
def make_config(tmp_path: Path, database_url: str) -> Callable[..., Config]:
    """Build a Config from TOML-shaped sections; paths resolve inside tmp_path."""

    def build(**sections: Any) -> Config:
        raw: dict[str, Any] = {
            "store": {"path": "digest.db", "url": database_url},
            "fetch": {"allow_private_addresses": True},
            "mail": {"backend": "outbox", "outbox": "outbox"},
            "digest": {"preview": "preview.html", "max_age_hours": 100000},
        }
        for name, value in sections.items():
            if isinstance(value, dict) and isinstance(raw.get(name), dict):
                raw[name] = {**raw[name], **value}
            else:
                raw[name] = value
        return config_from_dict(raw, base=tmp_path)

    return build


@pytest.fixture
def store(make_config: Callable[..., Config]) -> Iterator[Any]:
    from digest.store import open_store

    opened = open_store(make_config())
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def summarizer() -> Any:
    from digest.summarize import SummarizerSettings, load_summarizer

    return load_summarizer(SummarizerSettings(backend="extractive"))


DEMO_SOURCES = [
    ("feeds/world.xml", "Harbour Herald", "World & Local"),
    ("feeds/tech.atom", "Circuit Weekly", "Science & Technology"),
    ("feeds/briefs.json", "Morning Briefs", "Briefs"),
]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, summarizer: Any) -> Path:
    """A database gathered once from the demo site's three feeds through the real pipeline."""
    from digest.fetch import HttpFetcher
    from digest.pipeline import gather
    from digest.store import SQLiteStore

    folder = tmp_path_factory.mktemp("demo-db")
    with SiteServer(default_site()) as server:
        config = config_from_dict(
            {
                "store": {"path": "digest.db"},
                "fetch": {"allow_private_addresses": True},
                "digest": {"max_age_hours": 100000},
                "sources": [
                    {"url": f"{server.base_url}/{path}", "name": name, "section": section}
                    for path, name, section in DEMO_SOURCES
                ],
            },
            base=folder,
        )
        store = SQLiteStore(config.store.path)
        fetcher = HttpFetcher(user_agent="digest-tests", timeout=10, allow_private_addresses=True)
        try:
            report = gather(config, store, fetcher, lambda: summarizer)
        finally:
            fetcher.close()
            store.close()
    assert report.new_articles == 9, report
    return Path(config.store.path)


@pytest.fixture
def demo_config(
    demo_db: Path, tmp_path: Path, make_config: Callable[..., Config], database_url: str
) -> Config:
    """A Config over this test's own copy of the gathered demo database: an SQLite file, or the
    PostgreSQL database of the module's ``database_url`` with the same rows."""
    shutil.copyfile(demo_db, tmp_path / "digest.db")
    if database_url:
        copy_to_postgres(tmp_path / "digest.db", database_url)
    return make_config(digest={"title": "The Demo Digest", "base_url": "https://digest.example"})


def copy_to_postgres(sqlite_path: Path, url: str) -> None:
    """Every row of a digest SQLite database into an empty PostgreSQL one (migrated here)."""
    import sqlite3

    import psycopg

    from digest.store_postgres import PostgresStore

    PostgresStore(url).close()  # creates the tables
    lite = sqlite3.connect(sqlite_path)
    tables = ("sources", "editions", "articles", "summaries", "subscribers", "deliveries")
    try:
        with psycopg.connect(url) as pg, pg.cursor() as cursor:
            for table in (*tables, "skipped_items", "secrets"):  # referenced rows first
                rows = lite.execute(f"SELECT * FROM {table}")
                names = [column[0] for column in rows.description]
                marks = ", ".join(["%s"] * len(names))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows.fetchall()
                )
                if "id" in names:  # the next id after the copied ones
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE(MAX(id), 0) + 1, false) FROM {table}"
                    )
    finally:
        lite.close()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running
