"""The whole digest in one readable flow.

    gather:  for each source, collect its new items -> store them -> fetch and extract each page (falling
             back to the feed's own text) -> summarise what has no summary yet -> store the summaries
    build:   claim today's stories into an edition -> merge near-duplicates (one story, every source)
             -> render it, under the size limit -> store it
    send:    freeze the edition -> one delivery row per active subscriber -> send each pending one ->
             mark it sent (or failed, with the reason)

Sending is exactly-once per (edition, subscriber): each has one row in the delivery ledger,
marked 'sending' before the message goes to the server and 'sent' right after its 250. A row found
'sending' at start-up was interrupted by a crash: it becomes 'uncertain' and is retried once, with
the same Message-ID. Rows are claimed a batch at a time, and each message is the edition rendered
once per section set with the recipient filled in (``_Courier``). On SQLite one process sends from
a database at a time (``SQLiteStore.send_lock``); on PostgreSQL any number do, each claim owned and
leased (``digest.store_postgres``).

Every step takes its collaborators (store, fetcher, summariser, renderer, mailer) as arguments; ``cli`` and
``schedule`` build the real ones. A failing source, page, article or subscriber is recorded and skipped:
it never stops the run.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from digest.config import Config
from digest.dedupe import Embedder, group_duplicates, story_text
from digest.deliver import (
    Composer,
    EncodedPart,
    Mailer,
    RateLimiter,
    SendObserver,
    check_recipient,
    compose,
    deliver_all,
    header_safe,
    list_headers,
    preferences_token,
    unsubscribe_token,
)
from digest.errors import (
    DeliveryError,
    DigestError,
    HardBounceError,
    HTTPStatusError,
    MailSettingsError,
    PermanentDeliveryError,
    TemporaryDeliveryError,
    UncertainDeliveryError,
)
from digest.extract import Extracted, extract
from digest.fetch import DeadlinePassed, Fetcher, fetch_each, host_of
from digest.render import (
    EditionView,
    Recipient,
    Renderer,
    Stencil,
    Story,
    group_sections,
    local_time_label,
    reading_minutes,
    shape_of,
)
from digest.sources import collect, normalize_url
from digest.store import (
    Article,
    Delivery,
    Edition,
    NewArticle,
    Source,
    SourceStore,
    Store,
    Summary,
    now_utc,
)
from digest.summarize import Context, Summarizer, unsuitable, written_by
from digest.summarize.bullets import is_near_duplicate, numbers_given

log = logging.getLogger(__name__)

T = TypeVar("T")
Progress = Callable[[Iterable[T], str], Iterable[T]]
MAX_RETRY_AFTER = timedelta(days=7)  # a longer Retry-After is capped: the source stays visible
DEFAULT_BACKOFF = {429: 3600.0, 503: 0.0}  # seconds to wait when no Retry-After is given
MIN_TWIN_WORDS = 25  # shorter texts ("Read more") are too common to call two articles the same
MAX_RETRY_WAIT = timedelta(minutes=30)  # the longest backoff between two attempts
CLAIM_BATCH = 20  # deliveries claimed in one ledger write (all 'uncertain' after a crash)
WAIT_REPORT_SECONDS = 30.0  # while waiting for retries, the observer hears this often
# What one article may store: an entity-expanded or padded feed cannot fill the database.
MAX_TEXT_CHARS = 200_000  # about 30,000 words, longer than any news article
MAX_TITLE_CHARS = 1_000
EARLIEST_PUBLISHED = datetime(1990, 1, 1, tzinfo=UTC)


def quiet(items: Iterable[T], label: str) -> Iterable[T]:
    """The default progress reporter: none."""
    return items


@dataclass
class GatherReport:
    sources_ok: int = 0
    sources_failed: int = 0
    sources_waiting: int = 0  # disabled, or asked to wait (Retry-After): not fetched this time
    new_articles: int = 0
    held_back: int = 0  # beyond a source's limit of new items: remembered, not gathered
    deferred: int = 0  # sources and pages not started before the gather's deadline: next time
    duplicates: int = 0  # the same text as a stored article under another URL or GUID
    unexpected_errors: int = 0  # bugs met on odd input; each is recorded against its source
    from_page: int = 0
    from_feed: int = 0
    summarised: int = 0
    not_summarised: int = 0
    model_id: str = ""
    errors: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)  # what to do about the errors, each once
    unsummarised: list[str] = field(default_factory=list)  # "title (url): why", one per article


@dataclass
class SendReport:
    edition_date: str = ""
    stories: int = 0
    sent: int = 0
    failed: int = 0
    skipped_already_sent: int = 0
    dry_run: bool = False
    errors: list[str] = field(default_factory=list)
    uncertain: int = 0  # went out, but the server's acceptance was never confirmed
    retrying: int = 0  # temporary failures that will be retried (next run, or after a wait)
    skipped: int = 0  # nothing in the subscriber's sections today
    recovered: int = 0  # rows found 'sending' after a crash, now 'uncertain'
    stopped: bool = False  # stopped early (SIGTERM): the rest is sent by the next run


# -- gather ---------------------------------------------------------------------------------------


def gather(
    config: Config,
    store: SourceStore,
    fetcher: Fetcher,
    load_summarizer: Callable[[], Summarizer],
    progress: Progress = quiet,
) -> GatherReport:
    """Collect new articles from every due source, extract their text and summarise them.

    Sources, then pages, are fetched concurrently across hosts (``[fetch] concurrency`` and
    ``per_host``); every store write happens here, on the calling thread.
    """
    report = GatherReport()
    # Past the deadline no new fetch starts; what waits is left for the next gather.
    deadline = time.monotonic() + config.fetch.gather_deadline
    collect_new(config, store, fetcher, report, progress, deadline=deadline)
    fill_texts(config, store, fetcher, report, progress, deadline=deadline)
    summarise_pending(config, store, load_summarizer, report, progress)
    return report


def collect_new(
    config: Config,
    store: SourceStore,
    fetcher: Fetcher,
    report: GatherReport,
    progress: Progress = quiet,
    *,
    deadline: float | None = None,
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
        deadline=deadline,
    )
    new = 0
    for source, found, error in progress(looks, "sources"):
        if isinstance(error, DeadlinePassed):
            report.deferred += 1
            continue
        if found is None:
            _record_failure(store, source, error, report)
            continue
        try:
            new += _store_items(config, store, source, found.items, report)
        except Exception as exc:  # a bug on one odd feed's items: that source's failure alone
            _record_failure(store, source, exc, report)
            continue
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
    store: SourceStore, source: Source, error: Exception | None, report: GatherReport
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
    report.errors.append(message if source.url in message else f"{source.url}: {message}")
    hint = error.hint if isinstance(error, DigestError) else ""
    if hint and hint not in report.hints:
        report.hints.append(hint)
    # The caller reports the failures (the CLI prints them, `digest run` logs them).
    log.info("source %s failed: %s", source.url, message)


def _store_items(
    config: Config,
    store: SourceStore,
    source: Source,
    items: list[NewArticle],
    report: GatherReport,
) -> int:
    items = [bounded_item(item) for item in items]
    held_back: list[NewArticle] = []
    first = source.successes == 0
    limit = config.fetch.first_fetch_limit if first else config.fetch.max_new_items
    fresh = items if first else [item for item in items if not store.is_seen(source.id, item)]
    if len(fresh) > limit:
        # A newly added feed contributes its newest items only, not its whole back catalogue, and
        # no later fetch floods the run; the rest are remembered as seen, so they never come.
        ordered = sorted(fresh, key=lambda item: item.published_at, reverse=True)
        fresh, held_back = ordered[:limit], ordered[limit:]
    new = sum(store.add_article(source.id, item) is not None for item in fresh)
    if held_back:
        which = "the first fetch's limit" if first else "the limit of new items per fetch"
        report.held_back += store.skip_items(source.id, held_back, f"beyond {which} of {limit}")
    return new


def fill_texts(
    config: Config,
    store: SourceStore,
    fetcher: Fetcher,
    report: GatherReport,
    progress: Progress = quiet,
    *,
    deadline: float | None = None,
) -> None:
    """Fetch and extract the page of every article without text (concurrently), then keep it.

    Pages not started by ``deadline`` stay without text: the next gather fetches them."""
    source_urls = {source.id: source.url for source in store.list_sources()}
    reads = fetch_each(
        store.articles_without_text(),
        lambda article: host_of(article.url),
        lambda article: read_page(fetcher, article, source_urls.get(article.source_id, "")),
        concurrency=config.fetch.concurrency,
        per_host=config.fetch.per_host,
        deadline=deadline,
    )
    for article, page, error in progress(reads, "pages"):
        if isinstance(error, DeadlinePassed):
            report.deferred += 1
            continue
        try:
            origin = fill_text(store, article, page, error)
        except Exception as exc:  # one article's bug is its own: it stays textless, retried
            _article_failed(article, "storing its text", exc, report)
            continue
        if origin == "page":
            report.from_page += 1
        elif origin == "feed":
            report.from_feed += 1
        else:
            report.duplicates += 1


def read_page(fetcher: Fetcher, article: Article, source: str = "") -> Extracted | None:
    """The article's page, fetched (on behalf of its configured ``source``) and extracted; None
    when the item has no link."""
    if not article.url:
        return None
    return extract(fetcher.fetch(article.url, source=source).body, article.url)


def fill_text(
    store: SourceStore, article: Article, page: Extracted | None, error: Exception | None = None
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
    text = text[:MAX_TEXT_CHARS]
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
            text=text,
            origin="page",
            content_hash=digest,
            title=(article.title or page.title)[:MAX_TITLE_CHARS],
            author=(page.author or "")[:MAX_TITLE_CHARS],
            published_at=plausible_time(page.published or ""),
            language=page.language or "",
            image=page.image or "",
            publisher_summary=page.publisher_summary,
            description=page.description,
            kind=page.kind,
        )
        return "page"
    log.info("article %s: %s; using the feed's text", article.url or article.guid, note)
    store.set_article_text(article.id, text=text, origin="feed", content_hash=digest, note=note)
    return "feed"


def summarise_pending(
    config: Config,
    store: SourceStore,
    load_summarizer: Callable[[], Summarizer],
    report: GatherReport,
    progress: Progress = quiet,
) -> None:
    """Summarise the unclaimed articles that have text but no summary; the model loads only if needed."""
    suitable = articles_to_summarise(config, store, report)
    if not suitable:
        return
    summarizer = load_summarizer()
    batch = max(1, config.summarizer.batch_size)
    for start in progress(range(0, len(suitable), batch), "summaries"):
        summarise_batch(store, summarizer, suitable[start : start + batch], report)


def articles_to_summarise(
    config: Config, store: SourceStore, report: GatherReport
) -> list[Article]:
    """The recent articles that need a summary; those no summariser can use get a note instead."""
    since = _iso(datetime.now(UTC) - timedelta(hours=config.digest.max_age_hours))
    suitable: list[Article] = []
    for article in store.articles_without_summary(since):
        reason = unsuitable(article.text)
        if reason:
            store.set_article_note(article.id, f"not summarised: {reason}")
            report.not_summarised += 1
            report.unsummarised.append(f"{_named(article)}: {reason}")
        else:
            suitable.append(article)
    return suitable


def summarise_batch(
    store: SourceStore, summarizer: Summarizer, chunk: Sequence[Article], report: GatherReport
) -> None:
    """Summarise one batch and store the summaries. Saving is an upsert: a batch done twice (a
    job redone after a crash) leaves the same rows."""
    report.model_id = summarizer.model_id
    results: Sequence[Sequence[str] | None]
    try:
        results = summarizer.summarize(
            [a.text for a in chunk], [a.title for a in chunk], [context_of(a) for a in chunk]
        )
        # the generative backend says which model wrote each article's bullets
        authors = [written_by(summarizer, index) for index in range(len(chunk))]
    except DigestError as exc:
        for article in chunk:
            store.set_article_note(article.id, f"not summarised: {exc}")
            report.unsummarised.append(f"{_named(article)}: the summariser failed ({exc})")
        report.not_summarised += len(chunk)
        report.errors.append(f"summariser: {exc}")
        log.warning("the summariser failed on %d articles: %s", len(chunk), exc)
        return
    except Exception:
        # A bug met on one article's odd text: find it by summarising them one by one, so
        # that only it goes without a summary (it is tried again by the next gather).
        results, authors = [], []
        for article in chunk:
            results.append(_summarise_alone(summarizer, article, report))
            authors.append(written_by(summarizer, 0))
    for article, bullets, author in zip(chunk, results, authors, strict=True):
        if bullets is None:
            continue
        if bullets:
            store.save_summary(
                Summary(
                    article.content_hash,
                    summarizer.cache_key,
                    summarizer.name,
                    author,
                    tuple(bullets),
                )
            )
            report.summarised += 1
        else:
            # None of its lead's sentences could stand as a bullet about its headline: the email
            # shows the publisher's description instead, marked as theirs.
            why = "no sentence could stand as a bullet; the publisher's description is shown"
            store.set_article_note(article.id, f"not summarised: {why}")
            report.not_summarised += 1
            report.unsummarised.append(f"{_named(article)}: {why}")


def _named(article: Article) -> str:
    """An article as the operator can find it: its title and its link."""
    title = article.title or "(untitled)"
    return f"{title} ({article.url})" if article.url else title


def context_of(article: Article) -> Context:
    """What the summariser may know of an article besides its text. The publisher's description
    is the page's own (``og:description``, a summary box), else the feed item's summary when the
    text came from the page and the feed gave a short one: the same publisher's words for what
    the piece is about. A feed that carries the whole article, or whose text is the article's
    (the page was unreachable), gives no description."""
    description = article.description or " ".join(article.publisher_summary)
    if (
        not description
        and article.text_origin == "page"
        and 0 < len(article.feed_text.split()) <= FEED_SUMMARY_WORDS
    ):
        description = article.feed_text
    return Context(description=description, author=article.author, kind=article.kind)


FEED_SUMMARY_WORDS = 60  # longer feed text is the article (or most of it), not a summary of it


def _summarise_alone(
    summarizer: Summarizer, article: Article, report: GatherReport
) -> list[str] | None:
    """One article's bullets, or None when the summariser fails on it (recorded in ``report``)."""
    try:
        return list(summarizer.summarize([article.text], [article.title], [context_of(article)])[0])
    except Exception as exc:
        _article_failed(article, "summarising it", exc, report)
        return None


