"""Crash safety as a user meets it: `python -m digest send` as a real process, killed midway.

The SMTP server is slow per message (it waits before answering DATA), so a kill lands while a
message is in flight. It keeps every message that reached the end of DATA, even when the sender
dies before reading the reply: the worst case, as a real server would deliver it. Each test runs
over SQLite and over PostgreSQL, where a killed sender's rows wait for their lease to run out
before the next run reaps them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.scripted_smtp import Running, ScriptedSMTP
from tests.test_delivery import seed_stories
from tests.test_send_failures import open_at

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIBERS = [f"reader{n:02d}@example.com" for n in range(40)]
LEASE = 5  # seconds a PostgreSQL claim holds: far longer than one message here


@pytest.fixture
def url(both_backends_url: str) -> str:
    return both_backends_url


def setup(tmp_path: Path, server: ScriptedSMTP, url: str) -> Path:
    config = tmp_path / "digest.toml"
    store = f'url = "{url}"' if url else 'path = "digest.db"'
    config.write_text(
        f"""
[store]
{store}
claim_lease_seconds = {LEASE}
[mail]
backend = "smtp"
from = "Digest <digest@example.com>"
concurrency = 2
retry_backoff_seconds = 0.05
[mail.smtp]
host = "{server.host}"
port = {server.port}
security = "none"
[digest]
max_age_hours = 100000
""",
        encoding="utf-8",
    )
    store = open_at(tmp_path, url)
    seed_stories(store, "World", count=3)
    for address in SUBSCRIBERS:
        store.add_subscriber(address)
    store.close()
    return config


def start_send(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(config), "send", "--date", "2026-03-02"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(server: ScriptedSMTP, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while len(server.received) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the sender made no progress"
        time.sleep(0.01)


def ledger(folder: Path, url: str) -> dict[str, str]:
    store = open_at(folder, url)
    rows = store.db.execute(
        "SELECT s.email, d.state FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id"
    )
    states = {row[0]: row[1] for row in rows}
    store.close()
    return states


def test_sigkill_midway_then_rerun_delivers_everyone_exactly_once(tmp_path: Path, url: str) -> None:
    server = ScriptedSMTP(delay=0.05)
    config = setup(tmp_path, server, url)
    with Running(server):
        process = start_send(config)
        wait_for(server, 15, process)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        states = ledger(tmp_path, url)
        in_flight = {email for email, state in states.items() if state == "sending"}
        sent_before = {email for email, state in states.items() if state == "sent"}
        received_at_kill = len(server.received)
        if url:
            time.sleep(LEASE + 1)  # PostgreSQL: the dead sender's claims expire, then are reaped

        rerun = subprocess.run(
            [
                sys.executable,
                "-m",
                "digest",
                "--config",
                str(config),
                "send",
                "--date",
                "2026-03-02",
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert rerun.returncode == 0, rerun.stderr
    counts = server.per_recipient()
    duplicates = {email for email, n in counts.items() if n > 1}
    missing = set(SUBSCRIBERS) - set(counts)
    print(
        f"\ncrash test: {len(SUBSCRIBERS)} subscribers; killed after {received_at_kill} messages "
        f"had arrived ({len(sent_before)} marked sent, {len(in_flight)} in flight); after the "
        f"rerun: {len(counts)} received, {len(duplicates)} duplicates, {len(missing)} missing"
    )
    assert not missing
    assert all(state == "sent" for state in ledger(tmp_path, url).values())
    # Nobody marked sent before the kill got a second copy.
    assert not duplicates & sent_before
    # A duplicate is acceptable only for a message in flight at the kill (between DATA and the
    # 250: 'uncertain'), and it carries the same Message-ID, so the receiver can drop it.
    assert duplicates <= in_flight
    assert all(counts[email] == 2 for email in duplicates)
    for email in duplicates:
        ids = {r.message["Message-ID"] for r in server.received if r.recipient == email}
        assert len(ids) == 1
    assert "recovered after a crash" in rerun.stdout or not in_flight


def test_sigterm_finishes_the_message_in_flight_and_stops_cleanly(tmp_path: Path, url: str) -> None:
    server = ScriptedSMTP(delay=0.05)
    config = setup(tmp_path, server, url)
    with Running(server):
        process = start_send(config)
        wait_for(server, 10, process)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert "stopped by SIGTERM" in err
        states = ledger(tmp_path, url)
        assert "sending" not in states.values() and "uncertain" not in states.values()
        sent = {email for email, state in states.items() if state == "sent"}
        assert set(server.per_recipient()) == sent  # every message that went out is recorded
        assert len(sent) < len(SUBSCRIBERS)

        rerun = start_send(config)
        rerun.communicate(timeout=300)
    counts = server.per_recipient()
    assert counts == {address: 1 for address in SUBSCRIBERS}  # none missing, none twice
