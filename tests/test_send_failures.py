"""When mail cannot go out, `digest send` says so at once, truthfully, and loses nobody's edition.

Each test runs the real CLI (a subprocess) against a real SMTP server on loopback, or against a
closed port, over a real SQLite file and over a real PostgreSQL database (``store_url``), but for
`digest run`, which on PostgreSQL only schedules (tests/test_jobs.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digest.store import SQLiteStore, Store
from tests.scripted_smtp import Running, ScriptedSMTP, free_port
from tests.test_delivery import seed_stories

ROOT = Path(__file__).resolve().parent.parent
READERS = ("ada@example.com", "grace@example.com")


@pytest.fixture
def store_url(both_backends_url: str) -> str:
    """The test's [store] url: "" (SQLite, digest.db in the test's folder), then PostgreSQL."""
    return both_backends_url


def open_at(folder: Path, url: str) -> Store:
    from digest.store_postgres import PostgresStore

    return PostgresStore(url) if url else SQLiteStore(folder / "digest.db")


def write_config(folder: Path, url: str, port: int, security: str = "none", **mail: object) -> Path:
    """A config mailing over SMTP to 127.0.0.1:``port``; stories need no model."""
    extra = "".join(f"{key} = {value!r}\n".replace("'", '"') for key, value in mail.items())
    path = folder / "digest.toml"
    store = f'url = "{url}"' if url else 'path = "digest.db"'
    path.write_text(
        f"""[store]
{store}
[mail]
backend = "smtp"
from = "Harbour Digest <digest@example.com>"
retry_backoff_seconds = 0.5
{extra}[mail.smtp]
host = "127.0.0.1"
port = {port}
security = "{security}"
timeout = 5
[digest]
max_age_hours = 100000
duplicate_threshold = 0
base_url = "https://news.example.com"
""",
        encoding="utf-8",
    )
    return path


def seeded(folder: Path, url: str) -> None:
    store = open_at(folder, url)
    seed_stories(store, "World")
    for address in READERS:
        store.add_subscriber(address)
    store.close()


def digest(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(config), *args],
        capture_output=True,
        text=True,
        cwd=config.parent,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def ledger(folder: Path, url: str) -> dict[str, tuple[str, int]]:
    store = open_at(folder, url)
    try:
        rows = store.db.execute(
            """SELECT s.email, d.state, d.attempts FROM deliveries d
               JOIN subscribers s ON s.id = d.subscriber_id"""
        )
        return {row[0]: (row[1], row[2]) for row in rows}
    finally:
        store.close()


def everyone_got_it_once(result: subprocess.CompletedProcess[str], server: ScriptedSMTP) -> None:
    assert result.returncode == 0, result.stderr
    assert "sent 2" in result.stdout
    assert server.per_recipient() == {address: 1 for address in READERS}


def test_a_closed_port_is_reported_at_once_and_exits_non_zero_then_sends_when_it_is_back(
    tmp_path: Path, store_url: str
) -> None:
    seeded(tmp_path, store_url)
    port = free_port()  # nothing listens here
    config = write_config(tmp_path, store_url, port)
    first = digest(config, "send")
    assert first.returncode == 2, first.stderr
    assert first.stderr.count("connection refused") == 2, first.stderr  # first one, then "1 more"
    assert "hint: Check that the server is running" in first.stderr
    assert "... and 1 more like it" in first.stderr
    assert "sent 0" in first.stdout and "still to retry 2" in first.stdout
    assert "nobody received the edition" in first.stderr
    again = digest(config, "send")  # nobody got it: it must not say everyone had their edition
    assert again.returncode == 2
    assert "had their edition" not in again.stdout + again.stderr
    assert "connection refused" in again.stderr
    assert {state for state, _ in ledger(tmp_path, store_url).values()} == {"pending"}
    server = ScriptedSMTP(port=port)
    with Running(server):
        back = digest(config, "send")
    everyone_got_it_once(back, server)


def test_send_date_says_when_it_retries_and_delivers_once_the_server_is_up(
    tmp_path: Path, store_url: str
) -> None:
    seeded(tmp_path, store_url)
    port = free_port()
    config = write_config(tmp_path, store_url, port, retry_deadline_minutes=5)
    from datetime import UTC, datetime

    today = datetime.now(UTC).date().isoformat()
    run = subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(config), "send", "--date", today],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert run.stderr is not None
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = run.stderr.readline()
        seen.append(line)
        if line.startswith("waiting to retry 2 deliveries: next at") or not line:
            break
    assert "UTC (in " in seen[-1], seen
    server = ScriptedSMTP(port=port)
    with Running(server):
        out, err = run.communicate(timeout=90)
    assert run.returncode == 0, "".join(seen) + err
    assert "sent 2" in out
    assert server.per_recipient() == {address: 1 for address in READERS}


def test_a_server_without_starttls_stops_the_run_and_leaves_everyone_pending(
    tmp_path: Path, store_url: str
) -> None:
    seeded(tmp_path, store_url)
    server = ScriptedSMTP()
    config = write_config(tmp_path, store_url, server.port, security="starttls")
    with Running(server):  # aiosmtpd without a TLS context offers no STARTTLS
        result = digest(config, "send")
        assert result.returncode == 1, result.stderr
        assert "does not offer STARTTLS" in result.stderr
        assert "Hint: Set [mail.smtp] security" in result.stderr
        assert "no delivery was marked failed" in result.stderr
        assert ledger(tmp_path, store_url) == {address: ("pending", 0) for address in READERS}
        fixed = write_config(tmp_path, store_url, server.port, security="none")
        after = digest(fixed, "send")
    everyone_got_it_once(after, server)


def test_implicit_tls_against_a_plain_server_is_a_settings_error(
    tmp_path: Path, store_url: str
) -> None:
    seeded(tmp_path, store_url)
    server = ScriptedSMTP()
    config = write_config(tmp_path, store_url, server.port, security="tls")
    with Running(server):
        result = digest(config, "send")
        verbose = digest(config, "-v", "send")  # -v shows where it came from: the SSL error
    assert result.returncode == 1, result.stderr
    assert "does not speak implicit TLS on this port" in result.stderr
    assert "'starttls'" in result.stderr and "Traceback" not in result.stderr
    assert ledger(tmp_path, store_url) == {address: ("pending", 0) for address in READERS}
    assert "SSLError" in verbose.stderr and "WRONG_VERSION_NUMBER" in verbose.stderr


def test_a_refused_sender_blames_the_settings_not_the_recipients(
    tmp_path: Path, store_url: str
) -> None:
    seeded(tmp_path, store_url)
    server = ScriptedSMTP(sender_reply="553 5.7.1 Sender address not owned by user")
    config = write_config(tmp_path, store_url, server.port)
    with Running(server):
        result = digest(config, "send")
        assert result.returncode == 1, result.stderr
        assert "refused the sender digest@example.com: 553" in result.stderr
        assert "Hint: Set [mail] from" in result.stderr
        assert ledger(tmp_path, store_url) == {address: ("pending", 0) for address in READERS}
        server.sender_reply = ""
        after = digest(config, "send")
    everyone_got_it_once(after, server)
    store = open_at(tmp_path, store_url)
    assert [s.status for s in store.list_subscribers()] == ["active", "active"]
    store.close()


def test_retry_failed_re_queues_what_failed_and_only_that(tmp_path: Path, store_url: str) -> None:
    seeded(tmp_path, store_url)
    server = ScriptedSMTP(data_replies={"grace@example.com": ["554 5.6.0 Message rejected"]})
    config = write_config(tmp_path, store_url, server.port)
    with Running(server):
        first = digest(config, "send")
        assert first.returncode == 2
        assert "Message rejected" in first.stderr and "--retry-failed" in first.stderr
        again = digest(config, "send")
        assert again.returncode == 0
        assert "nothing new to send" in again.stdout and "failed 1, sent 1" in again.stdout
        retried = digest(config, "send", "--retry-failed")
    assert retried.returncode == 0, retried.stderr
    assert "re-queued 1 failed delivery" in retried.stderr and "sent 1" in retried.stdout
    assert server.per_recipient() == {"ada@example.com": 1, "grace@example.com": 1}
    assert ledger(tmp_path, store_url)["grace@example.com"][0] == "sent"


def test_digest_run_logs_every_failed_attempt(tmp_path: Path) -> None:
    store_url = ""  # SQLite: `digest run` sends itself; on PostgreSQL it only queues jobs
    import signal
    from datetime import UTC, datetime, timedelta

    seeded(tmp_path, store_url)
    config = write_config(tmp_path, store_url, free_port())
    send_at = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%H:%M")
    text = config.read_text(encoding="utf-8").replace(
        "[digest]\n", f'[digest]\nsend_at = "{send_at}"\n'
    )
    config.write_text(text.replace("[store]", '[summarizer]\nbackend = "lead"\n[store]'), "utf-8")
    run = subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and {s for s, _ in ledger(tmp_path, store_url).values()} != {
        "pending"
    }:
        time.sleep(0.2)
    time.sleep(0.5)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=60)
    for address in READERS:
        assert f"could not send to {address}, retrying at" in err, err
    assert err.count("connection refused") >= 2
    assert " WARNING digest.deliver: could not send to" in err  # a level, and off a terminal,
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000 INFO ", err, re.M)  # a timestamp
    assert " INFO digest.schedule: next send at " in err
    assert err.rstrip().endswith("INFO digest.schedule: digest run stopped"), err


def test_a_refused_login_is_a_settings_error_and_leaves_everyone_pending(
    tmp_path: Path, store_url: str
) -> None:
    from aiosmtpd.smtp import AuthResult

    def authenticate(
        server: object, session: object, envelope: object, mechanism: str, data: object
    ) -> AuthResult:
        right = getattr(data, "password", b"") == b"right"
        return AuthResult(success=right, handled=False)  # handled=False: aiosmtpd sends the 535

    seeded(tmp_path, store_url)
    server = ScriptedSMTP()
    config = write_config(tmp_path, store_url, server.port)
    text = config.read_text(encoding="utf-8").replace(
        "timeout = 5\n", 'timeout = 5\nusername = "digest"\n'
    )
    config.write_text(text, encoding="utf-8")
    options = {
        "authenticator": authenticate,
        "auth_require_tls": False,
    }
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DIGEST_SMTP_PASSWORD": "wrong"}
    command = [sys.executable, "-m", "digest", "--config", str(config), "send"]
    with Running(server, **options):
        refused = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        assert refused.returncode == 1, refused.stderr
        assert "refused the login" in refused.stderr
        assert "Hint: Check [mail.smtp] username and the $DIGEST_SMTP_PASSWORD" in refused.stderr
        assert ledger(tmp_path, store_url) == {address: ("pending", 0) for address in READERS}
        env["DIGEST_SMTP_PASSWORD"] = "right"
        fixed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    everyone_got_it_once(fixed, server)