def _article_failed(article: Article, step: str, exc: Exception, report: GatherReport) -> None:
    """Record a bug met on one article: logged with its traceback, counted, never the run's."""
    message = f"article {article.url or article.guid}: unexpected {type(exc).__name__} while {step}: {exc}"
    log.error("%s", message, exc_info=exc)
    report.unexpected_errors += 1
    report.errors.append(message)


def bounded_item(item: NewArticle) -> NewArticle:
    """An item as it may be stored: texts cut to their caps, an implausible date dropped."""
    return replace(
        item,
        title=item.title[:MAX_TITLE_CHARS],
        author=item.author[:MAX_TITLE_CHARS],
        feed_text=item.feed_text[:MAX_TEXT_CHARS],
        published_at=plausible_time(item.published_at),
    )


def plausible_time(stamp: str, now: datetime | None = None) -> str:
    """``stamp`` as a UTC ISO time when it is a plausible publication time, else ''.

    Before 1990 or more than a day ahead is no real publication date: CMSs write
    ``0001-01-01T00:00:00`` for "none", and such a date cannot even be shown in a time zone west
    of UTC. A time without a zone is taken as UTC.
    """
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return ""
    latest = (now or datetime.now(UTC)) + timedelta(days=1)
    if not EARLIEST_PUBLISHED <= moment <= latest:
        return ""
    return moment.isoformat()


