"""The store's behaviour seen by gathering, editions and sending; each test but the first (SQLite's
own file settings) runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.store import MIGRATIONS, NewArticle, SQLiteStore, Store, Summary


@pytest.fixture
def database_url(both_backends_url: str) -> str:
    return both_backends_url


def item(guid: str, url: str = "", title: str = "A title", fp: str = "") -> NewArticle:
    url = url or f"https://news.example/{guid}"
    return NewArticle(guid=guid, url=url, url_norm=url, fingerprint=fp or f"fp-{guid}", title=title)


def test_schema_is_created_once_and_recorded(tmp_path: Path) -> None:  # SQLite's file only
    path = tmp_path / "d.db"
    SQLiteStore(path).close()
    store = SQLiteStore(path)  # re-opening applies nothing twice
    names = [row[0] for row in store.db.execute("SELECT name FROM migrations")]
    assert names == [m.__name__ for m in MIGRATIONS]
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_item_is_new_once_by_guid_url_or_fingerprint(store: Store) -> None:
    source = store.upsert_source("https://news.example/feed", "News")
    assert store.add_article(source.id, item("a")) is not None
    assert store.add_article(source.id, item("a")) is None  # same guid
    assert store.add_article(source.id, item("b", url="https://news.example/a")) is None  # same URL
    assert store.add_article(source.id, item("c", fp="fp-a")) is None  # same content, new guid
    assert store.add_article(source.id, item("d")) is not None
    assert store.count_articles(source.id) == 2  # type: ignore[attr-defined]


def test_claimed_articles_stay_with_a_frozen_edition(store: Store) -> None:
    source = store.upsert_source("https://news.example/feed", "News")
    first = store.add_article(source.id, item("a"))
    assert first is not None
    store.set_article_text(first, text="Body.", origin="page", content_hash="h1")
    edition = store.claim_articles("2026-11-28", "Digest", "", 30)
    assert [a.id for a in store.edition_articles(edition.id)] == [first]
    store.freeze_edition(edition.id)
    late = store.add_article(source.id, item("b"))
    assert late is not None
    store.set_article_text(late, text="Later.", origin="page", content_hash="h2")
    again = store.claim_articles("2026-11-28", "Digest", "", 30)
    assert again.id == edition.id
    assert [a.id for a in store.edition_articles(edition.id)] == [first]  # frozen: unchanged


def test_claim_respects_the_story_limit(store: Store) -> None:
    source = store.upsert_source("https://news.example/feed", "News")
    for n in range(5):
        article = store.add_article(source.id, item(str(n)))
        assert article is not None
        store.set_article_text(article, text="x", origin="feed", content_hash=f"h{n}")
    edition = store.claim_articles("2026-11-28", "Digest", "", 3)
    assert len(store.edition_articles(edition.id)) == 3


def test_deliveries_are_planned_once_per_subscriber(store: Store) -> None:
    store.add_subscriber("ada@example.com")
    store.add_subscriber("grace@example.com")
    edition = store.claim_articles("2026-11-28", "Digest", "", 30)
    assert store.plan_deliveries(edition.id) == 2
    assert store.plan_deliveries(edition.id) == 0
    store.mark_delivery(edition.id, 1, "sent", attempt=True)
    pending = store.deliveries(edition.id, ["pending"])
    assert [d.email for d in pending] == ["grace@example.com"]
    store.set_subscriber_status("grace@example.com", "unsubscribed")
    assert store.deliveries(edition.id, ["pending"]) == []


def test_subscribers_are_case_insensitive_and_never_deleted(store: Store) -> None:
    _, added = store.add_subscriber("Ada@Example.com", "Ada")
    _, again = store.add_subscriber("ada@example.com")
    assert (added, again) == (True, False)
    store.set_subscriber_status("ada@example.com", "unsubscribed")
    assert [s.status for s in store.list_subscribers()] == ["unsubscribed"]
    _, back = store.add_subscriber("ada@example.com")
    assert back and store.list_subscribers("active")[0].name == "Ada"


def test_summaries_are_cached_by_text_and_settings(store: Store) -> None:
    store.save_summary(Summary("h", "extractive|a", "extractive", "m", ("One.", "Two.")))
    store.save_summary(Summary("h", "lead|b", "lead", "lead", ("Lead.",)))
    assert store.get_summary("h", "extractive|a").bullets == ("One.", "Two.")  # type: ignore[union-attr]
    assert store.get_summary("h", "lead|b").bullets == ("Lead.",)  # type: ignore[union-attr]
    assert store.get_summary("other", "lead|b") is None
