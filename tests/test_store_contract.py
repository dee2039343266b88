"""The contract every store backend keeps, run against each: SQLite (a real file) and PostgreSQL
(a real server, see conftest's ``postgres``). One test per promise of the interface in
``digest.store``, each with the case where it must act and the case where it must refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from digest.config import Config
from digest.store import NewArticle, Store, SubscriberRow, Summary, open_store


@pytest.fixture
def database_url(both_backends_url: str) -> str:
    return both_backends_url


def item(guid: str, *, url: str = "", fp: str = "") -> NewArticle:
    url = url or f"https://news.example/{guid}"
    return NewArticle(guid, url, url, fp or f"fp-{guid}", f"Title {guid}")


def stored_article(store: Store, source_id: int, guid: str, text: str = "Body.") -> int:
    article = store.add_article(source_id, item(guid))
    assert article is not None
    store.set_article_text(article, text=text, origin="page", content_hash=f"h-{guid}")
    return article


def test_reopening_migrates_nothing_twice(make_config: Callable[..., Config]) -> None:
    config = make_config()
    first = open_store(config)
    first.add_subscriber("ada@example.com")
    first.close()
    again = open_store(config)  # the schema exists: nothing applied twice, nothing lost
    assert [s.email for s in again.list_subscribers()] == ["ada@example.com"]
    again.close()


def test_an_article_is_stored_once_by_guid_url_or_fingerprint(store: Store) -> None:
    source = store.upsert_source("https://news.example/feed", "News", "World")
    assert store.add_article(source.id, item("a")) is not None
    assert store.add_article(source.id, item("a")) is None
    assert store.add_article(source.id, item("b", url="https://news.example/a")) is None
    assert store.add_article(source.id, item("c", fp="fp-a")) is None
    assert store.add_article(source.id, item("d")) is not None
    assert [a.guid for a in store.articles_without_text()] == ["a", "d"]


def test_skipped_items_stay_seen_and_never_become_articles(store: Store) -> None:
    source = store.upsert_source("https://news.example/feed")
    assert store.skip_items(source.id, [item("old1"), item("old2")], "first fetch") == 2
    assert store.skip_items(source.id, [item("old1")], "again") == 0
    assert store.is_seen(source.id, item("old1")) and not store.is_seen(source.id, item("new"))
    twin = stored_article(store, source.id, "x", "Same text")
    other = store.add_article(source.id, item("y"))
    assert other is not None
    store.set_article_text(other, text="Same text", origin="page", content_hash="h-x")
    assert store.find_text_twin("h-x", other) == twin
    assert store.find_text_twin("h-x", twin) == other
    store.skip_article(other, "the same text")
    assert store.find_text_twin("h-x", twin) is None and store.is_seen(source.id, item("y"))


def test_source_failures_count_and_disable_only_when_asked(store: Store) -> None:
    source = store.upsert_source("https://news.example/feed", "News")
    store.record_source_failure(source.id, "timed out")
    store.record_source_failure(source.id, "timed out", not_before="2030-01-01T00:00:00+00:00")
    failed = store.get_source(source.id)
    assert (failed.failures, failed.disabled, failed.status) == (2, False, "error")
    assert failed.not_before.startswith("2030")
    store.record_source_success(
        source.id, status="ok", feed_url="https://news.example/rss", etag="e", last_modified=""
    )
    ok = store.get_source(source.id)
    assert (ok.failures, ok.successes, ok.etag, ok.not_before) == (0, 1, "e", "")
    store.record_source_failure(source.id, "gone", disable=True)
    store.record_source_failure(source.id, "gone again")  # stays disabled
    assert store.get_source(source.id).disabled
    assert store.upsert_source("https://news.example/feed", "").name == "News"  # name kept


def test_a_summary_is_an_upsert_and_the_current_settings_win(store: Store) -> None:
    store.save_summary(Summary("h", "old-key", "lead", "m0", ("Old bullet.",)))
    store.save_summary(Summary("h", "key", "extractive", "m1", ("First try.",)))
    store.save_summary(Summary("h", "key", "extractive", "m1", ("Redone after a crash.",)))
    summary = store.get_summary("h", "key")
    assert summary is not None and summary.bullets == ("Redone after a crash.",)
    other = store.get_summary("h", "old-key")
    assert other is not None and other.bullets == ("Old bullet.",)
    assert store.get_summary("missing", "key") is None


def test_a_frozen_edition_takes_no_new_articles_and_freezes_once(store: Store) -> None:
    source = store.upsert_source("https://news.example/feed")
    first = stored_article(store, source.id, "a")
    edition = store.claim_articles("2026-11-28", "Digest", "", 30)
    assert [a.id for a in store.edition_articles(edition.id)] == [first]
    store.save_edition(edition.id, html="<p>", text="t", story_count=1, story_groups=[[first]])
    assert store.freeze_edition(edition.id) is True
    assert store.freeze_edition(edition.id) is False  # the second freezer learns it lost
    late = stored_article(store, source.id, "b")
    store.claim_articles("2026-11-28", "Digest", "", 30)
    assert [a.id for a in store.edition_articles(edition.id)] == [first]
    assert store.claim_articles("2026-11-29", "Digest", "", 30).id != edition.id
    frozen = store.get_edition("2026-11-28")
    assert frozen is not None and frozen.frozen_at and frozen.story_groups == ((first,),)
    assert late in [a.id for a in store.edition_articles(store.get_edition("2026-11-29").id)]  # type: ignore[union-attr]


def test_freezing_gives_back_articles_a_racing_build_claimed_after_the_groups(
    store: Store,
) -> None:
    source = store.upsert_source("https://news.example/feed")
    first = stored_article(store, source.id, "a")
    edition = store.claim_articles("2026-11-28", "Digest", "", 30)
    store.save_edition(edition.id, html="", text="", story_count=1, story_groups=[[first]])
    racer = stored_article(store, source.id, "b")  # a second machine claims it, then loses
    store.claim_articles("2026-11-28", "Digest", "", 30)
    assert store.freeze_edition(edition.id)
    assert [a.id for a in store.edition_articles(edition.id)] == [first]
    assert store.get_article(racer).edition_id is None  # free for tomorrow's edition


def test_subscribers_are_unique_whatever_the_case_and_imports_never_resubscribe(
    store: Store,
) -> None:
    ada, changed = store.add_subscriber("Ada@Example.com", "Ada")
    assert changed and store.add_subscriber("ada@example.com") == (ada, False)
    assert store.unsubscribe(ada.id).status == "unsubscribed"  # type: ignore[union-attr]
    assert store.unsubscribe(ada.id).status == "unsubscribed"  # type: ignore[union-attr]
    counts = store.import_subscribers(
        [SubscriberRow("ada@example.com", hour=7), SubscriberRow("bea@example.com", "Bea")]
    )
    assert (counts.added, counts.updated, counts.kept_inactive) == (1, 0, 1)
    assert [s.email for s in store.list_subscribers("active")] == ["bea@example.com"]
    again = store.get_subscriber(ada.id)
    assert again is not None and again.status == "unsubscribed" and again.hour == 7
    store.mark_bounced(ada.id)
    assert store.set_subscriber_status("nobody@example.com", "active") is None
    assert store.get_subscriber(999_999) is None


def planned(store: Store, *emails: str) -> tuple[int, list[int]]:
    source = store.upsert_source("https://news.example/feed")
    stored_article(store, source.id, "a")
    edition = store.claim_articles("2026-11-28", "Digest", "", 30)
    ids = [store.add_subscriber(address)[0].id for address in emails]
    return edition.id, ids


def test_the_ledger_plans_each_subscriber_once(store: Store) -> None:
    edition, (a, b) = planned(store, "a@example.com", "b@example.com")
    assert store.plan_deliveries(edition, [a]) == 1
    assert store.plan_deliveries(edition, [a]) == 0
    assert store.plan_deliveries(edition) == 1  # everyone active: only b is new
    assert store.count_deliveries(edition) == {"pending": 2}
    assert store.planned_dates("2026-11-01") == {(a, "2026-11-28"), (b, "2026-11-28")}
    assert store.editions_with_work("9999") == [edition]


def test_a_claim_takes_only_ready_rows_and_keeps_an_earlier_message_id(store: Store) -> None:
    edition, (a, b) = planned(store, "a@example.com", "b@example.com")
    store.plan_deliveries(edition)
    claimed = store.claim_deliveries(edition, {a: "<a1@x>", b: "<b1@x>"})
    assert claimed == {a: "<a1@x>", b: "<b1@x>"}
    assert store.claim_deliveries(edition, {a: "<a2@x>"}) == {}  # already being sent
    assert store.mark_delivery(edition, a, "sent")
    store.release_deliveries(edition, [b])  # its message never started
    assert store.count_deliveries(edition) == {"sent": 1, "pending": 1}
    (ready,) = store.ready_deliveries(edition, "9999")
    assert (ready.subscriber_id, ready.attempts) == (b, 0)
    # A retry goes out with the Message-ID of the first attempt, so a receiver can drop it.
    assert store.claim_deliveries(edition, {b: "<b2@x>"}) == {b: "<b1@x>"}


def test_an_uncertain_delivery_is_retried_once_only(store: Store) -> None:
    edition, (a,) = planned(store, "a@example.com")
    store.plan_deliveries(edition)
    store.claim_deliveries(edition, {a: "<a1@x>"})
    store.mark_delivery(edition, a, "uncertain", error="lost reply", uncertain=True)
    assert [d.subscriber_id for d in store.ready_deliveries(edition, "9999")] == [a]
    assert store.claim_deliveries(edition, {a: "<a2@x>"}) == {a: "<a1@x>"}
    store.mark_delivery(edition, a, "uncertain", error="lost again", uncertain=True)
    assert store.ready_deliveries(edition, "9999") == []
    assert store.claim_deliveries(edition, {a: "<a3@x>"}) == {}


def test_a_pending_retry_waits_for_its_time(store: Store) -> None:
    edition, (a,) = planned(store, "a@example.com")
    store.plan_deliveries(edition)
    store.mark_delivery(edition, a, "pending", next_attempt_at="2026-11-28T10:00:00+00:00")
    assert store.ready_deliveries(edition, "2026-11-28T09:00:00+00:00") == []
    assert store.next_retry_at(edition) == "2026-11-28T10:00:00+00:00"
    assert len(store.ready_deliveries(edition, "2026-11-28T10:00:00+00:00")) == 1


def test_the_secret_is_made_once(store: Store, make_config: Callable[..., Any]) -> None:
    secret = store.get_secret("unsubscribe")
    assert len(secret) > 30 and store.get_secret("unsubscribe") == secret
    assert store.get_secret("other") != secret


def test_preferences_and_resubscribing_change_only_what_they_may(store: Store) -> None:
    ada, _ = store.add_subscriber("ada@example.com", hour=7, minute=30, sections=["World"])
    assert (ada.hour, ada.minute, ada.sections) == (7, 30, ("World",))
    changed = store.set_preferences(
        ada.id, timezone="Europe/Paris", hour=None, minute=0, sections=[]
    )
    assert changed is not None and (changed.timezone, changed.hour, changed.sections) == (
        "Europe/Paris",
        None,
        (),
    )
    store.unsubscribe(ada.id)
    assert store.resubscribe(ada.id).status == "active"  # type: ignore[union-attr]
    store.mark_bounced(ada.id)
    assert store.resubscribe(ada.id).status == "bounced"  # type: ignore[union-attr]
    assert store.set_preferences(999_999, timezone="", hour=None, minute=0, sections=[]) is None


def test_finding_a_secret_never_makes_one(store: Store) -> None:
    assert store.find_secret("unsubscribe") is None
    assert store.find_secret("unsubscribe") is None
    made = store.get_secret("unsubscribe")
    assert store.find_secret("unsubscribe") == made


def test_unclaimed_articles_are_what_a_claim_would_take(store: Store) -> None:
    source = store.upsert_source("https://news.example/feed")
    first, second = (stored_article(store, source.id, guid) for guid in ("a", "b"))
    assert [a.id for a in store.unclaimed_articles("", 1)] == [first]
    store.claim_articles("2026-11-28", "Digest", "", 1)
    assert [a.id for a in store.unclaimed_articles("", 30)] == [second]
