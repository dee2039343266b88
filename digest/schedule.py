"""Scheduling: `digest run` gathers on an interval and sends each subscriber their digest at their
local hour, once per local day.

What has been sent lives in the database, not in the scheduler: the delivery ledger has one row per
(edition, subscriber), and an edition is one local date. So the send job is a check that runs every
minute: for each active subscriber, take their latest send time (their hour in their time zone, on
the latest local day it has come); if it came at most ``[digest] send_grace_minutes`` ago and the
ledger has no row for that local date, they are due. A restart therefore neither repeats (the row
exists) nor skips (a send time missed by less than the grace is still due); after three days down
only the latest day is due, so one digest goes out, not three. Time zones go through ``zoneinfo``
and every comparison is in UTC, so daylight-saving changes move the send with the local clock.

Editions and time zones: the edition for date D is built and frozen by the first send of D (the
subscribers furthest east), and everyone whose local day is D later gets that same frozen edition;
stories gathered after the freeze go to D+1. What one subscriber got, all get.

Jobs coalesce (a backlog fires once) and never overlap themselves (``max_instances=1``); gather and
send run on separate executors, so a hung gather or model call cannot hold up a send. Two
`digest run` processes on one database never both send: sending holds ``SQLiteStore.send_lock``.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from digest.config import Config
from digest.render import counted
from digest.store import Store, Subscriber, now_utc

if TYPE_CHECKING:
    from digest.wiring import Components

log = logging.getLogger(__name__)

SEND_CHECK_SECONDS = 60
GATHER_STOP_SECONDS = 10  # how long a stopping `digest run` waits for a gather in progress


def send_time(config: Config, subscriber: Subscriber) -> tuple[ZoneInfo, time]:
    """A subscriber's time zone and local send time: their own, else the configured ones."""
    zone_name = subscriber.timezone or config.digest.timezone
    try:
        zone = ZoneInfo(zone_name)
    except Exception:
        log.warning("subscriber %s: unknown time zone %r", subscriber.email, zone_name)
        zone = ZoneInfo(config.digest.timezone)
    hour, _, minute = config.digest.send_at.partition(":")
    if subscriber.hour is not None:
        return zone, time(subscriber.hour, subscriber.minute)
    return zone, time(int(hour), int(minute))


def local_today(config: Config, subscriber: Subscriber, now: datetime | None = None) -> date:
    """The subscriber's local date at ``now``: the edition a `digest send` gives them."""
    zone, _ = send_time(config, subscriber)
    return (now or datetime.now(UTC)).astimezone(zone).date()


def latest_slot(zone: ZoneInfo, at: time, now: datetime) -> datetime:
    """The latest moment, at or before ``now``, when the local clock in ``zone`` showed ``at``.

    In UTC. On a spring-forward day a time in the gap falls an hour later by the wall clock; on a
    fall-back day an ambiguous time is its first occurrence.
    """
    local_day = now.astimezone(zone).date()
    for day in (local_day, local_day - timedelta(days=1)):
        slot = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        if slot <= now:
            return slot
    return datetime.combine(local_day - timedelta(days=2), at, tzinfo=zone).astimezone(UTC)


def next_slot(zone: ZoneInfo, at: time, now: datetime) -> datetime:
    """The first moment after ``now`` when the local clock in ``zone`` shows ``at``, in UTC."""
    local_day = now.astimezone(zone).date()
    for day in (local_day, local_day + timedelta(days=1)):
        slot = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        if slot > now:
            return slot
    return datetime.combine(local_day + timedelta(days=2), at, tzinfo=zone).astimezone(UTC)


def next_sends(config: Config, store: Store, now: datetime) -> list[tuple[datetime, int]]:
    """The coming send times of the active subscribers, (UTC moment, how many), soonest first."""
    counts: dict[datetime, int] = {}
    for subscriber in store.list_subscribers("active"):
        zone, at = send_time(config, subscriber)
        slot = next_slot(zone, at, now.astimezone(UTC))
        counts[slot] = counts.get(slot, 0) + 1
    return sorted(counts.items())


def edition_day(store: Store, day: date, latest_due: date | None = None) -> date:
    """The edition a subscriber whose local date is ``day`` gets: that date's, or, when it has
    none yet, a later one: the newest edition that holds stories, else ``latest_due`` (the latest
    local date being sent now, whose edition takes the stories). An edition built for ``day``
    after the stories went to a later one would be empty."""
    if store.get_edition(day.isoformat()) is not None:
        return day
    newest = store.list_editions(1)
    if newest and newest[0].date > day.isoformat() and newest[0].story_count:
        return date.fromisoformat(newest[0].date)
    if latest_due is not None and latest_due > day:
        return latest_due
    return day


