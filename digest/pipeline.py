"""The whole digest in one readable flow.

    gather:  for each source, collect its new items -> store them -> fetch and extract each page (falling
             back to the feed's own text) -> summarise what has no summary yet -> store the summaries
    build:   claim today's stories into an edition -> merge near-duplicates (one story, every source)
             -> render it, under the size limit -> store it
    send:    freeze the edition -> one delivery row per active subscriber -> send each pending one ->
             mark it sent (or failed, with the reason)

Every step takes its collaborators (store, fetcher, summariser, renderer, mailer) as arguments; ``cli`` and
``schedule`` build the real ones. A failing source, page, article or subscriber is recorded and skipped:
it never stops the run.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from digest.config import Config
from digest.dedupe import Embedder, group_duplicates, story_text
from digest.deliver import Mailer, compose
from digest.errors import (
    DeliveryError,
    DigestError,
    HTTPStatusError,
    PermanentDeliveryError,
)
from digest.extract import extract
from digest.fetch import Fetcher
from digest.render import (
    EditionView,
    Recipient,
    Renderer,
    Story,
    group_sections,
    local_time_label,
    reading_minutes,
)
from digest.sources import collect, normalize_url
from digest.store import Article, Edition, SQLiteStore, Summary
from digest.summarize import Summarizer, unsuitable

log = logging.getLogger(__name__)

T = TypeVar("T")
Progress = Callable[[Iterable[T], str], Iterable[T]]
MAX_SEND_ATTEMPTS = 5


def quiet(items: Iterable[T], label: str) -> Iterable[T]:
    """The default progress reporter: none."""
    return items


@dataclass
class GatherReport:
    sources_ok: int = 0
    sources_failed: int = 0
    new_articles: int = 0
    from_page: int = 0
    from_feed: int = 0
    summarised: int = 0
    not_summarised: int = 0
    model_id: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class SendReport:
    edition_date: str = ""
    stories: int = 0
    sent: int = 0
    failed: int = 0
    skipped_already_sent: int = 0
    dry_run: bool = False
    errors: list[str] = field(default_factory=list)


# -- gather ---------------------------------------------------------------------------------------


def gather(
    config: Config,
    store: SQLiteStore,
    fetcher: Fetcher,
    load_summarizer: Callable[[], Summarizer],
    progress: Progress = quiet,
) -> GatherReport:
    """Collect new articles from every configured source, extract their text and summarise them."""
    report = GatherReport()
    new_ids: list[int] = []
    for entry in progress(config.sources, "sources"):
        source = store.upsert_source(entry.url, entry.name, entry.section)
        if source.disabled:
            log.info("skipping disabled source %s (%s)", source.url, source.last_error)
            continue
        try:
            found = collect(fetcher, source)
        except DigestError as exc:
            gone = isinstance(exc, HTTPStatusError) and exc.status == 410
            store.record_source_failure(source.id, str(exc), disable=gone)
            report.sources_failed += 1
            report.errors.append(f"{source.url}: {exc}")
            log.warning("source %s failed: %s", source.url, exc)
            continue
        items = found.items
        if source.successes == 0 and len(items) > config.fetch.first_fetch_limit:
            # A newly added feed contributes its newest items only, not its whole back catalogue.
            items = sorted(items, key=lambda item: item.published_at, reverse=True)
            items = items[: config.fetch.first_fetch_limit]
        for item in items:
            article_id = store.add_article(source.id, item)
            if article_id is not None:
                new_ids.append(article_id)
        store.record_source_success(
            source.id,
            status="not modified" if found.not_modified else "ok",
            feed_url=found.moved_to or found.feed_url,
            etag=found.etag,
            last_modified=found.last_modified,
            name=found.title,
        )
        report.sources_ok += 1
    report.new_articles = len(new_ids)

    for article in progress(store.articles_without_text(), "pages"):
        origin = fill_text(store, fetcher, article)
        if origin == "page":
            report.from_page += 1
        else:
            report.from_feed += 1

    summarise_pending(config, store, load_summarizer, report, progress)
    return report


def fill_text(store: SQLiteStore, fetcher: Fetcher, article: Article) -> str:
    """Fetch and extract an article's page; fall back to the feed's text and record why."""
    note = ""
    if article.url:
        try:
            page = extract(fetcher.fetch(article.url).body, article.url)
        except DigestError as exc:
            note = f"page not used: {exc}"
        else:
            if page.text.strip():
                store.set_article_text(
                    article.id,
                    text=page.text,
                    origin="page",
                    content_hash=content_hash(page.text),
                    title=article.title or page.title,
                    author=page.author or "",
                    published_at=page.published or "",
                    language=page.language or "",
                    image=page.image or "",
                    publisher_summary=page.publisher_summary,
                )
                return "page"
            note = "page not used: no article text found on it"
    else:
        note = "page not used: the item has no link"
    log.info("article %s: %s; using the feed's text", article.url or article.guid, note)
    store.set_article_text(
        article.id,
        text=article.feed_text,
        origin="feed",
        content_hash=content_hash(article.feed_text),
        note=note,
    )
    return "feed"


def summarise_pending(
    config: Config,
    store: SQLiteStore,
    load_summarizer: Callable[[], Summarizer],
    report: GatherReport,
    progress: Progress = quiet,
) -> None:
    """Summarise the unclaimed articles that have text but no summary; the model loads only if needed."""
    since = _iso(datetime.now(UTC) - timedelta(hours=config.digest.max_age_hours))
    suitable: list[Article] = []
    for article in store.articles_without_summary(since):
        reason = unsuitable(article.text)
        if reason:
            store.set_article_note(article.id, f"not summarised: {reason}")
            report.not_summarised += 1
        else:
            suitable.append(article)
    if not suitable:
        return
    summarizer = load_summarizer()
    report.model_id = summarizer.model_id
    batch = max(1, config.summarizer.batch_size)
    for start in progress(range(0, len(suitable), batch), "summaries"):
        chunk = suitable[start : start + batch]
        try:
            results = summarizer.summarize([a.text for a in chunk], [a.title for a in chunk])
        except DigestError as exc:
            for article in chunk:
                store.set_article_note(article.id, f"not summarised: {exc}")
            report.not_summarised += len(chunk)
            report.errors.append(f"summariser: {exc}")
            log.warning("the summariser failed on %d articles: %s", len(chunk), exc)
            continue
        for article, bullets in zip(chunk, results, strict=True):
            if bullets:
                store.save_summary(
                    Summary(
                        article.content_hash,
                        summarizer.cache_key,
                        summarizer.name,
                        summarizer.model_id,
                        tuple(bullets),
                    )
                )
                report.summarised += 1
            else:
                store.set_article_note(
                    article.id, "not summarised: the summariser found no sentence"
                )
                report.not_summarised += 1


def content_hash(text: str) -> str:
    """Identity of an article's text for the summary cache: whitespace and case do not matter."""
    return hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest()