def content_hash(text: str) -> str:
    """Identity of an article's text for the summary cache: whitespace and case do not matter."""
    return hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest()


# -- build ----------------------------------------------------------------------------------------


def edition_date(config: Config, moment: datetime | None = None) -> date:
    """The edition's date: today in the configured time zone."""
    return (moment or datetime.now(UTC)).astimezone(ZoneInfo(config.digest.timezone)).date()


def build_edition(
    config: Config, store: Store, renderer: Renderer, day: date | None = None
) -> tuple[Edition, EditionView]:
    """Claim the day's stories into its edition (unless it is frozen), render and store it."""
    day = day or edition_date(config)
    since = _iso(datetime.now(UTC) - timedelta(hours=config.digest.max_age_hours))
    # Only sources still in the config: a removed source's stored articles stay out. With no
    # sources configured at all (a database filled by other means), every source counts.
    configured = [source.url for source in config.sources] if config.sources else None
    edition = store.claim_articles(
        day.isoformat(), config.digest.title, since, config.digest.max_stories, configured
    )
    view = edition_view(config, store, edition)
    # The email holds what fits under the size limit; the returned view is what it shows.
    shown, rendered = renderer.fit(view)
    store.save_edition(
        edition.id,
        html=rendered.html,
        text=rendered.text,
        story_count=view.story_count,
        story_groups=[s.article_ids for s in sorted(view.stories, key=lambda s: s.rank)],
    )
    return store.get_edition_by_id(edition.id), shown


