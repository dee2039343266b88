"""Storage: the interface its consumers own, and the embedded SQLite backend.

``Store`` is the whole interface, split by consumer: ``SourceStore`` (sources, articles and summaries:
gathering), ``EditionStore`` (building and freezing editions), ``SubscriberStore`` (the subscriber list)
and ``DeliveryLedger`` (sending, exactly once). The records it hands out live in ``digest.records``.
``open_store`` picks the backend from the config: ``SQLiteStore`` here for ``[store] path``,
``PostgresStore`` (``digest.store_postgres``) for ``[store] url``. One contract test suite
(tests/test_store_contract.py) runs against both.

The schema is created and migrated by the program: ``MIGRATIONS`` is an ordered list of named functions,
each applied once and recorded in ``migrations``. SQL here sticks to what PostgreSQL also speaks (plain
types, ``ON CONFLICT``, ``RETURNING``, no two-argument ``MAX``), so the PostgreSQL backend runs the same
statements.

Identity of an article: (source, guid), then the normalised URL, then a fingerprint of its feed title and
summary; any of them already stored means "seen", which is how a re-run gathers nothing twice.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from digest.errors import SendLockedError, StoreError
from digest.records import (
    Article,
    Delivery,
    Edition,
    ImportCounts,
    NewArticle,
    Source,
    Subscriber,
    SubscriberRow,
    Summary,
    now_utc,
)

if TYPE_CHECKING:
    from digest.config import Config


class SourceStore(Protocol):
    """What gathering needs: sources and their fetch state, articles, summaries."""

    def upsert_source(self, url: str, name: str = "", section: str = "") -> Source: ...
    def get_source(self, source_id: int) -> Source: ...
    def list_sources(self) -> list[Source]: ...
    def record_source_success(
        self,
        source_id: int,
        *,
        status: str,
        feed_url: str,
        etag: str,
        last_modified: str,
        name: str = "",
    ) -> None: ...
    def record_source_failure(
        self, source_id: int, error: str, *, disable: bool = False, not_before: str = ""
    ) -> None: ...
    def forget_feed_url(self, source_id: int) -> None: ...
    def is_seen(self, source_id: int, item: NewArticle) -> bool: ...
    def add_article(self, source_id: int, item: NewArticle) -> int | None: ...
    def skip_items(self, source_id: int, items: Sequence[NewArticle], reason: str) -> int: ...
    def find_text_twin(self, content_hash: str, article_id: int) -> int | None: ...
    def skip_article(self, article_id: int, reason: str) -> None: ...
    def set_article_text(
        self,
        article_id: int,
        *,
        text: str,
        origin: str,
        content_hash: str,
        note: str = "",
        title: str = "",
        author: str = "",
        published_at: str = "",
        language: str = "",
        image: str = "",
        publisher_summary: Sequence[str] = (),
        description: str = "",
        kind: str = "",
    ) -> None: ...
    def set_article_note(self, article_id: int, note: str) -> None: ...
    def get_article(self, article_id: int) -> Article: ...
    def articles_without_text(self) -> list[Article]: ...
    def articles_without_summary(self, since: str = "") -> list[Article]: ...
    def save_summary(self, summary: Summary) -> None: ...
    def get_summary(self, content_hash: str, cache_key: str) -> Summary | None: ...


class EditionStore(Protocol):
    """What building and freezing an edition needs."""

    def get_edition(self, date: str) -> Edition | None: ...
    def get_edition_by_id(self, edition_id: int) -> Edition: ...
    def list_editions(self, limit: int = 50) -> list[Edition]: ...
    def claim_articles(
        self,
        date: str,
        title: str,
        since: str,
        limit: int,
        source_urls: Sequence[str] | None = None,
    ) -> Edition: ...
    def edition_articles(self, edition_id: int) -> list[Article]: ...
    def save_edition(
        self,
        edition_id: int,
        *,
        html: str,
        text: str,
        story_count: int,
        story_groups: Sequence[Sequence[int]] = (),
    ) -> None: ...
    def freeze_edition(self, edition_id: int) -> bool: ...
    def unclaimed_articles(self, since: str, limit: int) -> list[Article]: ...
    def get_summary(self, content_hash: str, cache_key: str) -> Summary | None: ...


class SubscriberStore(Protocol):
    """The subscriber list: adding, importing, unsubscribing, listing."""

    def add_subscriber(
        self,
        email: str,
        name: str = "",
        *,
        timezone: str = "",
        hour: int | None = None,
        sections: Sequence[str] = (),
        minute: int = 0,
    ) -> tuple[Subscriber, bool]: ...
    def import_subscribers(self, rows: Iterable[SubscriberRow]) -> ImportCounts: ...
    def get_subscriber(self, subscriber_id: int) -> Subscriber | None: ...
    def find_subscriber(self, email: str) -> Subscriber | None: ...
    def unsubscribe(self, subscriber_id: int) -> Subscriber | None: ...
    def resubscribe(self, subscriber_id: int) -> Subscriber | None: ...
    def set_preferences(
        self,
        subscriber_id: int,
        *,
        timezone: str,
        hour: int | None,
        minute: int,
        sections: Sequence[str],
    ) -> Subscriber | None: ...
    def mark_bounced(self, subscriber_id: int) -> None: ...
    def set_subscriber_status(self, email: str, status: str) -> Subscriber | None: ...
    def list_subscribers(self, status: str | None = None) -> list[Subscriber]: ...


class DeliveryLedger(Protocol):
    """Sending exactly once: one row per (edition, subscriber), claimed before its message goes
    out ('sending') and marked after (``mark_delivery``).

    ``shared`` is True when other processes may send from the same ledger at once (claims then
    decide who sends what); False when ``send_lock`` keeps them out."""

    shared: bool

    def plan_deliveries(
        self, edition_id: int, subscriber_ids: Iterable[int] | None = None
    ) -> int: ...
    def recover_interrupted(self) -> int: ...
    def ready_deliveries(self, edition_id: int, now: str) -> list[Delivery]: ...
    def next_retry_at(self, edition_id: int) -> str | None: ...
    def editions_with_work(self, now: str) -> list[int]: ...
    def planned_dates(self, since: str) -> set[tuple[int, str]]: ...
    def claim_deliveries(self, edition_id: int, message_ids: dict[int, str]) -> dict[int, str]: ...
    def release_deliveries(self, edition_id: int, subscriber_ids: Sequence[int]) -> None: ...
    def release_delivery(self, edition_id: int, subscriber_id: int, error: str) -> None: ...
    def retry_pending_now(self) -> int: ...
    def requeue_failed(self, edition_id: int) -> int: ...
    def last_attempt_at(self) -> tuple[str, str]: ...
    def latest_errors(self, edition_id: int, limit: int = 5) -> list[tuple[str, str, str]]: ...
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
    ) -> bool: ...
    def deliveries(self, edition_id: int, states: Sequence[str]) -> list[Delivery]: ...
    def count_deliveries(self, edition_id: int) -> dict[str, int]: ...
    def send_lock(self) -> AbstractContextManager[None]: ...
    def get_secret(self, name: str) -> str: ...
    def find_secret(self, name: str) -> str | None: ...


class Store(SourceStore, EditionStore, SubscriberStore, DeliveryLedger, Protocol):
    """Every consumer's part, as one backend provides them."""

    path: str

    def close(self) -> None: ...