# -- build ----------------------------------------------------------------------------------------


def edition_date(config: Config, moment: datetime | None = None) -> date:
    """The edition's date: today in the configured time zone."""
    return (moment or datetime.now(UTC)).astimezone(ZoneInfo(config.digest.timezone)).date()


def build_edition(
    config: Config, store: SQLiteStore, renderer: Renderer, day: date | None = None
) -> tuple[Edition, EditionView]:
    """Claim the day's stories into its edition (unless it is frozen), render and store it."""
    day = day or edition_date(config)
    since = _iso(datetime.now(UTC) - timedelta(hours=config.digest.max_age_hours))
    edition = store.claim_articles(
        day.isoformat(), config.digest.title, since, config.digest.max_stories
    )
    view = edition_view(config, store, edition)
    # The email holds what fits under the size limit; the returned view is what it shows.
    shown, rendered = renderer.fit(view)
    store.save_edition(
        edition.id, html=rendered.html, text=rendered.text, story_count=view.story_count
    )
    return store.get_edition_by_id(edition.id), shown


def edition_view(
    config: Config, store: SQLiteStore, edition: Edition, embedder: Embedder | None = None
) -> EditionView:
    """What the templates show for an edition: its stories with their bullets, by section.

    Articles telling the same story (cosine similarity of title and lead at or above
    ``[digest] duplicate_threshold``) become one story listing every source. Stories carried by
    more sources rank first, then the newest.
    """
    articles = store.edition_articles(edition.id)
    groups = group_duplicates(
        [story_text(a.title, a.text or a.feed_text) for a in articles],
        config.digest.duplicate_threshold,
        embedder,
    )
    groups.sort(key=lambda group: (-len(group), group[0]))
    stories = [
        story_of(config, store, *[articles[i] for i in group], rank=rank)
        for rank, group in enumerate(groups)
    ]
    base = config.digest.base_url.rstrip("/")
    return EditionView(
        title=edition.title or config.digest.title,
        date=date.fromisoformat(edition.date),
        sections=group_sections(stories),
        archive_url=f"{base}/editions/{edition.date}" if base else "",
    )