def preview_edition(config: Config, store: Store, day: date | None = None) -> EditionView:
    """The day's edition as ``build_edition`` would make it now, read-only: nothing is claimed,
    saved or created (the web preview calls this on GET)."""
    day = day or edition_date(config)
    since = _iso(datetime.now(UTC) - timedelta(hours=config.digest.max_age_hours))
    edition = store.get_edition(day.isoformat())
    articles = store.edition_articles(edition.id) if edition is not None else []
    if edition is None or not edition.frozen_at:
        more = store.unclaimed_articles(since, config.digest.max_stories - len(articles))
        if config.sources:  # as build_edition: a removed source's articles stay out
            urls = {source.url for source in config.sources}
            kept = {source.id for source in store.list_sources() if source.url in urls}
            more = [article for article in more if article.source_id in kept]
        # The order edition_articles gives once they are claimed: newest first, then by id.
        articles = sorted(articles + more, key=lambda a: a.id)
        articles.sort(key=lambda a: a.published_at, reverse=True)
    shell = edition or Edition(0, day.isoformat(), config.digest.title, "", "", "", "", 0)
    return edition_view(config, store, shell, articles=articles)


def edition_view(
    config: Config,
    store: Store,
    edition: Edition,
    embedder: Embedder | None = None,
    *,
    articles: list[Article] | None = None,
) -> EditionView:
    """What the templates show for an edition: its stories with their bullets, by section.

    Articles telling the same story (cosine similarity of title and lead at or above
    ``[digest] duplicate_threshold``) become one story listing every source. Stories carried by
    more sources rank first, then the newest. ``articles`` replaces the stored edition's own.
    """
    if articles is None:
        articles = store.edition_articles(edition.id)
    position = {article.id: i for i, article in enumerate(articles)}
    saved = [[position[i] for i in group if i in position] for group in edition.story_groups]
    if edition.frozen_at and saved and sorted(sum(saved, [])) == list(range(len(articles))):
        groups = saved  # sent as grouped then: no model needed, and no regrouping
    else:
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
        archive_url=f"{base}/editions/{edition.date}" if base and config.web.archive else "",
    )


def story_of(config: Config, store: Store, *articles: Article, rank: int = 0) -> Story:
    """One story from one article, or from several telling the same story.

    Of several, the one with the longest text is shown (its title, link and bullets, the earliest
    publication time of all); every source is listed, that one first.
    """
    article = max(articles, key=lambda a: (len(a.text), -articles.index(a)))
    others = [a for a in articles if a is not article]
    summary = store.get_summary(article.content_hash, "") if article.content_hash else None
    excerpt = ""
    if summary is None:
        # No bullet passed: the publisher's own words, marked as theirs, never a fragment of ours.
        excerpt = _shorten(
            publishers_words(article.description, article.feed_text, article.text), 60
        )
    else:
        # With bullets too, the publisher's description is the story's standfirst: a deck is
        # written to be read under its headline, and no summariser makes it a bullet of ours.
        # Not a feed's whole text (often the article's first paragraph), nor a repeat of a bullet.
        excerpt = _shorten(
            standfirst(context_of(article).description, article.text, summary.bullets), 60
        )
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
        written_by=summary.model_id if summary else "",
        excerpt=excerpt,
        excerpt_label="From the publisher" if excerpt else "",
        note=article.note,
        source_urls=tuple(source_urls),
        rank=rank,
        image=article.image if config.digest.show_images else "",
        article_ids=tuple(a.id for a in articles),
    )


# -- send -----------------------------------------------------------------------------------------


