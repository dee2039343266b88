"""What `digest` tells its operator: which config, plain words for empty states, time zones in a
dry run, log levels and timestamps, plurals, `digest status`. Real CLI runs over real files; those
whose words come from the store's contents run over SQLite and over PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from digest.render import local_time_label
from tests.scripted_smtp import Running, ScriptedSMTP, free_port
from tests.test_delivery import seed_stories
from tests.test_send_failures import digest, open_at, seeded, write_config

ROOT = Path(__file__).resolve().parent.parent


def bare(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`digest ARGS` in ``folder`` with no --config and no $DIGEST_CONFIG."""
    env = {key: value for key, value in os.environ.items() if key != "DIGEST_CONFIG"}
    return subprocess.run(
        [sys.executable, "-m", "digest", *args],
        capture_output=True,
        text=True,
        cwd=folder,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def test_without_a_config_it_says_so_and_names_what_is_missing(tmp_path: Path) -> None:
    gather = bare(tmp_path, "gather")
    assert gather.returncode == 1
    assert "no config file found" in gather.stderr and "embedded defaults" in gather.stderr
    assert "no sources configured" in gather.stderr and "[[sources]]" in gather.stderr
    send = bare(tmp_path, "send")
    assert "no subscribers: add one with `digest subscribers add EMAIL`" in send.stdout
    assert "had their edition" not in send.stdout
    config = write_config(tmp_path, "", free_port())
    named = digest(config, "-v", "subscribers", "list")
    assert f"config: {config}" in named.stderr  # -v names the file it read


def test_send_with_no_stories_says_to_gather_first(tmp_path: Path, both_backends_url: str) -> None:
    url = both_backends_url
    store = open_at(tmp_path, url)
    store.add_subscriber("ada@example.com")
    store.close()
    config = write_config(tmp_path, url, free_port())
    result = digest(config, "send")
    assert "0 stories" in result.stdout and "run `digest gather` first" in result.stderr
    built = digest(config, "build")
    assert "0 stories" in built.stdout and "run `digest gather` first" in built.stderr


def test_plurals_in_the_command_output(tmp_path: Path, both_backends_url: str) -> None:
    url = both_backends_url
    store = open_at(tmp_path, url)
    seed_stories(store, "World", count=1)
    store.close()
    config = write_config(tmp_path, url, free_port())
    built = digest(config, "build")
    assert "1 story," in built.stdout and "1 stories" not in built.stdout


def test_dry_run_lists_everyone_in_three_zones_and_agrees_with_the_real_run(
    tmp_path: Path, both_backends_url: str
) -> None:
    url = both_backends_url
    store = open_at(tmp_path, url)
    seed_stories(store, "World", count=2)
    seed_stories(store, "Sport", count=1)
    people = {
        "kiri@example.com": ("Pacific/Auckland", ()),
        "ada@example.com": ("Europe/London", ()),
        "lee@example.com": ("America/Los_Angeles", ("Sport",)),
        "bo@example.com": ("America/Los_Angeles", ("Gardening",)),
    }
    for email, (zone, sections) in people.items():
        store.add_subscriber(email, timezone=zone, sections=sections)
    store.close()
    server = ScriptedSMTP()
    config = write_config(tmp_path, url, server.port)
    dry = digest(config, "send", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    now = datetime.now(UTC)
    lines = {line.split()[0]: line for line in dry.stdout.splitlines() if "@" in line}
    assert set(lines) == set(people)
    for email, (zone, _) in people.items():
        local = now.astimezone(ZoneInfo(zone)).date().isoformat()
        assert f" {zone} " in lines[email] and f"local {local}  edition " in lines[email]
    # Whoever's local date is behind gets the latest edition, not an empty one of their own.
    assert not [
        line for email, line in lines.items() if " 0 stories" in line and email != "bo@example.com"
    ]
    assert "nothing in their sections" in lines["bo@example.com"]
    would = sum("would send" in line for line in lines.values())
    assert ledger_rows(tmp_path, url) == 0  # a dry run changes no delivery
    with Running(server):
        real = digest(config, "send")
    sent = sum(int(n) for n in re.findall(r"; sent (\d+),", real.stdout))
    editions = re.findall(r"^edition (\S+):", real.stdout, re.M)
    assert len(editions) == len(set(editions)), real.stdout  # one report per edition
    assert sent == would == len(server.received), dry.stdout + real.stdout
    again = digest(config, "send", "--dry-run")
    assert sum("@" in line and "already sent" in line for line in again.stdout.splitlines()) == sent


def ledger_rows(folder: Path, url: str) -> int:
    store = open_at(folder, url)
    try:
        return int(store.db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0])
    finally:
        store.close()


def test_story_times_carry_their_zone() -> None:
    assert local_time_label("2026-03-02T06:45:00+00:00", "Europe/Berlin") == "Mon 07:45 CET"
    assert local_time_label("2026-07-02T06:45:00+00:00", "America/New_York") == "Thu 02:45 EDT"
    assert local_time_label("not a time", "UTC") == ""


def test_status_shows_gather_send_deliveries_errors_and_next_runs(
    tmp_path: Path, both_backends_url: str
) -> None:
    url = both_backends_url
    seeded(tmp_path, url)
    server = ScriptedSMTP(data_replies={"grace@example.com": ["554 5.6.0 Message rejected"]})
    config = write_config(tmp_path, url, server.port)
    fresh = digest(config, "status")
    assert "last send:   never" in fresh.stdout
    with Running(server):
        digest(config, "send")
    result = digest(config, "status")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"config:      {config}" in out
    assert re.search(r"last send:   \d\d:\d\d:\d\d UTC", out), out
    assert re.search(r"edition \d{4}-\d\d-\d\d: 2 stories; failed 1, sent 1", out), out
    assert "grace@example.com (failed): the server did not take the message" in out
    assert re.search(r"next send:   .* UTC to 2 subscribers under `digest run`", out), out


def test_logs_off_a_terminal_have_levels_timestamps_and_no_colour_codes(tmp_path: Path) -> None:
    seeded(tmp_path, "")
    config = write_config(tmp_path, "", free_port())
    result = digest(config, "-v", "send")  # stderr is a pipe here, as under cron
    logged = [line for line in result.stderr.splitlines() if " INFO " in line]
    assert logged, result.stderr
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} INFO ", line) for line in logged)
    assert "\x1b[" not in result.stderr


def served(config: Path, *args: str, port: int, path: str) -> tuple[int, str, str]:
    """Start `digest ARGS`, GET ``path`` from it on ``port`` once it listens, stop it; returns
    (status, stdout, stderr)."""
    import time
    import urllib.request

    server = subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=config.parent,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    status = 0
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not status:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).status
            except OSError:
                time.sleep(0.2)
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    return status, out, err


def test_server_commands_take_host_and_port(tmp_path: Path) -> None:
    config = write_config(tmp_path, "", free_port())
    port = free_port()
    status, out, err = served(config, "serve", "--port", str(port), port=port, path="/editions/")
    assert status == 200, err
    assert f"digest on http://127.0.0.1:{port}/: unsubscribe and preferences links" in out
    assert "preview" not in out + err  # the public app's own line, not the preview's


def test_the_preview_server_takes_host_and_port_too(tmp_path: Path) -> None:
    seeded(tmp_path, "")
    config = write_config(tmp_path, "", free_port())
    port = free_port()
    args = ("preview", "--serve", "--host", "127.0.0.1", "--port", str(port))
    status, out, err = served(config, *args, port=port, path="/")
    assert status == 200, err
    assert f"digest preview on http://127.0.0.1:{port}/" in out
