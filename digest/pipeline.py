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
import math
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
from digest.extract import Extracted, extract
from digest.fetch import Fetcher, fetch_each, host_of
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
from digest.store import Article, Edition, NewArticle, Source, SQLiteStore, Summary, now_utc
from digest.summarize import Summarizer, unsuitable

log = logging.getLogger(__name__)

T = TypeVar("T")
Progress = Callable[[Iterable[T], str], Iterable[T]]
MAX_SEND_ATTEMPTS = 5
MAX_RETRY_AFTER = timedelta(days=7)  # a longer Retry-After is capped: the source stays visible
DEFAULT_BACKOFF = {429: 3600.0, 503: 0.0}  # seconds to wait when no Retry-After is given
MIN_TWIN_WORDS = 25  # shorter texts ("Read more") are too common to call two articles the same


def quiet(items: Iterable[T], label: str) -> Iterable[T]:
    """The default progress reporter: none."""
    return items


@dataclass
class GatherReport:
    sources_ok: int = 0
    sources_failed: int = 0
    sources_waiting: int = 0  # disabled, or asked to wait (Retry-After): not fetched this time
    new_articles: int = 0
    held_back: int = 0  # beyond a new source's first-fetch limit: remembered, not gathered
    duplicates: int = 0  # the same text as a stored article under another URL or GUID
    unexpected_errors: int = 0  # bugs met on odd input; each is recorded against its source
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
    """Collect new articles from every due source, extract their text and summarise them.

    Sources, then pages, are fetched concurrently across hosts (``[fetch] concurrency`` and
    ``per_host``); every store write happens here, on the calling thread.
    """
    report = GatherReport()
    collect_new(config, store, fetcher, report, progress)
    fill_texts(config, store, fetcher, report, progress)
    summarise_pending(config, store, load_summarizer, report, progress)
    return report


def collect_new(
    config: Config,
    store: SQLiteStore,
    fetcher: Fetcher,
    report: GatherReport,
    progress: Progress = quiet,
) -> int:
    """Look at every due source at once, store the items not seen before; returns how many.

    The count is also added to ``report.new_articles``.

    A failing source is recorded against itself (status, error, consecutive failures, and when it
    may be asked again) and never stops the others.
    """
    sources = [store.upsert_source(s.url, s.name, s.section) for s in config.sources]
    due = [source for source in sources if _is_due(source, report)]
    looks = fetch_each(
        due,
        lambda source: host_of(source.feed_url or source.url),
        lambda source: collect(fetcher, source),
        concurrency=config.fetch.concurrency,
        per_host=config.fetch.per_host,
    )
    new = 0
    for source, found, error in progress(looks, "sources"):
        if found is None:
            _record_failure(store, source, error, report)
            continue
        new += _store_items(config, store, source, found.items, report)
        store.record_source_success(
            source.id,
            status="not modified" if found.not_modified else "ok",
            feed_url=found.feed_url,
            etag=found.etag,
            last_modified=found.last_modified,
            name=found.title,
        )
        report.sources_ok += 1
    report.new_articles += new
    return new


def _is_due(source: Source, report: GatherReport) -> bool:
    if source.disabled:
        log.info("skipping disabled source %s (%s)", source.url, source.last_error)
        report.sources_waiting += 1
        return False
    if source.not_before and source.not_before > now_utc():
        log.info("source %s asked to wait until %s", source.url, source.not_before)
        report.sources_waiting += 1
        return False
    return True


