"""`digest check` and `digest send --test`, run as a user runs them, against real local servers,
over SQLite and over PostgreSQL (``both_backends_url``) where the store is part of what is checked."""

from __future__ import annotations

from pathlib import Path

from digest.demo import SiteServer
from tests.scripted_smtp import Running, ScriptedSMTP, free_port
from tests.test_send_failures import READERS, digest, ledger, seeded, write_config


def with_sources(config: Path, *urls: str) -> None:
    text = config.read_text(encoding="utf-8")
    tables = "".join(f'[[sources]]\nurl = "{url}"\n' for url in urls)
    config.write_text(f"{tables}[fetch]\nallow_private_addresses = true\n{text}", "utf-8")


def test_check_reports_each_part_ok_and_sends_nothing(
    tmp_path: Path, site: SiteServer, both_backends_url: str
) -> None:
    url = both_backends_url
    seeded(tmp_path, url)
    server = ScriptedSMTP()
    config = write_config(tmp_path, url, server.port)
    with_sources(config, f"{site.base_url}/feeds/world.xml", f"{site.base_url}/")
    with Running(server):
        result = digest(config, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"OK    config: {config}"
    assert "OK    database: " in result.stdout and "2 active subscribers" in result.stdout
    assert "OK    templates: the bundled templates" in result.stdout
    assert f"OK    mail (smtp): 127.0.0.1:{server.port} (none) accepts the sender" in result.stdout
    feed = f"OK    source {site.base_url}/feeds/world.xml: World & Region - The Port Ellery"
    assert f"{feed} Courier: 4 items" in result.stdout
    assert f"(reads {site.base_url}/feeds/" in result.stdout  # the home page links its feed
    assert lines[-1] == "all checks passed"
    assert server.received == []


def test_check_names_each_broken_part_and_exits_1(
    tmp_path: Path, site: SiteServer, both_backends_url: str
) -> None:
    url = both_backends_url
    if not url:
        (tmp_path / "digest.db").touch()  # an empty database: no subscribers
    server = ScriptedSMTP(sender_reply="553 5.7.1 Sender address not owned by user")
    config = write_config(tmp_path, url, server.port)
    with_sources(config, f"{site.base_url}/feeds/world.xml", f"{site.base_url}/no-such-feed.xml")
    with Running(server):
        result = digest(config, "check")
    out = result.stdout
    assert result.returncode == 1, out
    assert "ERROR database: no subscribers" in out and "digest subscribers add" in out
    assert "ERROR mail (smtp): the SMTP server" in out and "refused the sender" in out
    assert "      hint: Set [mail] from" in out
    assert f"OK    source {site.base_url}/feeds/world.xml" in out
    assert f"ERROR source {site.base_url}/no-such-feed.xml: " in out and "404" in out
    assert out.splitlines()[-1] == "3 problems found"
    closed = write_config(tmp_path, url, free_port())
    down = digest(closed, "check")
    assert (
        "ERROR mail (smtp): cannot connect" in down.stdout and "connection refused" in down.stdout
    )
    assert "ERROR sources: no sources configured" in down.stdout


def test_check_lists_every_config_problem_at_once(tmp_path: Path) -> None:
    config = tmp_path / "digest.toml"
    config.write_text(
        '[mail]\nfrom = "digest"\nsubject = "{titel}"\n[digest]\nbase_url = "news.example.com"\n',
        encoding="utf-8",
    )
    result = digest(config, "check")
    assert result.returncode == 1
    assert "ERROR config: the config has 3 problems:" in result.stdout
    assert "mail.from" in result.stdout and "{titel}" in result.stdout
    assert "digest.base_url" in result.stdout
    send = digest(config, "send")  # every command refuses it, with the same list
    assert send.returncode == 1 and "the config has 3 problems" in send.stderr


def test_check_warns_about_a_local_base_url_for_mail_that_goes_out(tmp_path: Path) -> None:
    seeded(tmp_path, "")
    config = write_config(tmp_path, "", free_port())
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("https://news.example.com", "http://127.0.0.1:8080"), "utf-8")
    result = digest(config, "check")
    assert "WARN  config: [digest] base_url http://127.0.0.1:8080 is a local address" in (
        result.stdout
    )


def test_send_test_mails_one_address_and_leaves_the_ledger_alone(
    tmp_path: Path, both_backends_url: str
) -> None:
    url = both_backends_url
    seeded(tmp_path, url)
    server = ScriptedSMTP()
    config = write_config(tmp_path, url, server.port)
    with Running(server):
        result = digest(config, "send", "--test", "me@example.com")
        assert result.returncode == 0, result.stderr
        assert "to me@example.com; no subscriber's delivery changed" in result.stdout
        assert server.per_recipient() == {"me@example.com": 1}
        assert ledger(tmp_path, url) == {}
        bad = digest(config, "send", "--test", "not an address")
        assert bad.returncode == 1 and "not a valid email address" in bad.stderr
        everyone = digest(config, "send")
    assert "sent 2" in everyone.stdout
    assert server.per_recipient() == {"me@example.com": 1, **{a: 1 for a in READERS}}