def send_edition(
    config: Config,
    store: Store,
    renderer: Renderer,
    mailer: Mailer | Callable[[], Mailer],
    *,
    day: date | None = None,
    subscriber_ids: Sequence[int] | None = None,
    dry_run: bool = False,
    recipient_for: Callable[[str, str], Recipient] | None = None,
    progress: Progress = quiet,
    stop: threading.Event | None = None,
    wait_for_retries: bool = True,
    observer: SendObserver | None = None,
) -> SendReport:
    """Deliver the day's edition to every active subscriber who has not had it, once each.

    ``mailer`` is one mailer, or a function opening one per connection (then ``[mail] concurrency``
    connections send at once). ``subscriber_ids`` limits the run to those subscribers (the
    scheduler's "due now"); deliveries already in the ledger are retried either way. Temporary
    failures are retried with backoff until ``[mail] retry_deadline_minutes``; with
    ``wait_for_retries`` false, retries not yet due are left to the next run. Once ``stop`` is set,
    the messages in flight finish and the run returns. ``observer`` hears of every failed attempt
    and every wait. Raises SendLockedError when another process is sending from the same
    database, and MailSettingsError when the mail settings are wrong (the deliveries stay
    pending, none is marked failed).
    """
    day = day or edition_date(config)
    report = SendReport(edition_date=day.isoformat(), dry_run=dry_run)
    if dry_run:
        return _plan_only(config, store, renderer, day, subscriber_ids, report)
    with store.send_lock():
        report.recovered = store.recover_interrupted()
        edition = store.get_edition(day.isoformat())
        if edition is None or not edition.frozen_at:
            edition, _ = build_edition(config, store, renderer, day)
        report.stories = edition.story_count
        if edition.story_count == 0:
            log.info("the %s edition has no stories; nothing to send", edition.date)
            return report
        store.freeze_edition(edition.id)
        # Re-read: with several senders, another may have frozen it first, with its own groups.
        edition = store.get_edition_by_id(edition.id)
        report.stories = edition.story_count
        store.plan_deliveries(edition.id, subscriber_ids)
        report.skipped_already_sent = store.count_deliveries(edition.id).get("sent", 0)
        observer = observer or SendObserver()
        courier = _Courier(config, store, renderer, edition, report, recipient_for, observer, stop)
        if isinstance(mailer, Mailer):  # the caller's one mailer: one connection, kept open
            connect, concurrency = _borrowed(mailer), 1
        else:
            connect, concurrency = mailer, config.mail.concurrency
        # Work the ledger: send what is ready, then sleep until the earliest retry is due; a
        # retry past the deadline is never scheduled, so this ends.
        while not (stop and stop.is_set()):
            ready = store.ready_deliveries(edition.id, now_utc())
            if ready:
                # Batches share the ledger's writes; small enough that every connection has one.
                size = max(1, min(CLAIM_BATCH, math.ceil(len(ready) / concurrency)))
                batches = [ready[i : i + size] for i in range(0, len(ready), size)]
                if store.shared:  # other senders work the same list: start somewhere else
                    random.shuffle(batches)
                deliver_all(
                    progress(batches, "batches"),
                    courier.send_batch,
                    connect,
                    concurrency=concurrency,
                    stop=stop,
                )
                continue
            retry_at = store.next_retry_at(edition.id) if wait_for_retries else None
            if retry_at is None:
                break
            observer.waiting(retry_at, store.count_deliveries(edition.id).get("pending", 0))
            pause = (datetime.fromisoformat(retry_at) - datetime.now(UTC)).total_seconds()
            (stop or threading.Event()).wait(min(max(0.05, pause), WAIT_REPORT_SECONDS))
        report.stopped = bool(stop and stop.is_set())
        counts = store.count_deliveries(edition.id)
        report.retrying = counts.get("pending", 0)
    return report


def _plan_only(
    config: Config,
    store: Store,
    renderer: Renderer,
    day: date,
    subscriber_ids: Sequence[int] | None,
    report: SendReport,
) -> SendReport:
    """A dry run: who would get the edition. Nothing in the ledger changes."""
    edition = store.get_edition(day.isoformat())
    if edition is None or not edition.frozen_at:
        edition, _ = build_edition(config, store, renderer, day)
    report.stories = edition.story_count
    planned = {s.id for s in store.list_subscribers("active")}
    if subscriber_ids is not None:
        planned &= set(subscriber_ids)
    done = {d.subscriber_id for d in store.deliveries(edition.id, ["sent"])}
    report.skipped_already_sent = len(planned & done)
    report.sent = len(planned - done) if edition.story_count else 0
    return report


@dataclass(frozen=True)
class PlannedSend:
    """What one active subscriber would get from a `digest send` now (a dry run's line)."""

    email: str
    timezone: str
    local_date: str  # their local today
    edition_date: str  # the edition they would get
    stories: int  # stories in it for them (their sections)
    outcome: str  # one of PLAN_OUTCOMES


PLAN_OUTCOMES = {
    "send": "would send",
    "sent": "already sent",
    "retry": "would retry",
    "failed": "failed before (`--retry-failed` re-queues)",
    "sections": "nothing in their sections",
    "empty": "nothing: the edition has 0 stories",
}


def plan_sends(
    config: Config, store: Store, renderer: Renderer, day: date | None = None
) -> list[PlannedSend]:
    """Who a `digest send` would reach now, with which edition and how many stories; changes no
    delivery (an edition not yet built is built, as the real send would).

    Without ``day`` each subscriber gets the edition of their local today, else ``day``'s. The
    outcomes add up to the real run's counts: 'send' is its sent (when delivery works), 'sections'
    its 'nothing in their sections', 'sent' its 'already sent before'.
    """
    from digest.schedule import edition_day, local_today

    subscribers = store.list_subscribers("active")
    todays = {subscriber.id: local_today(config, subscriber) for subscriber in subscribers}
    views: dict[date, tuple[Edition, EditionView, dict[int, str]]] = {}
    chosen: dict[date, date] = {}
    # The latest date first, as `digest send` does: it decides where the stories go.
    dates = {day} if day else set(todays.values())
    for wanted in sorted(dates, reverse=True):
        chosen[wanted] = wanted if day else edition_day(store, wanted, max(dates))
        if chosen[wanted] in views:
            continue
        edition = store.get_edition(chosen[wanted].isoformat())
        if edition is None or not edition.frozen_at:
            edition, _ = build_edition(config, store, renderer, chosen[wanted])
        states = {d.subscriber_id: d.state for d in store.deliveries(edition.id, _STATES)}
        views[chosen[wanted]] = (edition, edition_view(config, store, edition), states)
    planned: list[PlannedSend] = []
    for subscriber in subscribers:
        today = todays[subscriber.id]
        wanted = chosen[day or today]
        edition, view, states = views[wanted]
        stories = view.only_sections(subscriber.sections).story_count
        state = states.get(subscriber.id, "")
        if state in ("sent", "failed"):
            outcome = state
        elif state in ("pending", "uncertain", "sending"):
            outcome = "retry"
        elif not edition.story_count:
            outcome = "empty"
        elif state == "skipped" or not stories:
            outcome = "sections"
        else:
            outcome = "send"
        planned.append(
            PlannedSend(
                subscriber.email,
                subscriber.timezone or config.digest.timezone,
                today.isoformat(),
                wanted.isoformat(),
                stories,
                outcome,
            )
        )
    return planned