def open_store(config: Config) -> Store:
    """The store the config names: PostgreSQL for ``[store] url``, else the SQLite file."""
    if config.store.url:
        from digest.store_postgres import PostgresStore

        return PostgresStore(config.store.url, lease_seconds=config.store.claim_lease_seconds)
    return SQLiteStore(config.store.path)


def _run_script(db: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT the migration's transaction early; run statement by statement.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def m001_initial(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
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
            created_at TEXT NOT NULL
        );
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id),
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
            edition_id INTEGER REFERENCES editions(id),
            UNIQUE (source_id, guid)
        );
        CREATE INDEX articles_url_norm ON articles(url_norm);
        CREATE INDEX articles_fingerprint ON articles(fingerprint);
        CREATE INDEX articles_edition ON articles(edition_id, first_seen_at);
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
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            name TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'active',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE editions (
            id INTEGER PRIMARY KEY,
            date TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            frozen_at TEXT NOT NULL DEFAULT '',
            html TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            story_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE deliveries (
            edition_id INTEGER NOT NULL REFERENCES editions(id),
            subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),
            state TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            message_id TEXT NOT NULL DEFAULT '',
            last_error TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            sent_at TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (edition_id, subscriber_id)
        );
        """,
    )


def m002_fetch_schedule(db: sqlite3.Connection) -> None:
    """When a source may be fetched next, and the items deliberately not gathered.

    ``sources.not_before`` holds a site's Retry-After. ``skipped_items`` keeps the identity of
    items seen but left out (beyond a new source's first-fetch limit; the same text as a stored
    article), so they stay "seen" without ever becoming stories.
    """
    _run_script(
        db,
        """
        ALTER TABLE sources ADD COLUMN not_before TEXT NOT NULL DEFAULT '';
        CREATE TABLE skipped_items (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id),
            guid TEXT NOT NULL,
            url TEXT NOT NULL DEFAULT '',
            url_norm TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            skipped_at TEXT NOT NULL
        );
        CREATE INDEX skipped_items_guid ON skipped_items(source_id, guid);
        CREATE INDEX skipped_items_url_norm ON skipped_items(url_norm);
        CREATE INDEX skipped_items_fingerprint ON skipped_items(fingerprint)
        """,
    )


def m003_delivery_ledger(db: sqlite3.Connection) -> None:
    """Per-subscriber delivery time and sections; retry state in the ledger; stored secrets.

    A delivery is pending -> sending -> sent, or back to pending with ``next_attempt_at`` after
    a temporary failure, failed (permanent, or out of retries), uncertain (a crash or a lost
    reply after the message went out; retried at most once), or skipped (nothing in the
    subscriber's sections).
    """
    _run_script(
        db,
        """
        ALTER TABLE subscribers ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
        ALTER TABLE subscribers ADD COLUMN hour INTEGER;
        ALTER TABLE subscribers ADD COLUMN sections TEXT NOT NULL DEFAULT '';
        ALTER TABLE deliveries ADD COLUMN next_attempt_at TEXT NOT NULL DEFAULT '';
        ALTER TABLE deliveries ADD COLUMN first_attempt_at TEXT NOT NULL DEFAULT '';
        ALTER TABLE deliveries ADD COLUMN uncertain INTEGER NOT NULL DEFAULT 0;
        UPDATE deliveries SET state = 'failed' WHERE state = 'rejected';
        CREATE INDEX deliveries_state ON deliveries(state, edition_id);
        CREATE INDEX deliveries_subscriber ON deliveries(subscriber_id);
        CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL, created_at TEXT NOT NULL)
        """,
    )


def m004_story_groups(db: sqlite3.Connection) -> None:
    """Which articles each story of an edition merges, kept so a frozen edition needs no model."""
    db.execute("ALTER TABLE editions ADD COLUMN story_groups TEXT NOT NULL DEFAULT ''")


def m005_article_context(db: sqlite3.Connection) -> None:
    """The publisher's description and the kind of piece, which the summariser reads."""
    db.execute("ALTER TABLE articles ADD COLUMN description TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE articles ADD COLUMN kind TEXT NOT NULL DEFAULT ''")


def m006_send_minute(db: sqlite3.Connection) -> None:
    """A subscriber's send time to the minute: ``hour`` stays as it was, ``minute`` joins it."""
    db.execute("ALTER TABLE subscribers ADD COLUMN minute INTEGER NOT NULL DEFAULT 0")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    m001_initial,
    m002_fetch_schedule,
    m003_delivery_ledger,
    m004_story_groups,
    m005_article_context,
    m006_send_minute,
]