def due_subscribers(
    config: Config, store: Store, now: datetime, *, grace: timedelta | None
) -> dict[date, list[int]]:
    """The active subscribers to send to at ``now``, by the local date whose edition they get.

    With ``grace`` (the scheduler): those whose latest send time came at most ``grace`` ago. With
    None (`digest send`): everyone, for their local today, whatever the hour. Either way only those
    the ledger has no delivery for on that date.
    """
    now = now.astimezone(UTC)
    wanted: list[tuple[int, date]] = []
    for subscriber in store.list_subscribers("active"):
        zone, at = send_time(config, subscriber)
        if grace is None:
            wanted.append((subscriber.id, now.astimezone(zone).date()))
            continue
        slot = latest_slot(zone, at, now)
        if now - slot <= grace:
            wanted.append((subscriber.id, slot.astimezone(zone).date()))
    if not wanted:
        return {}
    since = min(day for _, day in wanted).isoformat()
    planned = store.planned_dates(since)
    due: dict[date, list[int]] = {}
    for subscriber_id, day in wanted:
        if (subscriber_id, day.isoformat()) not in planned:
            due.setdefault(day, []).append(subscriber_id)
    return due


def send_due(
    config: Config,
    store: Store,
    renderer: Any,
    mailer: Any,
    *,
    now: datetime | None = None,
    grace: timedelta | None = None,
    stop: threading.Event | None = None,
    wait_for_retries: bool = False,
    dry_run: bool = False,
    progress: Any = None,
    observer: Any = None,
    retry_now: bool = False,
) -> list[Any]:
    """Send every due subscriber their local day's edition, then the ledger's retries now due.

    ``retry_now`` (an operator's `digest send`) makes the waiting retries due at once. Returns one
    SendReport per edition touched. Holds the send lock throughout (a dry run needs none); raises
    SendLockedError when another process holds it.
    """
    from digest.pipeline import quiet, send_edition

    now = now or datetime.now(UTC)
    options: dict[str, Any] = {
        "stop": stop,
        "wait_for_retries": wait_for_retries,
        "dry_run": dry_run,
        "progress": progress or quiet,
        "observer": observer,
    }
    reports = []
    with nullcontext() if dry_run else store.send_lock():
        if not dry_run:
            store.recover_interrupted()  # so a crashed message's edition is found below
            if retry_now:
                store.retry_pending_now()
        # Latest date first: its edition takes the stories, and a subscriber whose local day is
        # behind it (with no edition of their own yet) gets it too, not an empty one.
        due = due_subscribers(config, store, now, grace=grace)
        editions: dict[date, list[int]] = {}
        for day, ids in sorted(due.items(), reverse=True):
            editions.setdefault(edition_day(store, day, max(due)), []).extend(ids)
        for day, ids in sorted(editions.items(), reverse=True):
            if stop and stop.is_set():
                break
            reports.append(
                send_edition(
                    config, store, renderer, mailer, day=day, subscriber_ids=ids, **options
                )
            )
        if dry_run:
            return reports
        for edition_id in store.editions_with_work(now_utc()):
            if stop and stop.is_set():
                break
            day = date.fromisoformat(store.get_edition_by_id(edition_id).date)
            reports.append(
                send_edition(config, store, renderer, mailer, day=day, subscriber_ids=[], **options)
            )
    return reports


def build_scheduler(
    config: Config,
    gather_job: Callable[[], None],
    send_job: Callable[[], None],
    *,
    background: bool = False,
    send_every_seconds: float = SEND_CHECK_SECONDS,
) -> Any:
    """An APScheduler scheduler (not started) with the gather and send jobs on separate executors.

    Both jobs run at once on start, coalesce and never overlap themselves.
    """
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    kind = BackgroundScheduler if background else BlockingScheduler
    scheduler = kind(
        timezone=UTC,
        executors={
            name: ThreadPoolExecutor(1, pool_kwargs={"thread_name_prefix": name})
            for name in ("gather", "send")
        },
    )
    start = datetime.now(UTC)
    scheduler.add_job(
        gather_job,
        IntervalTrigger(minutes=config.digest.gather_every_minutes),
        id="gather",
        executor="gather",
        coalesce=True,
        max_instances=1,
        next_run_time=start,
    )
    scheduler.add_job(
        send_job,
        IntervalTrigger(seconds=send_every_seconds),
        id="send",
        executor="send",
        coalesce=True,
        max_instances=1,
        next_run_time=start,
    )
    return scheduler


