"""The scheduler's logic driven by an injected clock, its persistent state, and its lock.

No test waits for real days: ``send_due(now=...)`` is called at chosen moments; what was sent per
subscriber per local day is read back from the ledger, in a real SQLite file and in a real
PostgreSQL database; the tests of SQLite's send lock run on SQLite only (PostgreSQL's senders
share the work by claims: tests/test_postgres.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time as clock
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.config import Config
from digest.deliver import OutboxMailer
from digest.errors import SendLockedError
from digest.pipeline import build_edition
from digest.render import Renderer
from digest.schedule import build_scheduler, due_subscribers, latest_slot, send_due
from digest.store import SQLiteStore, Store, open_store
from tests.scripted_smtp import Running, ScriptedSMTP
from tests.test_delivery import seed_stories

ROOT = Path(__file__).resolve().parent.parent
GRACE = timedelta(minutes=180)
NEW_YORK, LONDON, AUCKLAND = (
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/London"),
    ZoneInfo("Pacific/Auckland"),
)


SQLITE_ONLY = pytest.mark.parametrize("database_url", [""], ids=["sqlite"])


@pytest.fixture
def database_url(both_backends_url: str) -> str:
    return both_backends_url


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_latest_slot_follows_the_local_clock_across_daylight_saving() -> None:
    # New York springs forward on 2026-03-08: 07:00 local is 12:00 UTC before, 11:00 UTC after.
    assert latest_slot(NEW_YORK, time(7), utc(2026, 3, 7, 12, 30)) == utc(2026, 3, 7, 12)
    assert latest_slot(NEW_YORK, time(7), utc(2026, 3, 8, 11, 30)) == utc(2026, 3, 8, 11)
    assert latest_slot(NEW_YORK, time(7), utc(2026, 3, 8, 10, 59)) == utc(2026, 3, 7, 12)
    # 02:30 does not exist that day: it falls at 03:30 EDT, once.
    assert latest_slot(NEW_YORK, time(2, 30), utc(2026, 3, 8, 8)) == utc(2026, 3, 8, 7, 30)
    # Falling back on 2026-11-01, 01:30 happens twice; the first one counts.
    assert latest_slot(NEW_YORK, time(1, 30), utc(2026, 11, 1, 7)) == utc(2026, 11, 1, 5, 30)
    # Auckland is a day ahead: its 07:00 on the 3rd is 18:00 UTC on the 2nd (NZDT, +13).
    assert latest_slot(AUCKLAND, time(7), utc(2026, 3, 2, 18, 5)) == utc(2026, 3, 2, 18)


def serve_due(store: Store, config: Config, now: datetime) -> None:
    """What the send job does to the ledger, without composing mail."""
    for day, ids in due_subscribers(config, store, now, grace=GRACE).items():
        edition = store.claim_articles(day.isoformat(), "t", "", 10)
        store.plan_deliveries(edition.id, ids)


@pytest.mark.parametrize(
    ("start", "days"),
    [(utc(2026, 3, 6), 4), (utc(2026, 3, 27), 4), (utc(2026, 10, 23), 4), (utc(2026, 10, 30), 4)],
    ids=["us-spring", "eu-spring", "eu-autumn", "us-autumn"],
)
def test_once_per_local_day_across_dst_changes(
    make_config: Callable[..., Config], start: datetime, days: int
) -> None:
    config = make_config()
    store = open_store(config)
    people = {
        "ny7@example.com": ("America/New_York", 7),
        "ny1@example.com": ("America/New_York", 1),  # ambiguous on the US fall-back day
        "ny2@example.com": ("America/New_York", 2),  # missing on the US spring-forward day
        "lon1@example.com": ("Europe/London", 1),  # missing on the EU spring-forward day
        "akl7@example.com": ("Pacific/Auckland", 7),
        "utc@example.com": ("", None),  # the configured 07:00 UTC
    }
    for email, (zone, hour) in people.items():
        store.add_subscriber(email, timezone=zone, hour=hour)
    now = start
    while now < start + timedelta(days=days):
        serve_due(store, config, now)
        now += timedelta(minutes=10)
    rows = store.db.execute(
        """SELECT s.email, e.date, d.updated_at FROM deliveries d
           JOIN subscribers s ON s.id = d.subscriber_id JOIN editions e ON e.id = d.edition_id"""
    ).fetchall()
    per_day = Counter((email, day) for email, day, _ in rows)
    assert max(per_day.values()) == 1  # never twice for one local day
    for email, (zone_name, _) in people.items():
        zone = ZoneInfo(zone_name or "UTC")
        first = (start + timedelta(days=1)).astimezone(zone).date()
        last = (start + timedelta(days=days - 1)).astimezone(zone).date()
        wanted = {(first + timedelta(days=n)).isoformat() for n in range((last - first).days)}
        got = {day for who, day in per_day if who == email}
        assert wanted <= got, (email, sorted(wanted - got))  # no day skipped


def add_today(store: Store, n: int) -> None:
    seed_stories(store, "World", count=1, start=n)


def sent_dates(store: Store) -> list[str]:
    rows = store.db.execute(
        """SELECT e.date FROM deliveries d JOIN editions e ON e.id = d.edition_id
           WHERE d.state = 'sent' ORDER BY e.date"""
    )
    return [row[0] for row in rows]


def test_down_25_minutes_across_the_send_time_sends_once_on_return(
    make_config: Callable[..., Config],
) -> None:
    config = make_config()
    store = open_store(config)
    store.add_subscriber("ada@example.com")
    add_today(store, 1)
    outbox = OutboxMailer(config.mail.outbox)

    def tick(now: datetime) -> int:
        return sum(
            r.sent for r in send_due(config, store, Renderer(), outbox, now=now, grace=GRACE)
        )

    assert tick(utc(2026, 3, 2, 6, 50)) == 0  # before 07:00
    # down from 06:51 to 07:16; back at 07:16, then ticking every minute for an hour
    assert tick(utc(2026, 3, 2, 7, 16)) == 1
    assert sum(tick(utc(2026, 3, 2, 7, 17) + timedelta(minutes=m)) for m in range(60)) == 0
    assert sent_dates(store) == ["2026-03-02"]
    assert len(list(Path(config.mail.outbox).glob("*.eml"))) == 1


def test_down_three_days_sends_one_digest_not_three(make_config: Callable[..., Config]) -> None:
    config = make_config()
    store = open_store(config)
    store.add_subscriber("ada@example.com")
    outbox = OutboxMailer(config.mail.outbox)
    add_today(store, 1)
    send_due(config, store, Renderer(), outbox, now=utc(2026, 3, 2, 7, 1), grace=GRACE)
    add_today(store, 2)  # news keeps arriving while digest is down
    # back on the 5th at 07:30: only the 5th is due
    reports = send_due(config, store, Renderer(), outbox, now=utc(2026, 3, 5, 7, 30), grace=GRACE)
    assert [(r.edition_date, r.sent) for r in reports] == [("2026-03-05", 1)]
    assert sent_dates(store) == ["2026-03-02", "2026-03-05"]
    # back later than the grace: nothing until the next day's send time
    add_today(store, 3)
    assert not send_due(config, store, Renderer(), outbox, now=utc(2026, 3, 6, 10, 1), grace=GRACE)
    assert send_due(config, store, Renderer(), outbox, now=utc(2026, 3, 7, 7, 0), grace=GRACE)
    assert sent_dates(store) == ["2026-03-02", "2026-03-05", "2026-03-07"]


def test_each_time_zone_gets_its_own_local_date_from_one_frozen_edition(
    make_config: Callable[..., Config],
) -> None:
    config = make_config()
    store = open_store(config)
    store.add_subscriber("akl@example.com", timezone="Pacific/Auckland", hour=7)
    store.add_subscriber("ny@example.com", timezone="America/New_York", hour=7)
    add_today(store, 1)
    outbox = OutboxMailer(config.mail.outbox)
    # 18:00 UTC on 2 March is 07:00 on 3 March in Auckland: the 3 March edition is frozen
    first = send_due(config, store, Renderer(), outbox, now=utc(2026, 3, 2, 18, 1), grace=GRACE)
    assert [(r.edition_date, r.sent) for r in first] == [("2026-03-03", 1)]
    add_today(store, 2)  # arrives after the freeze: goes to the 4 March edition
    # 12:00 UTC on 3 March is 07:00 in New York: the same frozen 3 March edition
    second = send_due(config, store, Renderer(), outbox, now=utc(2026, 3, 3, 12, 1), grace=GRACE)
    assert [(r.edition_date, r.sent, r.stories) for r in second] == [("2026-03-03", 1, 1)]


@SQLITE_ONLY
def test_the_send_lock_admits_one_holder_and_dies_with_it(
    make_config: Callable[..., Config],
) -> None:
    path = make_config().store.path
    first, second = SQLiteStore(path), SQLiteStore(path)
    with first.send_lock():
        with first.send_lock():  # re-entrant for its holder
            pass
        with pytest.raises(SendLockedError, match="another digest process"):
            with second.send_lock():
                pass
    with second.send_lock():
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from digest.store import SQLiteStore\n"
            "s = SQLiteStore(sys.argv[1])\n"
            "with s.send_lock():\n print('held', flush=True); time.sleep(60)",
            path,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(SendLockedError, match=f"pid {holder.pid}"):
        with second.send_lock():
            pass
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    holder.stdout.close()
    with second.send_lock():  # the kernel released it: no stale lock after a crash
        pass


@SQLITE_ONLY
def test_two_schedulers_on_one_database_never_both_send(
    make_config: Callable[..., Config],
) -> None:
    server = ScriptedSMTP(delay=0.01)
    config = make_config(
        mail={
            "backend": "smtp",
            "smtp": {"host": server.host, "port": server.port, "security": "none"},
        }
    )
    setup = SQLiteStore(config.store.path)
    emails = [f"reader{n}@example.com" for n in range(20)]
    for address in emails:
        setup.add_subscriber(address)
    add_today(setup, 1)
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def scheduler() -> None:
        from digest.wiring import Components

        app = Components(config)
        store = SQLiteStore(config.store.path)  # each its own connection, as in two processes
        start.wait()
        try:
            reports = send_due(
                config, store, Renderer(), app.mailer, now=utc(2026, 3, 2, 7, 5), grace=GRACE
            )
            outcomes.append(f"sent {sum(r.sent for r in reports)}")
        except SendLockedError:
            outcomes.append("locked out")
        finally:
            store.close()

    with Running(server):
        threads = [threading.Thread(target=scheduler) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert server.per_recipient() == {address: 1 for address in emails}
    assert sorted(outcomes) in (["locked out", "sent 20"], ["sent 0", "sent 20"])


def write_run_config(folder: Path, server: ScriptedSMTP, extra: str = "") -> Path:
    """A config for a real `digest run`: SMTP to ``server``, sending due 5 minutes ago."""
    send_at = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%H:%M")
    config_file = folder / "run.toml"
    config_file.write_text(
        f"""[store]