_STATES = ("pending", "sending", "sent", "failed", "uncertain", "skipped")


Body = tuple[str | bytes, str | bytes]  # a message's html and text: as text, or encoded


@dataclass(frozen=True)
class _Encoded:
    """A stencil and its two parts, encoded once for every message it fits."""

    stencil: Stencil
    html: EncodedPart
    text: EncodedPart


class _Courier:
    """Sends batches of deliveries of one edition and records each outcome in the ledger;
    thread-safe.

    The edition is rendered once per section set and recipient shape (a ``Stencil``), and its two
    parts quoted-printable encoded once (``EncodedPart``); each message is made by encoding the
    recipient's address and links into the slots, then written straight to bytes by a
    ``Composer``: per message there is no template rendering, no CSS inlining, no MIME tree and
    no encoding of the whole body. The first message from each stencil is checked against a full
    rendering; a template that the substitution would get wrong is rendered per message instead.
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        renderer: Renderer,
        edition: Edition,
        report: SendReport,
        recipient_for: Callable[[str, str], Recipient] | None,
        observer: SendObserver,
        stop: threading.Event | None = None,
    ) -> None:
        self.config, self.store, self.renderer, self.edition = config, store, renderer, edition
        self.report, self.recipient_for, self.observer = report, recipient_for, observer
        self.stop = stop
        self.view = edition_view(config, store, edition)
        self.subject = config.mail.subject.format(title=edition.title, date=self.view.date_label)
        self.list_id = config.mail.list_id or default_list_id(config)
        self.secret = signing_secret(config, store)
        self.base_url = config.digest.base_url.rstrip("/")
        shared = list_headers(
            list_id=self.list_id,
            unsubscribe_url="",
            unsubscribe_mailto=config.mail.unsubscribe_mailto,
        )
        del shared["List-Unsubscribe"]  # each recipient's own
        self.composer = Composer(
            sender=config.mail.sender, subject=self.subject, extra_headers=shared
        )
        self.limiter = RateLimiter(config.mail.rate_per_second)
        self.stencils: dict[tuple[tuple[str, ...], tuple[bool, ...]], _Encoded | None] = {}
        self.lock = threading.Lock()  # one store connection, several sending threads

    def send_batch(self, batch: Sequence[Delivery], mailer: Mailer) -> None:
        """Claim the batch's deliveries in one ledger write, then send them one by one.

        Each row is 'sending' before its message goes out and 'sent' right after the server's
        250. Claimed rows whose message never started (stopped, or a bug) are given back.
        """
        ready = [item for item in map(self._prepare, batch) if item is not None]
        if not ready:
            return
        fresh = {delivery.subscriber_id: self.composer.new_message_id() for delivery, *_ in ready}
        with self.lock:
            message_ids = self.store.claim_deliveries(self.edition.id, fresh)
        claimed = [item for item in ready if item[0].subscriber_id in message_ids]
        done = 0
        try:
            for delivery, body, unsubscribe_url in claimed:
                if self.stop is not None and self.stop.is_set():
                    break
                self.limiter.wait()
                done += 1
                self._send(delivery, body, unsubscribe_url, message_ids, mailer)
        finally:
            rest = [delivery.subscriber_id for delivery, *_ in claimed[done:]]
            if rest:
                with self.lock:
                    self.store.release_deliveries(self.edition.id, rest)

    def _prepare(self, delivery: Delivery) -> tuple[Delivery, Body, str] | None:
        """The delivery's rendering and unsubscribe link; None when it was settled here (nothing
        in the subscriber's sections, or an address no message can go to)."""
        edition_id, subscriber_id = self.edition.id, delivery.subscriber_id
        view = self.view.only_sections(delivery.sections)
        if not view.story_count:
            with self.lock:
                self.store.mark_delivery(
                    edition_id, subscriber_id, "skipped", error="no stories in their sections"
                )
                self.report.skipped += 1
            return None
        try:
            check_recipient(delivery.email)
        except DeliveryError as exc:
            with self.lock:
                self._record_failure(delivery, exc)
            return None
        unsubscribe_url = unsubscribe_link(self.base_url, self.secret, subscriber_id)
        recipient = (self.recipient_for or Recipient)(delivery.email, delivery.name)
        if not recipient.unsubscribe_url:
            recipient = replace(recipient, unsubscribe_url=unsubscribe_url)
        if not recipient.preferences_url:
            recipient = replace(
                recipient,
                preferences_url=preferences_link(self.base_url, self.secret, subscriber_id),
            )
        try:
            body = self._render(delivery.sections, view, recipient)
        except (ValueError, TypeError, UnicodeError) as exc:
            with self.lock:
                self._record_failure(delivery, _unbuildable(exc))
            return None
        return delivery, body, unsubscribe_url

    def _render(self, sections: Sequence[str], view: EditionView, recipient: Recipient) -> Body:
        """The message's two parts, html and text: encoded from the stencil when it fits the
        recipient, else rendered in full."""
        key = (tuple(sorted(name.strip().casefold() for name in sections)), shape_of(recipient))
        with self.lock:
            known = key in self.stencils
            encoded = self.stencils.get(key)
        if encoded is not None:
            values = encoded.stencil.values(recipient)
            if values is not None:
                return encoded.html.fill(values), encoded.text.fill(values)
        rendered = self.renderer.render(view, recipient)
        if not known:
            made = self.renderer.stencil(view, recipient)
            fits = made.fill(recipient) == rendered
            if not fits:
                log.info(
                    "the templates show the recipient in a way only a full rendering gets "
                    "right: rendering each message of sections %s",
                    key[0] or "(all)",
                )
            parts = (
                _Encoded(
                    made, EncodedPart(made.html, made.slots), EncodedPart(made.text, made.slots)
                )
                if fits
                else None
            )
            with self.lock:
                self.stencils.setdefault(key, parts)
        return rendered.html, rendered.text

    def _send(
        self,
        delivery: Delivery,
        body: Body,
        unsubscribe_url: str,
        message_ids: dict[int, str],
        mailer: Mailer,
    ) -> None:
        edition_id, subscriber_id = self.edition.id, delivery.subscriber_id
        try:
            message = self.composer.compose(
                recipient=delivery.email,
                recipient_name=delivery.name,
                html=body[0],
                text=body[1],
                message_id=message_ids[subscriber_id],
                extra_headers={
                    "List-Unsubscribe": list_headers(
                        list_id="",
                        unsubscribe_url=unsubscribe_url,
                        unsubscribe_mailto=self.config.mail.unsubscribe_mailto,
                    )["List-Unsubscribe"]
                },
            )
        except (DeliveryError, ValueError, TypeError, UnicodeError) as exc:
            # No message could be made for this row: its delivery fails, nobody else's.
            failure = exc if isinstance(exc, DeliveryError) else _unbuildable(exc)
            with self.lock:
                self._record_failure(delivery, failure)
            return
        try:
            mailer.send(message)
        except MailSettingsError as exc:
            # Our settings, not the recipient: the row is pending again and the run stops.
            with self.lock:
                self.store.release_delivery(edition_id, subscriber_id, str(exc))
            raise
        except DeliveryError as exc:
            with self.lock:
                self._record_failure(delivery, exc)
            return
        except BaseException:
            with self.lock:  # interrupted mid-message: the server may or may not have it
                self.store.mark_delivery(
                    edition_id, subscriber_id, "uncertain", error="interrupted", uncertain=True
                )
            raise
        with self.lock:
            self.store.mark_delivery(edition_id, subscriber_id, "sent")
            self.report.sent += 1

    def message(
        self, view: EditionView, email: str, name: str, subscriber_id: int, message_id: str = ""
    ) -> Any:
        """The edition as one subscriber gets it: their sections, their unsubscribe and
        preferences links; a retry reuses the ``message_id`` of the earlier attempt."""
        unsubscribe_url = unsubscribe_link(self.base_url, self.secret, subscriber_id)
        recipient = (self.recipient_for or Recipient)(email, name)
        if not recipient.unsubscribe_url:
            recipient = replace(recipient, unsubscribe_url=unsubscribe_url)
        if not recipient.preferences_url:
            recipient = replace(
                recipient,
                preferences_url=preferences_link(self.base_url, self.secret, subscriber_id),
            )
        rendered = self.renderer.render(view, recipient)
        return compose(
            sender=self.config.mail.sender,
            recipient=email,
            recipient_name=name,
            subject=self.subject,
            html=rendered.html,
            text=rendered.text,
            message_id=message_id,
            extra_headers=list_headers(
                list_id=self.list_id,
                unsubscribe_url=unsubscribe_url,
                unsubscribe_mailto=self.config.mail.unsubscribe_mailto,
            ),
        )

    def _record_failure(self, delivery: Delivery, exc: DeliveryError) -> None:
        edition_id, subscriber_id = self.edition.id, delivery.subscriber_id
        mark = self.store.mark_delivery
        note = f"{delivery.email}: {exc}"
        if isinstance(exc, UncertainDeliveryError):
            # Retried once (the ledger's 'uncertain' count); a second uncertain attempt is final.
            mark(edition_id, subscriber_id, "uncertain", error=str(exc), uncertain=True)
            self.report.uncertain += 1
            self.observer.failed(delivery.email, exc, None)
            return
        retry_at = self._retry_at(delivery) if isinstance(exc, TemporaryDeliveryError) else None
        self.observer.failed(delivery.email, exc, retry_at)
        if retry_at is not None:
            mark(edition_id, subscriber_id, "pending", error=str(exc), next_attempt_at=retry_at)
            return
        mark(edition_id, subscriber_id, "failed", error=str(exc))
        if isinstance(exc, HardBounceError):
            self.store.mark_bounced(subscriber_id)
        self.report.failed += 1
        self.report.errors.append(note)

    def _retry_at(self, delivery: Delivery) -> str | None:
        """When to retry a temporary failure; None past the deadline, or when the failed attempt
        was the one retry an uncertain message gets."""
        if delivery.uncertain:
            return None
        mail = self.config.mail
        now = datetime.now(UTC)
        first = (
            datetime.fromisoformat(delivery.first_attempt_at) if delivery.first_attempt_at else now
        )
        wait = timedelta(seconds=mail.retry_backoff_seconds * 2 ** max(0, delivery.attempts))
        at = now + min(wait, MAX_RETRY_WAIT)
        if at > first + timedelta(minutes=mail.retry_deadline_minutes):
            return None
        return at.astimezone(UTC).isoformat()