def run_scheduler(app: Components) -> None:
    """Block, running the gather and send jobs until interrupted (Ctrl-C or SIGTERM); ``app``
    builds each job's store, fetcher, summariser, renderer and mailers.

    On SIGTERM the message in flight is finished and the scheduler stops.
    """
    from digest.errors import DigestError, SendLockedError

    config = app.config
    stop = threading.Event()
    sending = threading.Lock()  # held while a send runs: shutdown waits for it, not for a gather
    load_lock = threading.Lock()
    loader = app.summarizer_loader()

    def load_summarizer() -> Any:
        with load_lock:  # both jobs may ask at once; load the model only once
            return loader()

    def gather_job() -> None:
        from digest.pipeline import gather

        store, fetcher = app.open_store(), app.fetcher()
        try:
            report = gather(config, store, fetcher, load_summarizer)
            log.info(
                "gathered %s from %s, %d summarised; next gather in %d min",
                counted(report.new_articles, "new article", "new articles"),
                counted(report.sources_ok, "source", "sources"),
                report.summarised,
                config.digest.gather_every_minutes,
            )
            for error in report.errors:
                log.warning("gather: %s", error)
            for line in report.unsummarised:
                log.info("not summarised: %s", line)
        except DigestError as exc:
            log.error("gather failed: %s (%s)", exc, exc.hint)
        finally:
            fetcher.close()
            store.close()

    def send_job() -> None:
        with sending:
            run_send()

    def run_send() -> None:
        store = app.open_store()
        try:
            reports = send_due(
                config,
                store,
                app.renderer(),
                app.mailer,
                grace=timedelta(minutes=config.digest.send_grace_minutes),
                stop=stop,
            )
        except SendLockedError as exc:
            log.info("not sending: %s", exc)
            return
        except DigestError as exc:
            log.error("send failed: %s (%s)", exc, exc.hint)
            return
        finally:
            store.close()
        for report in reports:
            if report.sent or report.failed or report.uncertain or report.retrying:
                log.log(
                    logging.WARNING if report.failed or not report.sent else logging.INFO,
                    "edition %s: sent %d, failed %d, uncertain %d, retrying %d",
                    report.edition_date,
                    report.sent,
                    report.failed,
                    report.uncertain,
                    report.retrying,
                )
            elif not report.stories:
                log.warning("edition %s has 0 stories: nothing sent", report.edition_date)
        announce_next_send()

    announced: list[datetime] = []

    def announce_next_send() -> None:
        store = app.open_store()
        try:
            coming = next_sends(config, store, datetime.now(UTC))
        finally:
            store.close()
        if not coming:
            if announced[-1:] != [datetime.min.replace(tzinfo=UTC)]:
                log.warning("no active subscribers: nothing will be sent")
                announced.append(datetime.min.replace(tzinfo=UTC))
            return
        moment, count = coming[0]
        if announced[-1:] != [moment]:
            log.info(
                "next send at %s to %s",
                moment.strftime("%Y-%m-%d %H:%M UTC"),
                counted(count, "subscriber", "subscribers"),
            )
            announced.append(moment)

    scheduler = build_scheduler(config, gather_job, send_job)

    def terminate(signum: int, frame: Any) -> None:
        stop.set()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, terminate)
    log.info(
        "digest run: gathering every %d min, sending at each subscriber's hour (default %s %s)",
        config.digest.gather_every_minutes,
        config.digest.send_at,
        config.digest.timezone,
    )
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        stop.set()
        scheduler.shutdown(wait=False)
        with sending:  # the message in flight is finished and recorded
            pass
        gathers = [t for t in threading.enumerate() if t.name.startswith("gather")]
        for thread in gathers:
            thread.join(timeout=GATHER_STOP_SECONDS)
        if any(thread.is_alive() for thread in gathers):
            # A hung gather holds no lock and no open transaction; it must not keep us running.
            log.warning("a gather is still running; stopping without waiting for it")
            log.info("digest run stopped")
            logging.shutdown()
            os._exit(0)
        log.info("digest run stopped")