path = "digest.db"
{extra}[summarizer]
backend = "lead"
[mail]
backend = "smtp"
[mail.smtp]
host = "{server.host}"
port = {server.port}
security = "none"
[digest]
send_at = "{send_at}"
max_age_hours = 100000
""",
        encoding="utf-8",
    )
    return config_file


@SQLITE_ONLY
def test_two_digest_run_processes_send_each_digest_once(
    tmp_path: Path, make_config: Callable[..., Config]
) -> None:
    server = ScriptedSMTP(delay=0.02)
    config_file = write_run_config(tmp_path, server)
    store = SQLiteStore(tmp_path / "digest.db")
    emails = [f"reader{n}@example.com" for n in range(15)]
    for address in emails:
        store.add_subscriber(address)
    add_today(store, 1)
    store.close()
    command = [sys.executable, "-m", "digest", "-v", "--config", str(config_file), "run"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with Running(server):
        runs = [
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stderr=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        deadline = clock.monotonic() + 90
        while len(server.received) < len(emails) and clock.monotonic() < deadline:
            clock.sleep(0.1)
        clock.sleep(1.0)  # room for a wrongful second copy to show up
        logs = []
        for run in runs:
            run.send_signal(signal.SIGTERM)
            logs.append(run.communicate(timeout=60)[1])
    assert server.per_recipient() == {address: 1 for address in emails}, logs
    assert all(run.returncode == 0 for run in runs), logs


@SQLITE_ONLY
def test_a_hung_gather_does_not_hold_up_the_send_job(make_config: Callable[..., Config]) -> None:
    release = threading.Event()
    sends: list[float] = []

    def hung_gather() -> None:
        release.wait(30)  # a model call that never returns

    scheduler = build_scheduler(
        make_config(),
        hung_gather,
        lambda: sends.append(clock.monotonic()),
        background=True,
        send_every_seconds=0.2,
    )
    assert all(job.max_instances == 1 and job.coalesce for job in scheduler.get_jobs())
    scheduler.start()
    try:
        deadline = clock.monotonic() + 10
        while len(sends) < 3 and clock.monotonic() < deadline:
            clock.sleep(0.05)
    finally:
        release.set()
        scheduler.shutdown(wait=True)
    assert len(sends) >= 3


def test_manual_send_covers_everyone_for_their_local_today(
    make_config: Callable[..., Config],
) -> None:
    config = make_config()
    store = open_store(config)
    store.add_subscriber("akl@example.com", timezone="Pacific/Auckland", hour=7)
    store.add_subscriber("utc@example.com")
    due = due_subscribers(config, store, utc(2026, 3, 2, 12), grace=None)
    assert due == {date(2026, 3, 3): [1], date(2026, 3, 2): [2]}


def test_a_message_left_sending_by_a_crash_is_retried_once_by_the_next_send(
    make_config: Callable[..., Config],
) -> None:
    config = make_config(store={"claim_lease_seconds": 1})
    store = open_store(config)
    subscriber, _ = store.add_subscriber("ada@example.com")
    add_today(store, 1)
    edition, _ = build_edition(config, store, Renderer(), date(2026, 3, 2))
    store.freeze_edition(edition.id)
    store.plan_deliveries(edition.id)
    # what a process killed mid-message leaves behind: the row 'sending', nothing else to do
    assert store.claim_delivery(edition.id, subscriber.id, "<kept@example.com>")
    outbox = OutboxMailer(config.mail.outbox)
    if store.shared:  # PostgreSQL: the row is reaped once its sender's lease has run out
        assert not send_due(config, store, Renderer(), outbox, now=utc(2026, 3, 2, 9), grace=None)
        clock.sleep(2.1)
    reports = send_due(config, store, Renderer(), outbox, now=utc(2026, 3, 2, 9), grace=None)
    assert [(r.edition_date, r.sent) for r in reports] == [("2026-03-02", 1)]
    row = store.db.execute(
        "SELECT state, attempts, uncertain, message_id FROM deliveries"
    ).fetchone()
    assert tuple(row) == ("sent", 2, 1, "<kept@example.com>")  # same Message-ID on the retry
    (eml,) = Path(config.mail.outbox).glob("*.eml")
    assert b"Message-ID: <kept@example.com>" in eml.read_bytes()


def test_digest_run_sends_while_a_gather_hangs_and_sigterm_still_stops_it(
    tmp_path: Path,
) -> None:
    import socket

    server = ScriptedSMTP()
    silent = socket.socket()  # accepts connections (the kernel's backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    config_file = write_run_config(
        tmp_path,
        server,
        f"""[[sources]]
url = "http://127.0.0.1:{silent.getsockname()[1]}/feed.xml"
[fetch]
allow_private_addresses = true
timeout = 600.0
""",
    )
    store = SQLiteStore(tmp_path / "digest.db")
    store.add_subscriber("ada@example.com")
    # a story of the configured source: only configured sources' stories go in editions
    seed_stories(
        store, "World", 1, source_url=f"http://127.0.0.1:{silent.getsockname()[1]}/feed.xml"
    )
    store.close()
    command = [sys.executable, "-m", "digest", "--config", str(config_file), "run"]
    try:
        with Running(server):
            run = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stderr=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            deadline = clock.monotonic() + 60
            while not server.received and clock.monotonic() < deadline:
                clock.sleep(0.1)
            run.send_signal(signal.SIGTERM)
            stopped = clock.monotonic()
            _, log = run.communicate(timeout=60)
            waited = clock.monotonic() - stopped
    finally:
        silent.close()
    assert server.per_recipient() == {"ada@example.com": 1}, log
    assert run.returncode == 0, log
    assert "a gather is still running" in log
    assert waited < 45  # bounded by GATHER_STOP_SECONDS, not by the gather's 600 s timeout