def send_test(
    config: Config,
    store: Store,
    renderer: Renderer,
    mailer: Mailer,
    address: str,
    day: date | None = None,
) -> Edition:
    """Send the day's edition to one address, as a subscriber with every section gets it.

    Outside the ledger: no delivery row is written and nobody's edition counts as sent. The
    unsubscribe link in it names no subscriber. Raises DeliveryError as sending does.
    """
    from digest.deliver import valid_email

    if not valid_email(address):
        raise DigestError(
            f"'{address}' is not a valid email address",
            hint="Give a plain address: you@example.com.",
        )
    day = day or edition_date(config)
    edition = store.get_edition(day.isoformat())
    if edition is None or not edition.frozen_at:
        edition, _ = build_edition(config, store, renderer, day)
    if not edition.story_count:
        raise DigestError(f"the {day} edition has 0 stories", hint="Run `digest gather` first.")
    courier = _Courier(config, store, renderer, edition, SendReport(), None, SendObserver())
    mailer.send(courier.message(courier.view, address, "", 0))
    return edition


def _borrowed(mailer: Mailer) -> Callable[[], Mailer]:
    """A connect function for a caller's own mailer: deliver_all's close() must not close it."""

    class Borrowed:
        def send(self, message: Any) -> None:
            mailer.send(message)

        def close(self) -> None:
            return None

    return Borrowed