def _record_failure(
    store: SQLiteStore, source: Source, error: Exception | None, report: GatherReport
) -> None:
    if isinstance(error, DigestError):
        message = str(error)
    else:
        # A bug (in digest or a parser) on one odd feed must not stop the others; it is reported.
        message = f"unexpected {type(error).__name__}: {error}"
        log.error("source %s: %s", source.url, message, exc_info=error)
        report.unexpected_errors += 1
    not_before = ""
    if isinstance(error, HTTPStatusError) and error.status in (429, 503):
        wait = error.retry_after if error.retry_after is not None else DEFAULT_BACKOFF[error.status]
        if wait > 0:
            wait = min(wait, MAX_RETRY_AFTER.total_seconds())
            not_before = _iso(datetime.now(UTC) + timedelta(seconds=math.ceil(wait) + 1))
    status = error.status if isinstance(error, HTTPStatusError) else 0
    moved = source.feed_url not in ("", source.url)
    if status in (404, 410) and moved:
        # The feed it found (or was sent to) is gone: start again from the configured URL.
        store.forget_feed_url(source.id)
    store.record_source_failure(
        source.id, message, disable=status == 410 and not moved, not_before=not_before
    )
    report.sources_failed += 1
    report.errors.append(f"{source.url}: {message}")
    log.warning("source %s failed: %s", source.url, message)


def _store_items(
    config: Config,
    store: SQLiteStore,
    source: Source,
    items: list[NewArticle],
    report: GatherReport,
) -> int:
    held_back: list[NewArticle] = []
    limit = config.fetch.first_fetch_limit
    if source.successes == 0 and len(items) > limit:
        # A newly added feed contributes its newest items only, not its whole back catalogue;
        # the rest are remembered as seen, so the next fetch does not bring them either.
        ordered = sorted(items, key=lambda item: item.published_at, reverse=True)
        items, held_back = ordered[:limit], ordered[limit:]
    new = sum(store.add_article(source.id, item) is not None for item in items)
    if held_back:
        report.held_back += store.skip_items(
            source.id, held_back, f"beyond the first fetch's limit of {limit}"
        )
    return new


def fill_texts(
    config: Config,
    store: SQLiteStore,
    fetcher: Fetcher,
    report: GatherReport,
    progress: Progress = quiet,
) -> None:
    """Fetch and extract the page of every article without text (concurrently), then keep it."""
    reads = fetch_each(
        store.articles_without_text(),
        lambda article: host_of(article.url),
        lambda article: read_page(fetcher, article),
        concurrency=config.fetch.concurrency,
        per_host=config.fetch.per_host,
    )
    for article, page, error in progress(reads, "pages"):
        origin = fill_text(store, article, page, error)
        if origin == "page":
            report.from_page += 1
        elif origin == "feed":
            report.from_feed += 1
        else:
            report.duplicates += 1


def read_page(fetcher: Fetcher, article: Article) -> Extracted | None:
    """The article's page, fetched and extracted; None when the item has no link."""
    if not article.url:
        return None
    return extract(fetcher.fetch(article.url).body, article.url)


def fill_text(
    store: SQLiteStore, article: Article, page: Extracted | None, error: Exception | None = None
) -> str:
    """Keep the page's text, else the feed's (noting why); returns 'page', 'feed' or 'duplicate'.

    An article whose text is the same as a stored article's (the same story under another URL or
    GUID) is not kept as a story: it becomes a skipped item, so it appears in no edition twice.
    """
    if error is not None:
        if not isinstance(error, DigestError):
            log.error("article %s: unexpected error", article.url, exc_info=error)
        note = f"page not used: {error}"
    elif page is None:
        note = "page not used: the item has no link"
    elif not page.text.strip():
        note = "page not used: no article text found on it"
    else:
        note = ""
    text = page.text if page is not None and not note else article.feed_text
    digest = content_hash(text)
    if len(text.split()) >= MIN_TWIN_WORDS:
        twin = store.find_text_twin(digest, article.id)
        if twin is not None:
            log.info("article %s has the same text as article %d", article.url, twin)
            store.skip_article(article.id, f"the same text as article {twin}")
            return "duplicate"
    if page is not None and not note:
        store.set_article_text(
            article.id,
            text=page.text,
            origin="page",
            content_hash=digest,
            title=article.title or page.title,
            author=page.author or "",
            published_at=page.published or "",
            language=page.language or "",
            image=page.image or "",
            publisher_summary=page.publisher_summary,
        )
        return "page"
    log.info("article %s: %s; using the feed's text", article.url or article.guid, note)
    store.set_article_text(article.id, text=text, origin="feed", content_hash=digest, note=note)
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
