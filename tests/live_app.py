"""A web app on a real socket on 127.0.0.1, served in a thread by the server `digest serve` uses;
and ``dump``/``dump_store``, the database as SQL, to prove that requests changed nothing."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from digest.config import Config
from digest.web import make_server


class LiveApp:
    """``with LiveApp(app) as live:`` serves ``app`` at ``live.url`` until the block ends."""

    def __init__(self, app: Any, *, trusted_proxy: str = "") -> None:
        self.server = make_server(app, "127.0.0.1", 0, trusted_proxy=trusted_proxy)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveApp:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
        self.thread.join(timeout=10)


def dump(path: str) -> str:
    """The whole database at ``path`` as SQL: equal dumps, equal databases."""
    db = sqlite3.connect(path)
    try:
        return "\n".join(db.iterdump())
    finally:
        db.close()


def dump_store(config: Config) -> str:
    """The whole store ``config`` names as SQL-like lines, SQLite's or PostgreSQL's: equal
    dumps, equal databases (each table's rows in order; one ``INSERT INTO "table"`` a row)."""
    if not config.store.url:
        return dump(config.store.path)
    import psycopg

    lines = []
    with psycopg.connect(config.store.url) as db:
        tables = db.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' ORDER BY table_name"
        ).fetchall()
        for (table,) in tables:
            for row in db.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                lines.append(f'INSERT INTO "{table}" VALUES{tuple(row)!r};')
    return "\n".join(lines)