def unsubscribe_link(base_url: str, secret: str, subscriber_id: int) -> str:
    """The signed one-click unsubscribe address of one subscriber."""
    return f"{base_url.rstrip('/')}/unsubscribe/{unsubscribe_token(secret, subscriber_id)}"


def _unbuildable(exc: Exception) -> PermanentDeliveryError:
    """A subscriber's row that cannot make a message (a name the email library refuses, say)."""
    return PermanentDeliveryError(
        f"cannot build the message: {exc}",
        hint="Fix the subscriber's name or address with `digest subscribers add`.",
    )


def preferences_link(base_url: str, secret: str, subscriber_id: int) -> str:
    """The signed address of one subscriber's preferences page."""
    return f"{base_url.rstrip('/')}/preferences/{preferences_token(secret, subscriber_id)}"


def signing_secret(config: Config, store: Store) -> str:
    """The key that signs unsubscribe links: $DIGEST_SECRET_KEY, else a random key made once and
    kept in the database (so links in mail already sent stay valid)."""
    return config.secret_key or store.get_secret("unsubscribe")


def known_signing_secret(config: Config, store: Store) -> str | None:
    """The signing key if there is one yet, without creating it (for read-only requests)."""
    return config.secret_key or store.find_secret("unsubscribe")


def default_list_id(config: Config) -> str:
    """``Title <title-slug.sender-domain>``: stable, so mail clients keep their per-list rules."""
    domain = config.mail.sender.rpartition("@")[2].strip("> ") or "localhost"
    title = header_safe(config.digest.title).replace("<", "").replace(">", "")
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "digest"
    return f"{title} <{slug}.{domain}>"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def publishers_words(description: str, feed_text: str, article_text: str = "") -> str:
    """What the email shows when no bullet passed: the publisher's description, else the feed's
    own text, whichever describes the piece. A short byline or prompt ("Written by HLNF Staff
    Report", "Visit the post for more.") says nothing about it and is not shown, nor is a fact
    box with a byline label or a web address, nor words whose numbers the article's text does
    not give ("Argentina beat Chile 2-0" over an article that says 3-0)."""
    for text in (description, feed_text):
        words = text.split()
        if (
            len(words) >= MIN_EXCERPT_WORDS
            and not (len(words) < 12 and _NOT_A_DESCRIPTION.search(text))
            and not _PAGE_BOX.search(text)
            and (not article_text.strip() or numbers_given(text, article_text))
        ):
            return text
    return ""


def standfirst(description: str, article_text: str, bullets: Sequence[str]) -> str:
    """What the email shows above a story's bullets: the publisher's description, as
    ``publishers_words`` lets it through, unless it repeats one of the bullets."""
    shown = publishers_words(description, "", article_text)
    return "" if any(is_near_duplicate(shown, b) for b in bullets) else shown


MIN_EXCERPT_WORDS = 6
# A review's fact box, whatever its length: "Tested by: John Milbank RRP: 49.95 Euro (£40) More
# info: www.earbooks.net ..." (a blind read: page furniture shown as the publisher's words).
_PAGE_BOX = re.compile(r"^\s*\w+(?: \w+)? by:|\bwww\.|https?://", re.I)
_NOT_A_DESCRIPTION = re.compile(
    r"^\s*(?:written |posted |reported )?by\b|\bvisit the (?:post|page|site)\b|\bread more\b|"
    r"\bclick here\b|\bcontinue reading\b",
    re.I,
)


def _shorten(text: str, words: int) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _host(url: str) -> str:
    match = re.match(r"https?://([^/]+)", normalize_url(url)) if url else None
    return match.group(1) if match else "News"
