"""The records the store keeps and hands out: sources, articles, summaries, editions, subscribers
and deliveries, as frozen dataclasses that belong to no backend.

Every timestamp is an ISO 8601 UTC string (``now_utc``), so backends compare them as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


def now_utc() -> str:
    """The current time as the ISO 8601 UTC string every timestamp column holds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Source:
    id: int
    url: str
    name: str
    section: str
    feed_url: str
    etag: str
    last_modified: str
    status: str
    last_error: str
    failures: int
    last_checked_at: str
    successes: int
    disabled: bool
    not_before: str = ""  # no fetch before this time (the site asked us to wait: 429/503)


@dataclass(frozen=True)
class NewArticle:
    """An item found in a source, before its page is fetched."""

    guid: str
    url: str
    url_norm: str
    fingerprint: str
    title: str
    published_at: str = ""
    author: str = ""
    feed_text: str = ""


@dataclass(frozen=True)
class Article:
    id: int
    source_id: int
    source_name: str
    section: str
    guid: str
    url: str
    title: str
    author: str
    published_at: str
    first_seen_at: str
    feed_text: str
    text: str
    text_origin: str
    note: str
    content_hash: str
    language: str
    image: str
    publisher_summary: tuple[str, ...]
    edition_id: int | None
    description: str = ""  # the publisher's own description of the article
    kind: str = ""  # "news", "opinion" or "review", as its page declares it


@dataclass(frozen=True)
class Summary:
    content_hash: str
    cache_key: str
    backend: str
    model_id: str
    bullets: tuple[str, ...]


@dataclass(frozen=True)
class Subscriber:
    """A subscriber; empty ``timezone``, ``hour`` None and no ``sections`` mean the config's."""

    id: int
    email: str
    name: str
    status: str
    created_at: str
    timezone: str = ""
    hour: int | None = None
    sections: tuple[str, ...] = ()
    minute: int = 0  # with ``hour``: the send time to the minute


@dataclass(frozen=True)
class SubscriberRow:
    """One subscriber to import: what a CSV row says."""

    email: str
    name: str = ""
    timezone: str = ""
    hour: int | None = None
    sections: tuple[str, ...] = ()
    minute: int = 0


@dataclass(frozen=True)
class ImportCounts:
    added: int = 0
    updated: int = 0
    kept_inactive: int = 0  # unsubscribed or bounced before: updated, never re-activated


@dataclass(frozen=True)
class Edition:
    id: int
    date: str
    title: str
    created_at: str
    frozen_at: str
    html: str
    text: str
    story_count: int
    story_groups: tuple[tuple[int, ...], ...] = ()  # article ids of each story, as last built


@dataclass(frozen=True)
class Delivery:
    edition_id: int
    subscriber_id: int
    email: str
    name: str
    state: str
    attempts: int
    message_id: str
    last_error: str
    sections: tuple[str, ...] = ()
    uncertain: int = 0  # times an attempt ended without knowing whether the server took it
    first_attempt_at: str = ""