class SQLiteStore:
    """The store on one SQLite file, in WAL mode so the web app can read while a send writes."""

    shared = False  # one sender at a time, by the OS lock of ``send_lock``

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        try:
            if self.path != ":memory:":
                _create_owner_only(Path(self.path))
            self.db = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            self._lock_guard = threading.Lock()
            self._lock_depth = 0
            self._lock_file: Any = None
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA busy_timeout=30000")
            # WAL with NORMAL: a commit survives a crash of the process, not always a power cut.
            # The claims of deliveries, which must, sync themselves (``claim_deliveries``).
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the database {self.path}: {exc}") from None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: writers queue up instead of failing halfway."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            # SQLite has already rolled back after some errors (a full disk, an I/O error): a
            # second ROLLBACK would fail and hide the real error.
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def _migrate(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in self.db.execute("SELECT name FROM migrations")}
        for migration in MIGRATIONS:
            if migration.__name__ in done:
                continue
            with self.transaction() as db:
                # Re-check inside the lock: another process may have just applied it.
                if db.execute(
                    "SELECT 1 FROM migrations WHERE name = ?", (migration.__name__,)
                ).fetchone():
                    continue
                migration(db)
                db.execute("INSERT INTO migrations VALUES (?, ?)", (migration.__name__, now_utc()))

    # -- sources ------------------------------------------------------------------------------

    def upsert_source(self, url: str, name: str = "", section: str = "") -> Source:
        """The source for ``url``, created on first sight; name and section follow the config."""
        self.db.execute(
            """INSERT INTO sources (url, name, section, created_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (url) DO UPDATE SET
                 name = CASE WHEN excluded.name != '' THEN excluded.name ELSE sources.name END,
                 section = excluded.section""",
            (url, name, section, now_utc()),
        )
        return self._source("SELECT * FROM sources WHERE url = ?", url)

    def get_source(self, source_id: int) -> Source:
        return self._source("SELECT * FROM sources WHERE id = ?", source_id)

    def list_sources(self) -> list[Source]:
        rows = self.db.execute("SELECT * FROM sources ORDER BY id").fetchall()
        return [_source_from(row) for row in rows]

    def _source(self, sql: str, arg: object) -> Source:
        row = self.db.execute(sql, (arg,)).fetchone()
        if row is None:
            raise StoreError(f"no source matches {arg!r}")
        return _source_from(row)

    def record_source_success(
        self,
        source_id: int,
        *,
        status: str,
        feed_url: str,
        etag: str,
        last_modified: str,
        name: str = "",
    ) -> None:
        """A fetch worked (``status`` says how: 'ok', 'not modified'...): reset the failure count."""
        self.db.execute(
            """UPDATE sources SET status = ?, last_error = '', failures = 0, successes = successes + 1,
                 feed_url = ?, etag = ?, last_modified = ?, last_checked_at = ?, not_before = '',
                 name = CASE WHEN name = '' THEN ? ELSE name END
               WHERE id = ?""",
            (status, feed_url, etag, last_modified, now_utc(), name, source_id),
        )

    def record_source_failure(
        self, source_id: int, error: str, *, disable: bool = False, not_before: str = ""
    ) -> None:
        """A fetch failed: keep the message, count consecutive failures, optionally disable.

        ``not_before`` (an ISO time) defers the next fetch, as a site's Retry-After asks.
        """
        self.db.execute(
            """UPDATE sources SET status = 'error', last_error = ?, failures = failures + 1,
                 last_checked_at = ?, disabled = CASE WHEN ? = 1 THEN 1 ELSE disabled END,
                 not_before = ? WHERE id = ?""",
            (error, now_utc(), int(disable), not_before, source_id),
        )

    def forget_feed_url(self, source_id: int) -> None:
        """Ask the configured URL again next time (the discovered or moved feed URL failed)."""
        self.db.execute(
            "UPDATE sources SET feed_url = '', etag = '', last_modified = '' WHERE id = ?",
            (source_id,),
        )

    # -- articles -----------------------------------------------------------------------------

    def is_seen(self, source_id: int, item: NewArticle) -> bool:
        """True when this item, or the same story by URL or fingerprint, is already stored."""
        row = self.db.execute(
            """SELECT 1 FROM articles WHERE (source_id = ? AND guid = ?) OR url_norm = ?
               OR fingerprint = ? LIMIT 1""",
            (source_id, item.guid, item.url_norm, item.fingerprint),
        ).fetchone()
        if row is None:
            row = self.db.execute(
                """SELECT 1 FROM skipped_items WHERE (source_id = ? AND guid = ?) OR url_norm = ?
                   OR fingerprint = ? LIMIT 1""",
                (source_id, item.guid, item.url_norm, item.fingerprint),
            ).fetchone()
        return row is not None

    def skip_items(self, source_id: int, items: Sequence[NewArticle], reason: str) -> int:
        """Remember items as seen without gathering them; returns how many were not seen before."""
        added = 0
        with self.transaction() as db:
            for item in items:
                if self.is_seen(source_id, item):
                    continue
                db.execute(
                    """INSERT INTO skipped_items (source_id, guid, url, url_norm, fingerprint,
                         reason, skipped_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    (
                        source_id,
                        item.guid,
                        item.url,
                        item.url_norm,
                        item.fingerprint,
                        reason,
                        now_utc(),
                    ),
                )
                added += 1
        return added

    def find_text_twin(self, content_hash: str, article_id: int) -> int | None:
        """Another article whose extracted text has this hash (the same story under another URL)."""
        row = self.db.execute(
            "SELECT id FROM articles WHERE content_hash = ? AND id != ? ORDER BY id LIMIT 1",
            (content_hash, article_id),
        ).fetchone()
        return int(row[0]) if row else None

    def skip_article(self, article_id: int, reason: str) -> None:
        """Turn a gathered, unclaimed article into a skipped item: still seen, never a story."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT * FROM articles WHERE id = ? AND edition_id IS NULL", (article_id,)
            ).fetchone()
            if row is None:
                return
            db.execute(
                """INSERT INTO skipped_items (source_id, guid, url, url_norm, fingerprint, reason,
                     skipped_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (
                    row["source_id"],
                    row["guid"],
                    row["url"],
                    row["url_norm"],
                    row["fingerprint"],
                    reason,
                    now_utc(),
                ),
            )
            db.execute("DELETE FROM articles WHERE id = ?", (article_id,))

    def count_skipped(self, source_id: int) -> int:
        return int(
            self.db.execute(
                "SELECT COUNT(*) FROM skipped_items WHERE source_id = ?", (source_id,)
            ).fetchone()[0]
        )

    def add_article(self, source_id: int, item: NewArticle) -> int | None:
        """Store a new item; returns its id, or None when it was already seen."""
        with self.transaction() as db:
            if self.is_seen(source_id, item):
                return None
            row = db.execute(
                """INSERT INTO articles (source_id, guid, url, url_norm, fingerprint, title, author,
                     published_at, first_seen_at, feed_text)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                (
                    source_id,
                    item.guid,
                    item.url,
                    item.url_norm,
                    item.fingerprint,
                    item.title,
                    item.author,
                    item.published_at,
                    now_utc(),
                    item.feed_text,
                ),
            ).fetchone()
            return int(row[0])

    def set_article_text(
        self,
        article_id: int,
        *,
        text: str,
        origin: str,
        content_hash: str,
        note: str = "",
        title: str = "",
        author: str = "",
        published_at: str = "",
        language: str = "",
        image: str = "",
        publisher_summary: Sequence[str] = (),
        description: str = "",
        kind: str = "",
    ) -> None:
        """Record the article's extracted text (``origin``: 'page' or 'feed') and what was learnt."""
        self.db.execute(
            """UPDATE articles SET text = ?, text_origin = ?, content_hash = ?, note = ?,
                 title = CASE WHEN ? != '' THEN ? ELSE title END,
                 author = CASE WHEN author = '' THEN ? ELSE author END,
                 published_at = CASE WHEN published_at = '' THEN ? ELSE published_at END,
                 language = ?, image = ?, publisher_summary = ?, description = ?, kind = ?
               WHERE id = ?""",
            (
                text,
                origin,
                content_hash,
                note,
                title,
                title,
                author,
                published_at,
                language,
                image,
                json.dumps(list(publisher_summary)),
                description,
                kind,
                article_id,
            ),
        )

    def set_article_note(self, article_id: int, note: str) -> None:
        self.db.execute("UPDATE articles SET note = ? WHERE id = ?", (note, article_id))

    def get_article(self, article_id: int) -> Article:
        row = self.db.execute(_ARTICLE_SELECT + " WHERE a.id = ?", (article_id,)).fetchone()
        if row is None:
            raise StoreError(f"no article with id {article_id}")
        return _article_from(row)

    def articles_without_text(self) -> list[Article]:
        rows = self.db.execute(_ARTICLE_SELECT + " WHERE a.text_origin = '' ORDER BY a.id")
        return [_article_from(row) for row in rows]

    def articles_without_summary(self, since: str = "") -> list[Article]:
        """Unclaimed articles first seen since ``since`` that have text but no summary at all.

        Articles already judged unsuitable (a 'not summarised' note) are left out.
        """
        rows = self.db.execute(
            _ARTICLE_SELECT
            + """ WHERE a.text_origin != '' AND a.first_seen_at >= ? AND a.edition_id IS NULL
                  AND a.note NOT LIKE 'not summarised%'
                  AND NOT EXISTS (SELECT 1 FROM summaries s WHERE s.content_hash = a.content_hash)
                  ORDER BY a.id""",
            (since,),
        )
        return [_article_from(row) for row in rows]

    def count_articles(self, source_id: int) -> int:
        return int(
            self.db.execute(
                "SELECT COUNT(*) FROM articles WHERE source_id = ?", (source_id,)
            ).fetchone()[0]
        )

    # -- summaries ----------------------------------------------------------------------------

    def save_summary(self, summary: Summary) -> None:
        self.db.execute(
            """INSERT INTO summaries VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (content_hash, cache_key) DO UPDATE SET bullets = excluded.bullets,
                 model_id = excluded.model_id""",
            (
                summary.content_hash,
                summary.cache_key,
                summary.backend,
                summary.model_id,
                json.dumps(list(summary.bullets)),
                now_utc(),
            ),
        )

    def get_summary(self, content_hash: str, cache_key: str) -> Summary | None:
        """The summary of this text under these settings; else the newest one under any settings."""
        row = self.db.execute(
            """SELECT * FROM summaries WHERE content_hash = ?
               ORDER BY cache_key = ? DESC, created_at DESC LIMIT 1""",
            (content_hash, cache_key),
        ).fetchone()
        if row is None:
            return None
        return Summary(
            row["content_hash"],
            row["cache_key"],
            row["backend"],
            row["model_id"],
            tuple(json.loads(row["bullets"])),
        )

    # -- editions -----------------------------------------------------------------------------

    def get_edition(self, date: str) -> Edition | None:
        row = self.db.execute("SELECT * FROM editions WHERE date = ?", (date,)).fetchone()
        return _edition_from(row) if row else None

    def get_edition_by_id(self, edition_id: int) -> Edition:
        row = self.db.execute("SELECT * FROM editions WHERE id = ?", (edition_id,)).fetchone()
        if row is None:
            raise StoreError(f"no edition with id {edition_id}")
        return _edition_from(row)

    def list_editions(self, limit: int = 50) -> list[Edition]:
        rows = self.db.execute("SELECT * FROM editions ORDER BY date DESC LIMIT ?", (limit,))
        return [_edition_from(row) for row in rows]

    def claim_articles(
        self,
        date: str,
        title: str,
        since: str,
        limit: int,
        source_urls: Sequence[str] | None = None,
    ) -> Edition:
        """The edition for ``date``, created if needed, with every unclaimed article since ``since``
        (only from the sources with ``source_urls``, when given: those still configured).

        A frozen edition (sending has begun) never changes: what one subscriber got, all get.
        """
        with self.transaction() as db:
            db.execute(
                "INSERT INTO editions (date, title, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (date) DO NOTHING",
                (date, title, now_utc()),
            )
            edition = _edition_from(
                db.execute("SELECT * FROM editions WHERE date = ?", (date,)).fetchone()
            )
            if not edition.frozen_at:
                claimed = db.execute(
                    "SELECT COUNT(*) FROM articles WHERE edition_id = ?", (edition.id,)
                ).fetchone()[0]
                urls = list(source_urls) if source_urls is not None else []
                only = (
                    f"AND source_id IN (SELECT id FROM sources WHERE url IN "
                    f"({','.join('?' * len(urls))}))"
                    if source_urls is not None
                    else ""
                )
                db.execute(
                    f"""UPDATE articles SET edition_id = ? WHERE id IN (
                         SELECT id FROM articles WHERE edition_id IS NULL AND text_origin != ''
                         AND first_seen_at >= ? {only} ORDER BY first_seen_at, id LIMIT ?)""",
                    (edition.id, since, *urls, max(0, limit - claimed)),
                )
            return edition

    def unclaimed_articles(self, since: str, limit: int) -> list[Article]:
        """What ``claim_articles`` would take now (read-only): unclaimed articles with text first
        seen since ``since``, oldest first, at most ``limit``."""
        rows = self.db.execute(
            _ARTICLE_SELECT
            + """ WHERE a.edition_id IS NULL AND a.text_origin != '' AND a.first_seen_at >= ?
                  ORDER BY a.first_seen_at, a.id LIMIT ?""",
            (since, max(0, limit)),
        )
        return [_article_from(row) for row in rows]

    def edition_articles(self, edition_id: int) -> list[Article]:
        rows = self.db.execute(
            _ARTICLE_SELECT + " WHERE a.edition_id = ? ORDER BY a.published_at DESC, a.id",
            (edition_id,),
        )
        return [_article_from(row) for row in rows]

    def save_edition(
        self,
        edition_id: int,
        *,
        html: str,
        text: str,
        story_count: int,
        story_groups: Sequence[Sequence[int]] = (),
    ) -> None:
        """Store a built edition; a frozen one keeps the story groups it was sent with."""
        self.db.execute(
            """UPDATE editions SET html = ?, text = ?, story_count = ?,
                 story_groups = CASE WHEN frozen_at = '' OR story_groups = '' THEN ?
                                     ELSE story_groups END
               WHERE id = ?""",
            (html, text, story_count, json.dumps([list(g) for g in story_groups]), edition_id),
        )

    def freeze_edition(self, edition_id: int) -> bool:
        """Freeze an edition once: True for the caller that froze it, False if it already was.

        Articles claimed into it after its story groups were saved (by a build racing this one)
        are given back, so the frozen edition holds exactly the stories its groups name.
        """
        with self.transaction() as db:
            row = db.execute(
                "UPDATE editions SET frozen_at = ? WHERE id = ? AND frozen_at = '' "
                "RETURNING story_groups",
                (now_utc(), edition_id),
            ).fetchone()
            if row is None:
                return False
            grouped = [i for group in json.loads(row[0] or "[]") for i in group]
            if grouped:
                marks = ",".join("?" * len(grouped))
                db.execute(
                    f"UPDATE articles SET edition_id = NULL WHERE edition_id = ? "
                    f"AND id NOT IN ({marks})",
                    (edition_id, *grouped),
                )
            return True

    # -- subscribers --------------------------------------------------------------------------

    def add_subscriber(
        self,
        email: str,
        name: str = "",
        *,
        timezone: str = "",
        hour: int | None = None,
        sections: Sequence[str] = (),
        minute: int = 0,
    ) -> tuple[Subscriber, bool]:
        """Add or re-activate a subscriber; returns it and whether anything changed.

        Delivery settings given here replace the stored ones; those left out are kept.
        """
        with self.transaction() as db:
            row = db.execute("SELECT * FROM subscribers WHERE email = ?", (email,)).fetchone()
            settings = bool(timezone or hour is not None or sections)
            if row is not None and row["status"] == "active" and not settings:
                return _subscriber_from(row), False
            stamp = now_utc()
            db.execute(
                _UPSERT_SUBSCRIBER + ", status = 'active'",
                (email, name, timezone, hour, ",".join(sections), stamp, stamp, minute),
            )
            row = db.execute("SELECT * FROM subscribers WHERE email = ?", (email,)).fetchone()
            return _subscriber_from(row), True

    def import_subscribers(self, rows: Iterable[SubscriberRow]) -> ImportCounts:
        """Add or update many subscribers in one transaction.

        New addresses become active; known ones get the row's settings but keep their state, so an
        import never re-subscribes someone who unsubscribed or bounced.
        """
        listed = list(rows)
        stamp = now_utc()
        with self.transaction() as db:
            known = {
                row[0].lower(): row[1]
                for row in db.execute("SELECT email, status FROM subscribers")
            }
            db.executemany(
                _UPSERT_SUBSCRIBER,
                [
                    (
                        r.email,
                        r.name,
                        r.timezone,
                        r.hour,
                        ",".join(r.sections),
                        stamp,
                        stamp,
                        r.minute,
                    )
                    for r in listed
                ],
            )
        states = [known.get(r.email.lower()) for r in listed]
        return ImportCounts(
            added=states.count(None),
            updated=sum(1 for s in states if s == "active"),
            kept_inactive=sum(1 for s in states if s not in (None, "active")),
        )

    def find_subscriber(self, email: str) -> Subscriber | None:
        """The subscriber with this address (any case), whatever their state; None if unknown."""
        row = self.db.execute(
            "SELECT * FROM subscribers WHERE lower(email) = lower(?)", (email,)
        ).fetchone()
        return _subscriber_from(row) if row else None

    def get_subscriber(self, subscriber_id: int) -> Subscriber | None:
        row = self.db.execute("SELECT * FROM subscribers WHERE id = ?", (subscriber_id,)).fetchone()
        return _subscriber_from(row) if row else None

    def unsubscribe(self, subscriber_id: int) -> Subscriber | None:
        """Unsubscribe by id (idempotent; a bounced address stays bounced); None if unknown."""
        self.db.execute(
            """UPDATE subscribers SET status = 'unsubscribed', updated_at = ?
               WHERE id = ? AND status = 'active'""",
            (now_utc(), subscriber_id),
        )
        return self.get_subscriber(subscriber_id)

    def resubscribe(self, subscriber_id: int) -> Subscriber | None:
        """Undo an unsubscribe (the same token's owner changed their mind); a bounced address
        stays bounced. None if unknown."""
        self.db.execute(
            """UPDATE subscribers SET status = 'active', updated_at = ?
               WHERE id = ? AND status = 'unsubscribed'""",
            (now_utc(), subscriber_id),
        )
        return self.get_subscriber(subscriber_id)

    def set_preferences(
        self,
        subscriber_id: int,
        *,
        timezone: str,
        hour: int | None,
        minute: int,
        sections: Sequence[str],
    ) -> Subscriber | None:
        """Replace a subscriber's delivery settings (empty or None: the config's). None if
        unknown."""
        self.db.execute(
            """UPDATE subscribers SET timezone = ?, hour = ?, minute = ?, sections = ?,
                 updated_at = ? WHERE id = ?""",
            (timezone, hour, minute, ",".join(sections), now_utc(), subscriber_id),
        )
        return self.get_subscriber(subscriber_id)

    def mark_bounced(self, subscriber_id: int) -> None:
        """A hard bounce: the address is not mailed again until it is re-added."""
        self.db.execute(
            "UPDATE subscribers SET status = 'bounced', updated_at = ? WHERE id = ?",
            (now_utc(), subscriber_id),
        )

    def set_subscriber_status(self, email: str, status: str) -> Subscriber | None:
        """Change a subscriber's state (active, unsubscribed, bounced); None if unknown."""
        self.db.execute(
            "UPDATE subscribers SET status = ?, updated_at = ? WHERE email = ?",
            (status, now_utc(), email),
        )
        row = self.db.execute("SELECT * FROM subscribers WHERE email = ?", (email,)).fetchone()
        return _subscriber_from(row) if row else None

    def list_subscribers(self, status: str | None = None) -> list[Subscriber]:
        if status is None:
            rows = self.db.execute("SELECT * FROM subscribers ORDER BY id")
        else:
            rows = self.db.execute(
                "SELECT * FROM subscribers WHERE status = ? ORDER BY id", (status,)
            )
        return [_subscriber_from(row) for row in rows]

    # -- deliveries ---------------------------------------------------------------------------

    def plan_deliveries(self, edition_id: int, subscriber_ids: Iterable[int] | None = None) -> int:
        """One pending delivery row per active subscriber (or per one of ``subscriber_ids``) who
        has none for this edition yet; returns how many rows were added."""
        stamp = now_utc()
        if subscriber_ids is None:
            cursor = self.db.execute(
                """INSERT INTO deliveries (edition_id, subscriber_id, state, updated_at)
                   SELECT ?, id, 'pending', ? FROM subscribers WHERE status = 'active'
                   ON CONFLICT (edition_id, subscriber_id) DO NOTHING""",
                (edition_id, stamp),
            )
            return cursor.rowcount
        with self.transaction() as db:
            cursor = db.executemany(
                """INSERT INTO deliveries (edition_id, subscriber_id, state, updated_at)
                   SELECT ?, id, 'pending', ? FROM subscribers WHERE id = ? AND status = 'active'
                   ON CONFLICT (edition_id, subscriber_id) DO NOTHING""",
                [(edition_id, stamp, sid) for sid in subscriber_ids],
            )
            return int(cursor.rowcount)

    def recover_interrupted(self) -> int:
        """Rows left 'sending' by a crash become 'uncertain' (the message may have gone out).

        Call only while holding ``send_lock``: then no other process is mid-message.
        """
        cursor = self.db.execute(
            """UPDATE deliveries SET state = 'uncertain', uncertain = uncertain + 1, updated_at = ?,
                 last_error = 'interrupted while sending: the server may have accepted it'
               WHERE state = 'sending'""",
            (now_utc(),),
        )
        return cursor.rowcount

    def ready_deliveries(self, edition_id: int, now: str) -> list[Delivery]:
        """Deliveries to attempt now: pending ones whose retry time has come, and uncertain ones
        not retried yet; only to subscribers who are still active."""
        rows = self.db.execute(
            """SELECT d.*, s.email, s.name, s.sections AS subscriber_sections
               FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
               WHERE d.edition_id = ? AND s.status = 'active'
                 AND ((d.state = 'pending' AND d.next_attempt_at <= ?)
                      OR (d.state = 'uncertain' AND d.uncertain = 1))
               ORDER BY d.subscriber_id""",
            (edition_id, now),
        )
        return [_delivery_from(row) for row in rows]

    def next_retry_at(self, edition_id: int) -> str | None:
        """When the earliest waiting retry of this edition is due; None if none waits."""
        row = self.db.execute(
            """SELECT MIN(d.next_attempt_at) FROM deliveries d
               JOIN subscribers s ON s.id = d.subscriber_id
               WHERE d.edition_id = ? AND d.state = 'pending' AND s.status = 'active'""",
            (edition_id,),
        ).fetchone()
        return row[0] if row and row[0] is not None else None

    def editions_with_work(self, now: str) -> list[int]:
        """Editions that have deliveries ready to attempt at ``now``, oldest first."""
        rows = self.db.execute(
            """SELECT DISTINCT d.edition_id FROM deliveries d
               JOIN subscribers s ON s.id = d.subscriber_id
               WHERE s.status = 'active' AND ((d.state = 'pending' AND d.next_attempt_at <= ?)
                     OR (d.state = 'uncertain' AND d.uncertain = 1))
               ORDER BY d.edition_id""",
            (now,),
        )
        return [row[0] for row in rows]

    def planned_dates(self, since: str) -> set[tuple[int, str]]:
        """(subscriber id, edition date) for every delivery row of editions dated ``since`` or
        later: the persistent record of which local day each subscriber was already served."""
        rows = self.db.execute(
            """SELECT d.subscriber_id, e.date FROM deliveries d
               JOIN editions e ON e.id = d.edition_id WHERE e.date >= ?""",
            (since,),
        )
        return {(row[0], row[1]) for row in rows}

    def claim_delivery(self, edition_id: int, subscriber_id: int, message_id: str) -> str | None:
        """Mark a ready delivery 'sending' (one more attempt) before it goes to the server.

        Returns the Message-ID to send with: the one stored by an earlier attempt, so a retry can
        be recognised by the receiver, else ``message_id``. None when the row is no longer ready.
        """
        stamp = now_utc()
        with self.transaction() as db:
            cursor = db.execute(
                """UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ?,
                     message_id = CASE WHEN message_id = '' THEN ? ELSE message_id END,
                     first_attempt_at = CASE WHEN first_attempt_at = '' THEN ?
                                        ELSE first_attempt_at END
                   WHERE edition_id = ? AND subscriber_id = ?
                     AND state IN ('pending', 'uncertain')""",
                (stamp, message_id, stamp, edition_id, subscriber_id),
            )
            if cursor.rowcount != 1:
                return None
            row = db.execute(
                "SELECT message_id FROM deliveries WHERE edition_id = ? AND subscriber_id = ?",
                (edition_id, subscriber_id),
            ).fetchone()
            return str(row[0])

    def claim_deliveries(self, edition_id: int, message_ids: dict[int, str]) -> dict[int, str]:
        """Mark several ready deliveries 'sending' at once, before any of them goes out.

        ``message_ids`` maps subscriber ids to a fresh Message-ID each. Returns, for each delivery
        claimed (those still ready), the Message-ID to send with: an earlier attempt's, else the
        fresh one. One transaction, synced to disk before it returns: a crash after this leaves
        every one of them 'sending', later 'uncertain' and retried once with that Message-ID.
        """
        stamp = now_utc()
        claimed: dict[int, str] = {}
        self.db.execute("PRAGMA synchronous=FULL")
        try:
            with self.transaction() as db:
                for subscriber_id, message_id in message_ids.items():
                    row = db.execute(
                        """UPDATE deliveries SET state = 'sending', attempts = attempts + 1,
                             updated_at = ?,
                             message_id = CASE WHEN message_id = '' THEN ? ELSE message_id END,
                             first_attempt_at = CASE WHEN first_attempt_at = '' THEN ?
                                                ELSE first_attempt_at END
                           WHERE edition_id = ? AND subscriber_id = ?
                             AND (state = 'pending' OR (state = 'uncertain' AND uncertain = 1))
                           RETURNING message_id""",
                        (stamp, message_id, stamp, edition_id, subscriber_id),
                    ).fetchone()
                    if row is not None:
                        claimed[subscriber_id] = str(row[0])
        finally:
            self.db.execute("PRAGMA synchronous=NORMAL")
        return claimed

    def release_deliveries(self, edition_id: int, subscriber_ids: Sequence[int]) -> None:
        """Give back claimed deliveries whose message never went out: 'pending' again, the attempt
        not counted."""
        with self.transaction() as db:
            db.executemany(
                """UPDATE deliveries SET state = 'pending', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
                     updated_at = ? WHERE edition_id = ? AND subscriber_id = ? AND state = 'sending'""",
                [(now_utc(), edition_id, sid) for sid in subscriber_ids],
            )

    def release_delivery(self, edition_id: int, subscriber_id: int, error: str) -> None:
        """Undo a claim that failed through no fault of the recipient (our mail settings): the
        row is pending again, ready at once, and the attempt does not count."""
        self.db.execute(
            """UPDATE deliveries SET state = 'pending', last_error = ?, updated_at = ?,
                 next_attempt_at = '', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
                 first_attempt_at = CASE WHEN attempts <= 1 THEN '' ELSE first_attempt_at END
               WHERE edition_id = ? AND subscriber_id = ? AND state = 'sending'""",
            (error, now_utc(), edition_id, subscriber_id),
        )

    def retry_pending_now(self) -> int:
        """Make every waiting retry due now (an operator's `digest send`); returns how many."""
        cursor = self.db.execute(
            """UPDATE deliveries SET next_attempt_at = ''
               WHERE state = 'pending' AND next_attempt_at != ''"""
        )
        return cursor.rowcount

    def requeue_failed(self, edition_id: int) -> int:
        """Failed deliveries of an edition to still-active subscribers become pending again,
        with a fresh retry deadline; returns how many."""
        cursor = self.db.execute(
            """UPDATE deliveries SET state = 'pending', next_attempt_at = '', first_attempt_at = '',
                 updated_at = ?
               WHERE edition_id = ? AND state = 'failed' AND subscriber_id IN
                 (SELECT id FROM subscribers WHERE status = 'active')""",
            (now_utc(), edition_id),
        )
        return cursor.rowcount

    def last_attempt_at(self) -> tuple[str, str]:
        """When a message was last handed over ('' if never), and when a send last tried one."""
        row = self.db.execute(
            "SELECT MAX(sent_at), MAX(CASE WHEN attempts > 0 THEN updated_at END) FROM deliveries"
        ).fetchone()
        return (row[0] or "", row[1] or "")

    def latest_errors(self, edition_id: int, limit: int = 5) -> list[tuple[str, str, str]]:
        """(email, state, last error) of the most recently updated deliveries with an error."""
        rows = self.db.execute(
            """SELECT s.email, d.state, d.last_error FROM deliveries d
               JOIN subscribers s ON s.id = d.subscriber_id
               WHERE d.edition_id = ? AND d.last_error != '' AND d.state != 'sent'
               ORDER BY d.updated_at DESC, d.subscriber_id LIMIT ?""",
            (edition_id, limit),
        )
        return [(row[0], row[1], row[2]) for row in rows]

    def get_secret(self, name: str) -> str:
        """A random secret kept in the database, created on first use (stable across runs)."""
        self.db.execute(
            "INSERT INTO secrets VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
            (name, secrets.token_urlsafe(32), now_utc()),
        )
        return str(
            self.db.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()[0]
        )

    def find_secret(self, name: str) -> str | None:
        """The stored secret of that name, or None: unlike ``get_secret`` it never writes."""
        row = self.db.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    @contextmanager
    def send_lock(self) -> Iterator[None]:
        """Hold the database's send lock, or raise SendLockedError at once if another holds it.

        An OS lock (flock) on ``<database>.send-lock``: the kernel releases it when its holder
        dies, even by SIGKILL, so a crash never leaves a stale lock. Re-entrant per store object.
        """
        if self.path == ":memory:":
            yield
            return
        with self._lock_guard:
            if self._lock_depth:
                self._lock_depth += 1
                acquired = False
            else:
                self._lock_file = _acquire_lock(self.path + ".send-lock")
                self._lock_depth = 1
                acquired = True
        try:
            yield
        finally:
            with self._lock_guard:
                self._lock_depth -= 1
                if acquired and self._lock_file is not None:
                    self._lock_file.close()  # closing releases the flock
                    self._lock_file = None

    def deliveries(self, edition_id: int, states: Sequence[str]) -> list[Delivery]:
        """Deliveries of an edition in the given states, to subscribers who are still active."""
        marks = ",".join("?" * len(states))
        rows = self.db.execute(
            f"""SELECT d.*, s.email, s.name FROM deliveries d JOIN subscribers s
                ON s.id = d.subscriber_id
                WHERE d.edition_id = ? AND d.state IN ({marks}) AND s.status = 'active'
                ORDER BY d.subscriber_id""",
            (edition_id, *states),
        )
        return [_delivery_from(row) for row in rows]

    def count_deliveries(self, edition_id: int) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT state, COUNT(*) FROM deliveries WHERE edition_id = ? GROUP BY state",
            (edition_id,),
        )
        return {state: count for state, count in rows}

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
        """Move a delivery to ``state``; ``attempt`` counts one more try, ``uncertain`` one more
        attempt whose fate is unknown; ``next_attempt_at`` is when a pending one may be retried.

        Returns whether the row was changed (a backend with leases refuses a claim it lost)."""
        stamp = now_utc()
        cursor = self.db.execute(
            """UPDATE deliveries SET state = ?, last_error = ?, updated_at = ?,
                 message_id = CASE WHEN ? != '' THEN ? ELSE message_id END,
                 attempts = attempts + ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END,
                 next_attempt_at = ?, uncertain = uncertain + ?
               WHERE edition_id = ? AND subscriber_id = ?""",
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
            ),
        )
        return cursor.rowcount == 1


