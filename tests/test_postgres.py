"""Several machines on one PostgreSQL store, as real processes against a real server.

Each `digest` process here is a "machine": its own process, its own connection pool, its own owner
name on the claims it makes. The SMTP server is slow per message, so a kill lands mid-message.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from digest.demo import SiteServer, default_site
from digest.errors import ConfigError, StoreError
from digest.records import SubscriberRow
from digest.store_postgres import PostgresStore
from tests.conftest import DEMO_SOURCES
from tests.scripted_smtp import Running, ScriptedSMTP
from tests.test_delivery import seed_stories

ROOT = Path(__file__).resolve().parent.parent
DAY = "2026-03-02"


def write_config(tmp_path: Path, url: str, extra: str = "", server: Any = None) -> Path:
    mail = ""
    if server is not None:
        mail = f"""
[mail]
backend = "smtp"
from = "Digest <digest@example.com>"
concurrency = 2
retry_backoff_seconds = 0.05
[mail.smtp]
host = "{server.host}"
port = {server.port}
security = "none"
"""
    path = tmp_path / "digest.toml"
    path.write_text(
        f"""
[store]
url = "{url}"
claim_lease_seconds = 2
{mail}
[digest]
max_age_hours = 100000
duplicate_threshold = 0
{extra}
""",
        encoding="utf-8",
    )
    return path


def digest(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(config), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen[str], timeout: float = 300) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return out


def seeded(postgres: Any, *, stories: int, subscribers: int) -> tuple[str, list[str]]:
    """A new database with ``stories`` World stories and that many subscribers; its URL."""
    url = postgres.create_database()
    emails = [f"reader{n:02d}@example.com" for n in range(subscribers)]
    store = PostgresStore(url)
    seed_stories(store, "World", count=stories)
    for address in emails:
        store.add_subscriber(address)
    store.close()
    return url, emails


def ledger(url: str) -> dict[str, tuple[str, str]]:
    store = PostgresStore(url)
    rows = store.db.execute(
        """SELECT s.email, d.state, d.owner FROM deliveries d
           JOIN subscribers s ON s.id = d.subscriber_id"""
    )
    states = {row[0]: (row[1], row[2]) for row in rows}
    store.close()
    return states


def test_a_password_never_comes_from_the_url(postgres: Any) -> None:
    url = postgres.create_database().replace("digest@", "digest:hunter2@")
    with pytest.raises(ConfigError, match="holds a password"):
        PostgresStore(url)  # refused before any connection is tried


def test_the_password_comes_from_the_environment(
    postgres: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres.create_database()
    admin = PostgresStore(url)
    admin.db.execute("CREATE ROLE reader LOGIN PASSWORD 'right-one'")
    admin.close()
    as_reader = url.replace("digest@", "reader@")
    monkeypatch.setenv("DIGEST_DB_PASSWORD", "wrong-one")
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL") as refused:
        PostgresStore(as_reader)
    assert "DIGEST_DB_PASSWORD" in (refused.value.hint or "")
    monkeypatch.setenv("DIGEST_DB_PASSWORD", "right-one")
    with pytest.raises(StoreError, match="permission denied"):
        PostgresStore(as_reader)  # in: the password worked; the role may not create tables


def test_three_senders_one_killed_then_a_rerun_everyone_exactly_once(
    postgres: Any, tmp_path: Path
) -> None:
    url, subscribers = seeded(postgres, stories=2, subscribers=60)
    server = ScriptedSMTP(delay=0.05)
    config = write_config(tmp_path, url, server=server)
    with Running(server):
        senders = [digest(config, "send", "--date", DAY) for _ in range(3)]
        deadline = time.monotonic() + 120
        while len(server.received) < 15:
            assert time.monotonic() < deadline, "the senders made no progress"
            time.sleep(0.01)
        victim = senders[0]
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=30)
        states = ledger(url)
        in_flight = {
            email
            for email, (state, owner) in states.items()
            if state == "sending" and f":{victim.pid}:" in owner
        }
        sent_before = {email for email, (state, _) in states.items() if state == "sent"}
        for sender in senders[1:]:
            finished(sender)
        time.sleep(2.5)  # the killed sender's lease runs out
        rerun = finished(digest(config, "send", "--date", DAY))
    counts = server.per_recipient()
    duplicates = {email for email, n in counts.items() if n > 1}
    assert set(counts) == set(subscribers)  # nobody missing
    assert all(state == "sent" for state, _ in ledger(url).values())
    assert not duplicates & sent_before
    # A duplicate only for a message the killed sender had claimed and not marked, with the same
    # Message-ID both times, so the receiver can drop it.
    assert duplicates <= in_flight
    for email in duplicates:
        assert counts[email] == 2
        assert len({r.message["Message-ID"] for r in server.received if r.recipient == email}) == 1
    assert "recovered after a crash" in rerun or not in_flight
    print(
        f"\n3 senders, 1 killed: {len(in_flight)} in flight at the kill, "
        f"{len(duplicates)} duplicates, {len(counts)} of {len(subscribers)} received"
    )


def test_an_expired_lease_is_reaped_and_its_old_owner_cannot_mark_the_row(postgres: Any) -> None:
    url = postgres.create_database()
    first = PostgresStore(url, owner="machine-a", lease_seconds=1)
    second = PostgresStore(url, owner="machine-b", lease_seconds=1)
    try:
        seed_stories(first, "World", count=1)
        subscriber, _ = first.add_subscriber("ada@example.com")
        edition = first.claim_articles(DAY, "Digest", "", 30)
        first.plan_deliveries(edition.id)
        assert first.claim_deliveries(edition.id, {subscriber.id: "<1@x>"})
        assert second.recover_interrupted() == 0  # the lease still holds: nothing to reap
        assert second.claim_deliveries(edition.id, {subscriber.id: "<2@x>"}) == {}
        time.sleep(2.1)
        assert second.recover_interrupted() == 1
        assert second.count_deliveries(edition.id) == {"uncertain": 1}
        # machine-a wakes up after the reaper took its row: its mark changes nothing.
        assert first.mark_delivery(edition.id, subscriber.id, "sent") is False
        assert second.count_deliveries(edition.id) == {"uncertain": 1}
        # The retry goes out once, with the first attempt's Message-ID.
        assert second.claim_deliveries(edition.id, {subscriber.id: "<3@x>"}) == {
            subscriber.id: "<1@x>"
        }
        assert second.mark_delivery(edition.id, subscriber.id, "sent") is True
    finally:
        first.close()
        second.close()


def test_two_gathers_at_once_store_no_article_twice(postgres: Any, tmp_path: Path) -> None:
    url = postgres.create_database()
    with SiteServer(default_site()) as site:
        sources = "".join(
            f'\n[[sources]]\nurl = "{site.base_url}/{path}"\nname = "{name}"\n'
            for path, name, _ in DEMO_SOURCES
        )
        config = write_config(
            tmp_path,
            url,
            extra='[summarizer]\nbackend = "lead"\n[fetch]\nallow_private_addresses = true\n'
            + sources,
        )
        gathers = [digest(config, "gather") for _ in range(2)]
        outputs = [finished(process) for process in gathers]
    store = PostgresStore(url)
    rows = store.db.execute("SELECT guid, url_norm FROM articles").fetchall()
    store.close()
    assert len(rows) == 9  # the demo site's nine stories, as one gather stores them
    assert len({row[0] for row in rows}) == len({row[1] for row in rows}) == 9
    found = [int(m.group(1)) for out in outputs for m in [re.search(r"(\d+) new", out)] if m]
    assert sum(found) == 9, outputs  # each article counted by the one gather that stored it


def test_two_machines_racing_to_freeze_one_edition_send_the_same_one(
    postgres: Any, tmp_path: Path
) -> None:
    url, subscribers = seeded(postgres, stories=3, subscribers=20)
    server = ScriptedSMTP(delay=0.01)
    config = write_config(tmp_path, url, server=server)
    with Running(server):
        racers = [digest(config, "send", "--date", DAY) for _ in range(2)]
        for racer in racers:
            finished(racer)
    assert server.per_recipient() == {address: 1 for address in subscribers}
    stories = {
        tuple(re.findall(r"World story \d+", r.message.get_body(("plain",)).get_content()))  # type: ignore[union-attr]
        for r in server.received
    }
    assert len(stories) == 1 and len(next(iter(stories))) == 3
    store = PostgresStore(url)
    assert [e.date for e in store.list_editions()] == [DAY]
    store.close()


def test_freezing_from_many_threads_has_one_winner(postgres: Any) -> None:
    url = postgres.create_database()
    stores = [PostgresStore(url, owner=f"machine-{n}") for n in range(4)]
    seed_stories(stores[0], "World", count=2)
    edition = stores[0].claim_articles(DAY, "Digest", "", 30)
    wins: list[bool] = []
    barrier = threading.Barrier(len(stores))

    def freeze(store: PostgresStore) -> None:
        barrier.wait()
        wins.append(store.freeze_edition(edition.id))

    threads = [threading.Thread(target=freeze, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    assert sorted(wins) == [False, False, False, True]


def test_two_machines_sending_to_whoever_is_due_serve_each_subscriber_once(
    postgres: Any, tmp_path: Path
) -> None:
    url, subscribers = seeded(postgres, stories=2, subscribers=30)
    server = ScriptedSMTP(delay=0.01)
    config = write_config(tmp_path, url, server=server)
    with Running(server):
        machines = [digest(config, "send") for _ in range(2)]  # each subscriber's local today
        for machine in machines:
            finished(machine)
        again = finished(digest(config, "send"))
    assert server.per_recipient() == {address: 1 for address in subscribers}
    assert "nothing new to send" in again


def test_a_server_gone_mid_run_is_a_clear_error() -> None:
    from tests.postgres_server import PostgresServer

    server = PostgresServer().start()
    try:
        store = PostgresStore(server.create_database())
        store.add_subscriber("ada@example.com")
    finally:
        server.stop()
    with pytest.raises(StoreError, match="did not answer") as failed:
        store.list_subscribers()
    assert "next run" in (failed.value.hint or "")
    store.close()


def grant_viewer(postgres: Any, url: str, *grants: str) -> str:
    """A login role 'viewer' (no password: trusted on loopback) with ``grants`` on the database
    of ``url``, as its owner gives them; returns the URL to connect as the viewer."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as owner:
        owner.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'viewer') "
            "THEN CREATE ROLE viewer LOGIN; END IF; END $$"
        )
        for grant in grants:
            owner.execute(grant)
    return url.replace("digest@", "viewer@")


