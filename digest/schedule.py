"""Scheduling: `digest run` gathers on an interval and sends once a day at the configured local time.

APScheduler runs the jobs in worker threads; each job opens its own store connection. Jobs coalesce (a
backlog of missed runs fires once) and never overlap themselves (``max_instances=1``).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

SEND_GRACE_SECONDS = 6 * 3600


def run_scheduler(app: Any) -> None:
    """Block, running the gather and send jobs until interrupted (Ctrl-C or SIGTERM)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    config = app.config
    load_lock = threading.Lock()
    loader = app.summarizer_loader()

    def load_summarizer() -> Any:
        with load_lock:  # both jobs may ask at once; load the model only once
            return loader()

    def gather_job() -> None:
        from digest.pipeline import gather
        from digest.store import SQLiteStore

        store, fetcher = SQLiteStore(config.store.path), app.fetcher()
        try:
            report = gather(config, store, fetcher, load_summarizer)
            log.warning(
                "gathered %d new articles (%d sources failed)",
                report.new_articles,
                report.sources_failed,
            )
        finally:
            fetcher.close()
            store.close()

    def send_job() -> None:
        from digest.pipeline import send_edition
        from digest.store import SQLiteStore

        store, mailer = SQLiteStore(config.store.path), app.mailer()
        try:
            report = send_edition(config, store, app.renderer(), mailer)
            log.warning(
                "edition %s: sent %d, failed %d", report.edition_date, report.sent, report.failed
            )
        finally:
            mailer.close()
            store.close()

    hour, minute = (int(part) for part in config.digest.send_at.split(":"))
    scheduler = BlockingScheduler(timezone=config.digest.timezone)
    scheduler.add_job(
        gather_job,
        IntervalTrigger(minutes=config.digest.gather_every_minutes),
        id="gather",
        coalesce=True,
        max_instances=1,
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        send_job,
        CronTrigger(hour=hour, minute=minute, timezone=config.digest.timezone),
        id="send",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=SEND_GRACE_SECONDS,
    )
    log.warning(
        "digest run: gathering every %d min, sending daily at %s %s",
        config.digest.gather_every_minutes,
        config.digest.send_at,
        config.digest.timezone,
    )
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=True)
