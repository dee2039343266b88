"""The store on PostgreSQL, for several machines sharing one database (``[store] url``).

It runs the SQLite backend's statements (see ``digest.store``) through a small connection adapter
that speaks psycopg 3 over a ``psycopg_pool`` pool, and replaces what a single file lock gave
SQLite with what a server offers:

- writes that check before they insert (an article "not seen yet") take one transaction-scoped
  advisory lock, as SQLite's ``BEGIN IMMEDIATE`` queues writers;
- deliveries are claimed with ``FOR UPDATE SKIP LOCKED`` by an owner (host and process) with a lease;
  a sender marks only rows it still owns, and no transaction stays open while a message is sent;
- ``recover_interrupted`` is a reaper: an expired lease on a 'sending' row means its sender died
  mid-message, so the row becomes 'uncertain' and is retried once with the same Message-ID;
- ``send_lock`` holds nothing: any number of senders may run at once.

The password never comes from the config: ``$DIGEST_DB_PASSWORD``, else libpq's own ``PGPASSFILE``
(``~/.pgpass``). The schema is created and migrated here, under an advisory lock, like SQLite's.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from digest.errors import ConfigError, StoreError
from digest.records import now_utc
from digest.store import SQLiteStore

PASSWORD_ENV = "DIGEST_DB_PASSWORD"
LEASE_SECONDS = 300  # a claimed delivery not marked within this long is its sender's, no more
_WRITERS_LOCK = 0x6469_6765  # the advisory lock id that queues checking writers ("dige")
_MIGRATION_LOCK = 0x6469_6766


class _Row(tuple[Any, ...]):
    """A result row readable by position and by column name, like ``sqlite3.Row``."""

    names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.names)


class _Result:
    """What one statement gave: its rows (read at once) and how many rows it changed."""

    def __init__(self, rows: list[_Row], rowcount: int) -> None:
        self.rows, self.rowcount = rows, rowcount

    def fetchone(self) -> _Row | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[_Row]:
        return self.rows

    def __iter__(self) -> Iterator[_Row]:
        return iter(self.rows)


@functools.lru_cache(maxsize=512)
def _translate(sql: str) -> str:
    # The shared statements use sqlite3's '?' placeholders; psycopg wants '%s' (and '%%' for '%').
    return sql.replace("%", "%%").replace("?", "%s")


class _Connection:
    """``execute``/``executemany`` in sqlite3's shape over a pool: a statement outside a
    transaction borrows a connection (autocommit); inside ``transaction`` the thread's own."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.local = threading.local()

    def _run(self, conn: Any, sql: str, params: Sequence[Any]) -> _Result:
        with conn.cursor() as cursor:
            cursor.execute(_translate(sql), tuple(params))
            rows: list[_Row] = []
            if cursor.description is not None:
                names = {column.name: i for i, column in enumerate(cursor.description)}
                for values in cursor.fetchall():
                    row = _Row(values)
                    row.names = names
                    rows.append(row)
            return _Result(rows, cursor.rowcount)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        conn = getattr(self.local, "conn", None)
        if conn is not None:
            return self._run(conn, sql, params)
        with _server_trouble(), self.pool.connection() as borrowed:
            return self._run(borrowed, sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> _Result:
        """One statement over many rows, pipelined (no round trip per row); no rows come back."""
        conn = getattr(self.local, "conn", None)
        if conn is not None:
            return self._run_many(conn, sql, rows)
        with _server_trouble(), self.pool.connection() as borrowed, borrowed.transaction():
            return self._run_many(borrowed, sql, rows)

    def _run_many(self, conn: Any, sql: str, rows: Sequence[Sequence[Any]]) -> _Result:
        with conn.cursor() as cursor:
            cursor.executemany(_translate(sql), [tuple(row) for row in rows])
            return _Result([], cursor.rowcount)

    @contextmanager
    def transaction(self, writers_lock: bool) -> Iterator[_Connection]:
        if getattr(self.local, "conn", None) is not None:
            yield self  # nested: part of the transaction already open
            return
        with _server_trouble(), self.pool.connection() as conn:
            with conn.transaction():
                self.local.conn = conn
                try:
                    if writers_lock:
                        self._run(conn, "SELECT pg_advisory_xact_lock(?)", (_WRITERS_LOCK,))
                    yield self
                finally:
                    self.local.conn = None


@contextmanager
def _server_trouble() -> Iterator[None]:
    """Every PostgreSQL error as a StoreError with a hint (``-v`` still shows the original): a
    lost or refused connection (or no free one in time), a server out of resources, a right the
    database user lacks, a value the server refuses, and whatever else it refuses."""
    import psycopg
    from psycopg_pool import PoolTimeout

    try:
        yield
    except PoolTimeout as exc:
        raise _unanswered(exc) from exc
    except psycopg.Error as exc:
        raise _refused(exc) from exc


_NOT_DONE = "Nothing of that statement was written (PostgreSQL rolled it back)"


def _unanswered(exc: BaseException) -> StoreError:
    return StoreError(
        f"the PostgreSQL server did not answer: {_reason(exc)}",
        hint="Check that the server runs and is reachable; what was not done is done by "
        "the next run (the ledger keeps every delivery's state).",
    )


def _refused(exc: Any) -> StoreError:
    """A psycopg error in the operator's words, by its SQLSTATE class."""
    import psycopg

    state = exc.sqlstate or ""
    if isinstance(exc, psycopg.OperationalError) and (
        not state or state.startswith("08") or state in ("57P01", "57P02", "57P03")
    ):
        return _unanswered(exc)  # no connection, or the server went away or is shutting down
    if state.startswith("53"):
        return StoreError(
            f"the PostgreSQL server is out of resources: {_reason(exc)}",
            hint="Free disk space or memory on the database server, or raise its "
            "max_connections; what was not done is done by the next run.",
        )
    if state == "42501":
        return StoreError(
            f"the PostgreSQL user lacks a right: {_reason(exc)}",
            hint="Connect as the database's owner (the user [store] url names), or grant this "
            "user SELECT, INSERT, UPDATE and DELETE on digest's tables and USAGE on their "
            f"sequences. {_NOT_DONE}.",
        )
    if state == "25006":
        return StoreError(
            f"the PostgreSQL server is read-only: {_reason(exc)}",
            hint="[store] url points at a standby or a read-only database: point it at the "
            "primary.",
        )
    if isinstance(exc, psycopg.DataError):
        return StoreError(
            f"PostgreSQL refused a value: {_reason(exc)}",
            hint=f"{_NOT_DONE}. The value came from a feed, a page or an import that digest "
            "should have cleaned: please report it, with the command that failed.",
        )
    if state in ("42P01", "42703"):
        return StoreError(
            f"the PostgreSQL tables are not the ones this digest expects: {_reason(exc)}",
            hint="Run the same digest version on every machine (the first to connect migrates "
            "the schema), and do not change digest's tables by hand.",
        )
    return StoreError(
        f"PostgreSQL refused a statement: {_reason(exc)}",
        hint=f"{_NOT_DONE}. Run the command again with -v for the details.",
    )


def connection_info(url: str) -> str:
    """The URL to connect with: as configured (which must hold no password), plus
    ``$DIGEST_DB_PASSWORD`` when set; otherwise libpq reads PGPASSFILE itself."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigError(
            f"[store] url must start with postgresql://, not {parts.scheme or 'nothing'}://",
            hint='Write it as url = "postgresql://user@host:5432/database".',
        )
    if parts.password:
        raise ConfigError(
            "[store] url holds a password; passwords never go in the config file",
            hint=f"Remove it from the URL and set ${PASSWORD_ENV}, or use a PGPASSFILE.",
        )
    return url


class PostgresStore(SQLiteStore):
    """The store on a PostgreSQL database: the shared statements, plus claims with leases."""

    shared = True

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 4,
        owner: str = "",
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self.path = self.url = connection_info(url)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.lease_seconds = lease_seconds
        self._renewed_at = 0.0
        password = os.environ.get(PASSWORD_ENV)
        kwargs: dict[str, Any] = {"autocommit": True}
        if password:
            kwargs["password"] = password
        try:
            self.pool = ConnectionPool(
                url, min_size=1, max_size=max(2, pool_size), kwargs=kwargs, open=False
            )
            self.pool.open(wait=True, timeout=15)
        except (psycopg.Error, Exception) as exc:
            where = urlsplit(url)
            raise StoreError(
                f"cannot connect to PostgreSQL at {where.hostname}:{where.port or 5432}: "
                f"{_reason(exc)}",
                hint=f"Check [store] url, that the server runs, and ${PASSWORD_ENV} or your "
                "PGPASSFILE.",
            ) from None
        self.db = _Connection(self.pool)  # type: ignore[assignment]
        try:
            self._migrate()
        except StoreError as exc:
            self.pool.close()
            cause = exc.__cause__
            if not isinstance(cause, psycopg.Error) or cause.sqlstate != "42501":
                raise
            raise StoreError(
                f"cannot prepare the PostgreSQL database: {_reason(cause)}",
                hint="The first connection creates the tables: its user needs the right to "
                "create them in the database (connect once as the database's owner).",
            ) from cause

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """One transaction that queues behind every other checking writer (an advisory lock)."""
        with self.db.transaction(writers_lock=True) as db:  # type: ignore[attr-defined]
            yield db

    def _migrate(self) -> None:
        with self.db.transaction(writers_lock=False) as db:  # type: ignore[attr-defined]
            db.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            # CREATE TABLE IF NOT EXISTS needs the right to create even when the table exists:
            # a user who may only use the tables (a web machine's) must still open the store.
            if db.execute("SELECT to_regclass('migrations')").fetchone()[0] is None:
                db.execute(
                    "CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
            done = {row[0] for row in db.execute("SELECT name FROM migrations")}
            for migration in PG_MIGRATIONS:
                if migration.__name__ not in done:
                    migration(db)
                    db.execute(
                        "INSERT INTO migrations VALUES (?, ?)", (migration.__name__, now_utc())
                    )

    # -- the delivery ledger, for many senders ------------------------------------------------

    @contextmanager
    def send_lock(self) -> Iterator[None]:
        """Nothing to hold: senders share the work through claims (``claim_deliveries``)."""
        yield

    def recover_interrupted(self) -> int:
        """The reaper: 'sending' rows whose lease expired become 'uncertain' (their sender died
        mid-message; the server may have it). The row keeps its old owner's name, so that owner,
        should it wake up, cannot mark it (``mark_delivery``)."""
        result = self.db.execute(
            """UPDATE deliveries SET state = 'uncertain', uncertain = uncertain + 1,
                 updated_at = ?,
                 last_error = 'interrupted while sending: the server may have accepted it'
               WHERE state = 'sending' AND lease_until < ?""",
            (now_utc(), now_utc()),
        )
        return result.rowcount

    def claim_deliveries(self, edition_id: int, message_ids: dict[int, str]) -> dict[int, str]:
        """Claim those of these deliveries that are ready and that no other sender holds
        (``FOR UPDATE SKIP LOCKED``), for this owner and a lease; one short transaction."""
        if not message_ids:
            return {}
        stamp = now_utc()
        ids = list(message_ids)
        # One statement, one round trip: lock what is ready and free, mark it, say what was taken.
        rows = self.db.execute(
            """UPDATE deliveries d SET state = 'sending', attempts = d.attempts + 1,
                 updated_at = ?, owner = ?, lease_until = ?,
                 message_id = CASE WHEN d.message_id = '' THEN f.message_id
                              ELSE d.message_id END,
                 first_attempt_at = CASE WHEN d.first_attempt_at = '' THEN ?
                                    ELSE d.first_attempt_at END
               FROM (SELECT unnest(?::bigint[]) AS subscriber_id,
                            unnest(?::text[]) AS message_id) f
               WHERE d.edition_id = ? AND d.subscriber_id = f.subscriber_id
                 AND d.subscriber_id IN (
                   SELECT subscriber_id FROM deliveries
                   WHERE edition_id = ? AND subscriber_id = ANY(?::bigint[])
                     AND (state = 'pending' OR (state = 'uncertain' AND uncertain = 1))
                   FOR UPDATE SKIP LOCKED)
               RETURNING d.subscriber_id, d.message_id""",
            (
                stamp,
                self.owner,
                _later(self.lease_seconds),
                stamp,
                ids,
                [message_ids[sid] for sid in ids],
                edition_id,
                edition_id,
                ids,
            ),
        ).fetchall()
        return {int(subscriber_id): str(message_id) for subscriber_id, message_id in rows}

    def claim_delivery(self, edition_id: int, subscriber_id: int, message_id: str) -> str | None:
        return self.claim_deliveries(edition_id, {subscriber_id: message_id}).get(subscriber_id)

    def release_deliveries(self, edition_id: int, subscriber_ids: Sequence[int]) -> None:
        self.db.executemany(
            """UPDATE deliveries SET state = 'pending', owner = '', updated_at = ?,
                 attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
               WHERE edition_id = ? AND subscriber_id = ? AND state = 'sending' AND owner = ?""",
            [(now_utc(), edition_id, sid, self.owner) for sid in subscriber_ids],
        )

    def mark_delivery(
        self,
        edition_id: int,
        subscriber_id: int,
        state: str,
        *,
        error: str = "",
        message_id: str = "",
        attempt: bool = False,
        next_attempt_at: str = "",
        uncertain: bool = False,
    ) -> bool:
        """As SQLite's, but a row being sent is marked only by its owner while its lease holds,
        and a row reaped from an owner never by that owner: a sender that lost its lease
        changes nothing (returns False).

        A sender still at work renews the leases of the rows it holds every third of a lease."""
        stamp = now_utc()
        if time.monotonic() - self._renewed_at > self.lease_seconds / 3:
            self._renewed_at = time.monotonic()
            self.db.execute(
                """UPDATE deliveries SET lease_until = ?
                   WHERE state = 'sending' AND owner = ? AND lease_until >= ?""",
                (_later(self.lease_seconds), self.owner, stamp),
            )
        result = self.db.execute(
            """UPDATE deliveries SET state = ?, last_error = ?, updated_at = ?, owner = '',
                 message_id = CASE WHEN ? != '' THEN ? ELSE message_id END,
                 attempts = attempts + ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END,
                 next_attempt_at = ?, uncertain = uncertain + ?
               WHERE edition_id = ? AND subscriber_id = ?
                 AND CASE WHEN state = 'sending' THEN owner = ? AND lease_until >= ?
                          ELSE owner != ? END""",
            (
                state,
                error,
                stamp,
                message_id,
                message_id,
                int(attempt),
                state,
                stamp,
                next_attempt_at,
                int(uncertain),
                edition_id,
                subscriber_id,
                self.owner,
                stamp,
                self.owner,
            ),
        )
        return result.rowcount == 1


def _later(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0).isoformat()


def _reason(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def pg001_schema(db: Any) -> None:
    """The schema SQLite reaches through m001-m004, in PostgreSQL's types, plus the claims'
    owner and lease. Column order matches SQLite's, so the shared ``INSERT ... VALUES`` fit."""
    for statement in """
        CREATE EXTENSION IF NOT EXISTS citext;
        CREATE TABLE sources (
            id BIGSERIAL PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL DEFAULT '',
            section TEXT NOT NULL DEFAULT '',
            feed_url TEXT NOT NULL DEFAULT '',
            etag TEXT NOT NULL DEFAULT '',
            last_modified TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'new',
            last_error TEXT NOT NULL DEFAULT '',
            failures INTEGER NOT NULL DEFAULT 0,
            successes INTEGER NOT NULL DEFAULT 0,
            last_checked_at TEXT NOT NULL DEFAULT '',
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            not_before TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE editions (
            id BIGSERIAL PRIMARY KEY,
            date TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            frozen_at TEXT NOT NULL DEFAULT '',
            html TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            story_count INTEGER NOT NULL DEFAULT 0,
            story_groups TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE articles (
            id BIGSERIAL PRIMARY KEY,
            source_id BIGINT NOT NULL REFERENCES sources(id),
            guid TEXT NOT NULL,
            url TEXT NOT NULL,
            url_norm TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            author TEXT NOT NULL DEFAULT '',
            published_at TEXT NOT NULL DEFAULT '',
            first_seen_at TEXT NOT NULL,
            feed_text TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            text_origin TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT '',
            image TEXT NOT NULL DEFAULT '',
            publisher_summary TEXT NOT NULL DEFAULT '[]',
            edition_id BIGINT REFERENCES editions(id),
            UNIQUE (source_id, guid)
        );
        CREATE INDEX articles_url_norm ON articles(url_norm);
        CREATE INDEX articles_fingerprint ON articles(fingerprint);
        CREATE INDEX articles_edition ON articles(edition_id, first_seen_at);
        CREATE INDEX articles_content_hash ON articles(content_hash);
        CREATE TABLE summaries (
            content_hash TEXT NOT NULL,
            cache_key TEXT NOT NULL,
            backend TEXT NOT NULL,
            model_id TEXT NOT NULL,
            bullets TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (content_hash, cache_key)
        );
        CREATE TABLE subscribers (
            id BIGSERIAL PRIMARY KEY,
            email CITEXT NOT NULL UNIQUE,
            name TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'active',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            timezone TEXT NOT NULL DEFAULT '',
            hour INTEGER,
            sections TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE deliveries (
            edition_id BIGINT NOT NULL REFERENCES editions(id),
            subscriber_id BIGINT NOT NULL REFERENCES subscribers(id),
            state TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            message_id TEXT NOT NULL DEFAULT '',
            last_error TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            sent_at TEXT NOT NULL DEFAULT '',
            next_attempt_at TEXT NOT NULL DEFAULT '',
            first_attempt_at TEXT NOT NULL DEFAULT '',
            uncertain INTEGER NOT NULL DEFAULT 0,
            owner TEXT NOT NULL DEFAULT '',
            lease_until TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (edition_id, subscriber_id)
        );
        CREATE INDEX deliveries_state ON deliveries(state, edition_id);
        CREATE INDEX deliveries_subscriber ON deliveries(subscriber_id);
        CREATE TABLE skipped_items (
            id BIGSERIAL PRIMARY KEY,
            source_id BIGINT NOT NULL REFERENCES sources(id),
            guid TEXT NOT NULL,
            url TEXT NOT NULL DEFAULT '',
            url_norm TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            skipped_at TEXT NOT NULL
        );
        CREATE INDEX skipped_items_guid ON skipped_items(source_id, guid);
        CREATE INDEX skipped_items_url_norm ON skipped_items(url_norm);
        CREATE INDEX skipped_items_fingerprint ON skipped_items(fingerprint);
        CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL, created_at TEXT NOT NULL)
    """.split(";"):
        if statement.strip():
            db.execute(statement)


def pg002_article_context(db: Any) -> None:
    """The publisher's description and the kind of piece (SQLite's m005)."""
    db.execute("ALTER TABLE articles ADD COLUMN description TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE articles ADD COLUMN kind TEXT NOT NULL DEFAULT ''")


def pg003_send_minute(db: Any) -> None:
    """A subscriber's send time to the minute (SQLite's m006)."""
    db.execute("ALTER TABLE subscribers ADD COLUMN minute INTEGER NOT NULL DEFAULT 0")


PG_MIGRATIONS: list[Callable[[Any], None]] = [
    pg001_schema,
    pg002_article_context,
    pg003_send_minute,
]
