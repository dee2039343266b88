"""Jobs: the day's work as procrastinate jobs on the PostgreSQL store, for many machines.

With ``[store] url`` (PostgreSQL), the work is split into jobs on four queues, run by any number of
``digest worker --queues ...`` processes on any machines:

    fetch      gather: read every due source, store the new items; then queue "extract"
    extract    fetch and extract the pages of articles without text; then queue the articles to
               summarise, ``[summarizer] batch_size`` per job
    summarise  one batch of articles through the model; summaries are upserts, so a job redone
               after a crash is harmless (a GPU host runs ``--queues summarise``)
    send       send every subscriber whose hour has come (the ledger's claims make many senders safe)

``digest run`` only schedules: it runs procrastinate's periodic deferrer, which queues the gather
every ``[digest] gather_every_minutes`` and the send check every minute. Each periodic job is
recorded in the database under its tick, so however many schedulers run, each tick is queued once;
a queueing lock also keeps a second gather or send from being queued while one waits.

Why procrastinate: it keeps its queue in the PostgreSQL database digest already needs, so a
multi-machine install adds no broker; jobs are rows (``SELECT ... FOR UPDATE SKIP LOCKED``), and
periodic tasks are deduplicated in the database. Celery needs Redis or RabbitMQ beside it and
its beat scheduler must run exactly once (two beats queue every tick twice); Dramatiq also needs
a broker and has no built-in periodic tasks; Temporal is a cluster of its own services for
workflows far longer and more branched than a gather or a send.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, Protocol

from digest.config import Config
from digest.errors import ConfigError
from digest.store import Store

log = logging.getLogger(__name__)

QUEUES = ("fetch", "extract", "summarise", "send")
SCHEDULE_ONLY = "digest-schedule-only"  # a queue no job uses: a worker on it only schedules


class Collaborators(Protocol):
    """What jobs need from the composition root: the config and the real parts it builds."""

    @property
    def config(self) -> Config: ...

    @property
    def store(self) -> Any: ...

    def fetcher(self) -> Any: ...

    def summarizer_loader(self) -> Callable[[], Any]: ...

    def renderer(self) -> Any: ...

    def mailer(self) -> Any: ...


def queues_from(text: str) -> list[str]:
    """The queue names of ``--queues fetch,send``; raises ConfigError on an unknown one."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in QUEUES]
    if unknown or not names:
        raise ConfigError(
            f"unknown queue {', '.join(unknown) or '(none given)'}",
            hint=f"Choose among {', '.join(QUEUES)}, comma-separated.",
        )
    return names


def gather_cron(minutes: int) -> str:
    """A cron expression for 'every N minutes' (N dividing an hour or a day runs evenly)."""
    if minutes < 60:
        return f"*/{minutes} * * * *"
    hours = max(1, minutes // 60)
    return f"0 */{hours} * * *" if hours < 24 else "0 0 * * *"


def make_app(collaborators: Collaborators, *, send_cron: str = "* * * * *") -> Any:
    """The procrastinate app on the store's database, with digest's tasks and schedules
    (``send_cron``: how often the send check is queued; a sixth field counts seconds)."""
    import procrastinate

    conninfo, kwargs = _connection(collaborators.config)
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo, kwargs=kwargs)
    )
    _register(app, collaborators, send_cron)
    return app


def _connection(config: Config) -> tuple[str, dict[str, Any]]:
    from digest.store_postgres import PASSWORD_ENV, connection_info

    if not config.store.url:
        raise ConfigError(
            "the job queue needs the PostgreSQL store",
            hint='Set [store] url = "postgresql://user@host:5432/db"; with the SQLite file, '
            "`digest run` does the work itself.",
        )
    password = os.environ.get(PASSWORD_ENV)
    return connection_info(config.store.url), {"password": password} if password else {}