def test_a_user_without_the_right_to_write_gets_a_hint_not_a_traceback(
    postgres: Any, tmp_path: Path
) -> None:
    url, emails = seeded(postgres, stories=1, subscribers=1)
    viewer = grant_viewer(postgres, url, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO viewer")
    config = write_config(tmp_path, viewer)
    listed = digest(config, "subscribers", "list")
    assert emails[0] in finished(listed)  # reading is within its rights
    added = digest(config, "subscribers", "add", "bob@example.com")
    _, err = added.communicate(timeout=120)
    assert added.returncode == 1, err
    assert "the PostgreSQL user lacks a right: permission denied for table subscribers" in err
    assert "Hint: Connect as the database's owner" in err and "grant this user" in err
    assert "Traceback" not in err
    owner = PostgresStore(url)
    assert [s.email for s in owner.list_subscribers()] == emails  # nothing written
    owner.close()


def test_a_user_who_cannot_create_the_tables_is_told_so_at_open(postgres: Any) -> None:
    url = postgres.create_database()
    viewer = grant_viewer(postgres, url)  # CONNECT only (PUBLIC's), no CREATE in the schema
    with pytest.raises(StoreError, match="cannot prepare the PostgreSQL database") as refused:
        PostgresStore(viewer)
    assert "connect once as the database's owner" in (refused.value.hint or "")
    owner = PostgresStore(url)  # the owner creates them; then a viewer with rights may open it
    owner.close()
    grant_viewer(postgres, url, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO viewer")
    opened = PostgresStore(viewer)
    assert opened.list_subscribers() == []
    opened.close()


def test_a_value_postgresql_refuses_is_a_store_error_and_writes_nothing(postgres: Any) -> None:
    store = PostgresStore(postgres.create_database())
    try:
        with pytest.raises(StoreError, match="PostgreSQL refused a value") as refused:
            store.import_subscribers(
                [SubscriberRow("ada@example.com", "Ada"), SubscriberRow("nul@example.com", "A\0B")]
            )
        assert "Nothing of that statement was written" in (refused.value.hint or "")
        assert store.list_subscribers() == []  # the whole import rolled back, Ada's row too
        store.import_subscribers([SubscriberRow("ada@example.com", "Ada")])
        assert [s.name for s in store.list_subscribers()] == ["Ada"]
    finally:
        store.close()


def test_a_read_only_database_and_a_table_dropped_by_hand_are_named_with_their_fix(
    postgres: Any,
) -> None:
    import psycopg

    url = postgres.create_database()
    store = PostgresStore(url)
    store.add_subscriber("ada@example.com")
    store.close()
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(postgres.admin_url, autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
    store = PostgresStore(url)  # new connections are read-only, like a standby's
    try:
        assert [s.email for s in store.list_subscribers()] == ["ada@example.com"]  # reads work
        with pytest.raises(StoreError, match="the PostgreSQL server is read-only") as refused:
            store.add_subscriber("bob@example.com")
        assert "point it at the primary" in (refused.value.hint or "")
    finally:
        store.close()
    with psycopg.connect(postgres.admin_url, autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {name} RESET default_transaction_read_only")
    with psycopg.connect(url, autocommit=True) as owner:
        owner.execute("DROP TABLE secrets")
    store = PostgresStore(url)
    try:
        assert store.find_subscriber("ada@example.com") is not None  # the rest still works
        with pytest.raises(StoreError, match="tables are not the ones this digest expects") as gone:
            store.get_secret("signing")
        assert "do not change digest's tables by hand" in (gone.value.hint or "")
    finally:
        store.close()