def story_of(config: Config, store: SQLiteStore, *articles: Article, rank: int = 0) -> Story:
    """One story from one article, or from several telling the same story.

    Of several, the one with the longest text is shown (its title, link and bullets, the earliest
    publication time of all); every source is listed, that one first.
    """
    article = max(articles, key=lambda a: (len(a.text), -articles.index(a)))
    others = [a for a in articles if a is not article]
    summary = store.get_summary(article.content_hash, "") if article.content_hash else None
    excerpt = ""
    if summary is None:
        excerpt = _shorten(article.feed_text or article.text, 60)
    sources: list[str] = []
    source_urls: list[str] = []
    for each in (article, *others):
        name = each.source_name or _host(each.url)
        if name not in sources:
            sources.append(name)
            source_urls.append(each.url)
    times = [a.published_at or a.first_seen_at for a in articles]
    return Story(
        title=article.title or article.url,
        url=article.url,
        sources=tuple(sources),
        section=article.section or article.source_name or "News",
        published=local_time_label(min(times), config.digest.timezone),
        reading_minutes=reading_minutes(article.text),
        bullets=summary.bullets if summary else (),
        excerpt=excerpt,
        note=article.note,
        source_urls=tuple(source_urls),
        rank=rank,
        image=article.image if config.digest.show_images else "",
    )


# -- send -----------------------------------------------------------------------------------------


def send_edition(
    config: Config,
    store: SQLiteStore,
    renderer: Renderer,
    mailer: Mailer,
    *,
    day: date | None = None,
    dry_run: bool = False,
    recipient_for: Callable[[str, str], Recipient] | None = None,
    progress: Progress = quiet,
) -> SendReport:
    """Deliver the day's edition to every active subscriber who has not had it, once each."""
    day = day or edition_date(config)
    report = SendReport(edition_date=day.isoformat(), dry_run=dry_run)
    edition = store.get_edition(day.isoformat())
    if edition is None or not edition.frozen_at:
        edition, _ = build_edition(config, store, renderer, day)
    report.stories = edition.story_count
    if edition.story_count == 0:
        log.info("the %s edition has no stories; nothing to send", edition.date)
        return report
    view = edition_view(config, store, edition)
    subject = config.mail.subject.format(title=edition.title, date=view.date_label)
    recipient_for = recipient_for or (lambda email, name: Recipient(email=email, name=name))
    if dry_run:
        # Nothing changes in the store: list who would get it.
        planned = {s.id for s in store.list_subscribers("active")}
        done = {d.subscriber_id for d in store.deliveries(edition.id, ["sent"])}
        report.skipped_already_sent = len(planned & done)
        report.sent = len(planned - done)
        return report
    store.freeze_edition(edition.id)
    store.plan_deliveries(edition.id)
    report.skipped_already_sent = store.count_deliveries(edition.id).get("sent", 0)
    for delivery in progress(
        store.deliveries(edition.id, ["pending", "failed", "sending"]), "emails"
    ):
        if delivery.attempts >= MAX_SEND_ATTEMPTS:
            continue
        try:
            rendered = renderer.render(view, recipient_for(delivery.email, delivery.name))
            message = compose(
                sender=config.mail.sender,
                recipient=delivery.email,
                subject=subject,
                html=rendered.html,
                text=rendered.text,
            )
            store.mark_delivery(
                edition.id,
                delivery.subscriber_id,
                "sending",
                message_id=str(message["Message-ID"]),
                attempt=True,
            )
            mailer.send(message)
        except DeliveryError as exc:
            state = "rejected" if isinstance(exc, PermanentDeliveryError) else "failed"
            store.mark_delivery(edition.id, delivery.subscriber_id, state, error=str(exc))
            report.failed += 1
            report.errors.append(f"{delivery.email}: {exc}")
            log.warning("could not send to %s: %s", delivery.email, exc)
            continue
        store.mark_delivery(edition.id, delivery.subscriber_id, "sent")
        report.sent += 1
    return report


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _shorten(text: str, words: int) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _host(url: str) -> str:
    match = re.match(r"https?://([^/]+)", normalize_url(url)) if url else None
    return match.group(1) if match else "News"