def ensure_schema(config: Config, app: Any) -> None:
    """Create procrastinate's tables on first use (idempotent across machines: the check and the
    creation run under one advisory lock)."""
    import psycopg

    conninfo, kwargs = _connection(config)
    with psycopg.connect(conninfo, autocommit=True, **kwargs) as db:
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (0x6469_6768,))
            present = db.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if present is None or present[0] is None:
                db.execute(app.schema_manager.get_schema())


def run_worker(config: Config, app: Any, queues: Iterable[str], *, wait: bool = True) -> None:
    """Run jobs from ``queues`` until stopped (SIGINT/SIGTERM finish the jobs in flight); with
    ``wait`` false, until the queues are empty."""
    ensure_schema(config, app)
    app.run_worker(queues=list(queues), wait=wait, concurrency=1, install_signal_handlers=wait)


def run_scheduler(config: Config, app: Any) -> None:
    """Queue the periodic jobs (gather, the send check), once per tick across all schedulers;
    run no job here."""
    ensure_schema(config, app)
    app.run_worker(queues=[SCHEDULE_ONLY], wait=True)


def _defer(app: Any, task: str, queue: str, lock: str | None, **arguments: Any) -> None:
    import procrastinate.exceptions

    try:
        app.configure_task(task, queue=queue, queueing_lock=lock).defer(**arguments)
    except procrastinate.exceptions.AlreadyEnqueued:
        log.info("%s is already queued", task)


def _register(app: Any, parts: Collaborators, send_cron: str) -> None:
    """The tasks, named so every machine's worker finds them, closing over ``parts``."""
    from digest.pipeline import (
        GatherReport,
        articles_to_summarise,
        collect_new,
        fill_texts,
        summarise_batch,
    )

    config = parts.config
    loader = parts.summarizer_loader()
    loading = threading.Lock()

    def store() -> Store:
        with loading:
            opened: Store = parts.store
        return opened

    @app.periodic(cron=gather_cron(config.digest.gather_every_minutes), periodic_id="gather")
    @app.task(name="digest.schedule_gather", queue="fetch")
    def schedule_gather(timestamp: int) -> None:
        _defer(app, "digest.gather", "fetch", "gather")

    @app.periodic(cron=send_cron, periodic_id="send")
    @app.task(name="digest.schedule_send", queue="send")
    def schedule_send(timestamp: int) -> None:
        _defer(app, "digest.send", "send", "send")

    @app.task(name="digest.gather", queue="fetch")
    def gather() -> None:
        report = GatherReport()
        fetcher = parts.fetcher()
        try:
            collect_new(config, store(), fetcher, report)
        finally:
            fetcher.close()
        log.warning("gathered %d new articles", report.new_articles)
        _defer(app, "digest.extract", "extract", "extract")

    @app.task(name="digest.extract", queue="extract")
    def extract() -> None:
        report = GatherReport()
        fetcher = parts.fetcher()
        try:
            fill_texts(config, store(), fetcher, report)
        finally:
            fetcher.close()
        ids = [article.id for article in articles_to_summarise(config, store(), report)]
        size = max(1, config.summarizer.batch_size)
        for start in range(0, len(ids), size):
            _defer(
                app, "digest.summarise", "summarise", None, article_ids=ids[start : start + size]
            )

    @app.task(name="digest.summarise", queue="summarise")
    def summarise(article_ids: list[int]) -> None:
        with loading:
            summarizer = loader()
        articles = [store().get_article(article_id) for article_id in article_ids]
        report = GatherReport()
        summarise_batch(store(), summarizer, [a for a in articles if a.content_hash], report)
        log.warning("summarised %d articles", report.summarised)

    @app.task(name="digest.send", queue="send")
    def send() -> None:
        from digest.schedule import send_due

        reports = send_due(
            config,
            store(),
            parts.renderer(),
            parts.mailer,
            grace=timedelta(minutes=config.digest.send_grace_minutes),
        )
        for report in reports:
            log.warning(
                "edition %s: sent %d, failed %d", report.edition_date, report.sent, report.failed
            )
