"""The job queue (procrastinate) on a real PostgreSQL server: the day's work as queued jobs, and
several schedulers queueing each tick once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from digest import jobs
from digest.config import Config
from digest.demo import SiteServer, default_site
from digest.errors import ConfigError
from digest.wiring import Components
from tests.conftest import DEMO_SOURCES, Inbox


@pytest.fixture
def database_url(postgres: Any) -> str:
    return str(postgres.create_database())


def app_for(config: Config) -> Components:
    return Components(config)


def test_a_worker_runs_the_days_work_from_the_queue(
    make_config: Callable[..., Config], smtp: Inbox
) -> None:
    hour_ago = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%H:%M")
    with SiteServer(default_site()) as site:
        config = make_config(
            sources=[
                {"url": f"{site.base_url}/{path}", "name": name, "section": section}
                for path, name, section in DEMO_SOURCES
            ],
            summarizer={"backend": "lead", "batch_size": 4},
            mail={
                "backend": "smtp",
                "smtp": {"host": smtp.host, "port": smtp.port, "security": "none"},
            },
            digest={"send_at": hour_ago, "duplicate_threshold": 0, "max_age_hours": 100000},
        )
        parts = app_for(config)
        for address in ("ada@example.com", "bea@example.com"):
            parts.store.add_subscriber(address)
        queue = jobs.make_app(parts)
        jobs.ensure_schema(config, queue)
        with queue.open():
            queue.configure_task("digest.gather").defer()
            queue.configure_task("digest.gather", queueing_lock="gather").defer()
        jobs.run_worker(config, queue, ["fetch", "extract", "summarise"], wait=False)
    store = parts.store
    rows = store.db.execute("SELECT COUNT(*), COUNT(DISTINCT url_norm) FROM articles").fetchone()
    assert tuple(rows) == (9, 9)  # two gathers queued, nothing stored twice
    summarised = store.db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0]
    assert summarised >= 8
    batches = store.db.execute(
        "SELECT COUNT(*) FROM procrastinate_jobs WHERE task_name = 'digest.summarise'"
    ).fetchone()[0]
    assert batches >= 2  # batch_size 4: the articles went out in batches
    # A summarisation job redone (as after a crash) changes nothing: its results are upserts.
    ids = [row[0] for row in store.db.execute("SELECT id FROM articles ORDER BY id")]
    with queue.open():
        queue.configure_task("digest.summarise").defer(article_ids=ids)
    jobs.run_worker(config, queue, ["summarise"], wait=False)
    assert store.db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0] == summarised
    with queue.open():
        queue.configure_task("digest.send").defer()
    jobs.run_worker(config, queue, ["send"], wait=False)
    assert sorted(m["To"] for m in smtp.messages) == ["ada@example.com", "bea@example.com"]
    parts.close()


def test_queues_are_checked_and_the_queue_needs_postgresql(
    make_config: Callable[..., Config],
) -> None:
    assert jobs.queues_from("summarise, send") == ["summarise", "send"]
    with pytest.raises(ConfigError, match="unknown queue mail"):
        jobs.queues_from("fetch,mail")
    sqlite = make_config(store={"path": "digest.db", "url": ""})
    with pytest.raises(ConfigError, match="needs the PostgreSQL store"):
        jobs.make_app(app_for(sqlite))


def test_two_schedulers_queue_each_tick_once(make_config: Callable[..., Config]) -> None:
    import asyncio

    config = make_config()
    schedulers = [jobs.make_app(app_for(config), send_cron="* * * * * */2") for _ in range(2)]
    jobs.ensure_schema(config, schedulers[0])

    def run(app: Any) -> None:
        async def main() -> None:
            async with app.open_async():
                task = asyncio.create_task(
                    app.run_worker_async(queues=[jobs.SCHEDULE_ONLY], install_signal_handlers=False)
                )
                await asyncio.sleep(8)
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass

        asyncio.run(main())

    threads = [threading.Thread(target=run, args=(app,)) for app in schedulers]
    for thread in threads:
        thread.start()
        time.sleep(0.5)
    for thread in threads:
        thread.join()
    store = app_for(config).store
    # Each queued send check carries its tick; the database refused the second scheduler's copy.
    total, ticks = store.db.execute(
        """SELECT COUNT(*), COUNT(DISTINCT args->>'timestamp') FROM procrastinate_jobs
           WHERE task_name = 'digest.schedule_send'"""
    ).fetchone()
    assert ticks >= 3  # the schedulers ran over several ticks...
    assert total == ticks  # ...and each tick was queued once
    store.close()


def test_the_worker_command_names_what_is_wrong(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from digest.cli import main

    config = tmp_path / "digest.toml"
    config.write_text('[store]\npath = "digest.db"\n', encoding="utf-8")
    for args, problem in (
        (["worker", "--queues", "mail"], "unknown queue mail"),
        (["worker"], "needs the PostgreSQL store"),
    ):
        with pytest.raises(SystemExit) as exited:
            main(["--config", str(config), *args])
        assert exited.value.code == 1
        assert problem in capsys.readouterr().err