_ARTICLE_SELECT = """SELECT a.*, s.name AS source_name,
    CASE WHEN s.section != '' THEN s.section ELSE s.name END AS source_section
    FROM articles a JOIN sources s ON s.id = a.source_id"""


def _source_from(row: sqlite3.Row) -> Source:
    return Source(
        id=row["id"],
        url=row["url"],
        name=row["name"],
        section=row["section"],
        feed_url=row["feed_url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        status=row["status"],
        last_error=row["last_error"],
        failures=row["failures"],
        last_checked_at=row["last_checked_at"],
        successes=row["successes"],
        disabled=bool(row["disabled"]),
        not_before=row["not_before"],
    )


def _article_from(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"],
        source_id=row["source_id"],
        source_name=row["source_name"],
        section=row["source_section"],
        guid=row["guid"],
        url=row["url"],
        title=row["title"],
        author=row["author"],
        published_at=row["published_at"],
        first_seen_at=row["first_seen_at"],
        feed_text=row["feed_text"],
        text=row["text"],
        text_origin=row["text_origin"],
        note=row["note"],
        content_hash=row["content_hash"],
        language=row["language"],
        image=row["image"],
        publisher_summary=tuple(json.loads(row["publisher_summary"])),
        edition_id=row["edition_id"],
        description=row["description"],
        kind=row["kind"],
    )


_UPSERT_SUBSCRIBER = """INSERT INTO subscribers
      (email, name, timezone, hour, sections, status, created_at, updated_at, minute)
    VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?)
    ON CONFLICT (email) DO UPDATE SET updated_at = excluded.updated_at,
      name = CASE WHEN excluded.name != '' THEN excluded.name ELSE subscribers.name END,
      timezone = CASE WHEN excluded.timezone != '' THEN excluded.timezone
                 ELSE subscribers.timezone END,
      minute = CASE WHEN excluded.hour IS NOT NULL THEN excluded.minute
               ELSE subscribers.minute END,
      hour = COALESCE(excluded.hour, subscribers.hour),
      sections = CASE WHEN excluded.sections != '' THEN excluded.sections
                 ELSE subscribers.sections END"""


def _create_owner_only(path: Path) -> None:
    """Make the database file readable by its owner only (0600), before SQLite opens it.

    It holds subscribers' addresses and the key that signs their links. SQLite creates the -wal
    and -shm files with the database file's own mode, so they are owner-only too. A database
    (or -wal, -shm) left readable by others by an older version is tightened the same way; a new
    folder for it is 0700.
    """
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if each.stat().st_mode & 0o077:
                each.chmod(0o600)
        except FileNotFoundError:
            continue
        except PermissionError:
            pass  # not ours to change (opened read-only by another user): SQLite decides


def _acquire_lock(path: str) -> object:
    import fcntl

    # held open for as long as the lock is held; owner-only like the database beside it
    handle = os.fdopen(os.open(path, os.O_CREAT | os.O_RDWR, 0o600), "a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise SendLockedError(
            f"another digest process ({holder}) is sending from this database"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _subscriber_from(row: sqlite3.Row) -> Subscriber:
    return Subscriber(
        row["id"],
        row["email"],
        row["name"],
        row["status"],
        row["created_at"],
        row["timezone"],
        row["hour"],
        _split(row["sections"]),
        row["minute"] if "minute" in row.keys() else 0,
    )


def _edition_from(row: sqlite3.Row) -> Edition:
    return Edition(
        row["id"],
        row["date"],
        row["title"],
        row["created_at"],
        row["frozen_at"],
        row["html"],
        row["text"],
        row["story_count"],
        tuple(tuple(group) for group in json.loads(row["story_groups"] or "[]")),
    )


def _delivery_from(row: sqlite3.Row) -> Delivery:
    return Delivery(
        row["edition_id"],
        row["subscriber_id"],
        row["email"],
        row["name"],
        row["state"],
        row["attempts"],
        row["message_id"],
        row["last_error"],
        _split(row["subscriber_sections"]) if "subscriber_sections" in row.keys() else (),
        row["uncertain"],
        row["first_attempt_at"],
    )
