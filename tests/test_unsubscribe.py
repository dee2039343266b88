"""One-click unsubscribe against the running web app (a real server on 127.0.0.1), and the
subscriber commands: import with per-row errors, export, add with delivery settings. Every test
runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.config import Config
from digest.deliver import OutboxMailer, unsubscribe_token
from digest.pipeline import send_edition, signing_secret
from digest.render import Renderer
from digest.store import open_store
from digest.web import create_public_app
from tests.conftest import store_toml
from tests.live_app import LiveApp
from tests.test_delivery import DAY, seed_stories


@pytest.fixture
def database_url(both_backends_url: str) -> str:
    return both_backends_url


@pytest.fixture
def web(make_config: Callable[..., Config]) -> Iterator[tuple[str, Config]]:
    config = make_config(digest={"base_url": "http://127.0.0.1"})
    open_store(config).close()
    with LiveApp(create_public_app(config)) as live:
        yield live.url, config


def mail_to(config: Config, address: str) -> list[Path]:
    """The outbox files addressed to ``address`` (their names do not say: they hold no address)."""
    return [
        path
        for path in Path(config.mail.outbox).glob("*.eml")
        if f"To: {address}" in path.read_text(encoding="utf-8").splitlines()
    ]


def status_of(config: Config, email: str) -> str:
    store = open_store(config)
    try:
        return {s.email: s.status for s in store.list_subscribers()}[email]
    finally:
        store.close()


def test_get_confirms_and_changes_nothing_post_unsubscribes_once(
    web: tuple[str, Config],
) -> None:
    base, config = web
    store = open_store(config)
    subscriber, _ = store.add_subscriber("ada@example.com")
    token = unsubscribe_token(signing_secret(config, store), subscriber.id)
    store.close()
    url = f"{base}/unsubscribe/{token}"
    with httpx.Client() as client:
        page = client.get(url)
        assert page.status_code == 200 and '<form method="post"' in page.text
        assert "ada@example.com" in page.text
        assert status_of(config, "ada@example.com") == "active"  # a link scanner changes nothing
        # RFC 8058 one-click: a bare POST, no cookie, no CSRF token
        done = client.post(url, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "no more digests" in done.text
        assert status_of(config, "ada@example.com") == "unsubscribed"
        again = client.post(url, data={"List-Unsubscribe": "One-Click"})
        assert again.status_code == 200  # idempotent
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"),
        lambda t: "2" + t[t.index(".") :],
        lambda t: t.split(".")[0],
        lambda t: "garbage",
        lambda t: "²" + t[t.index(".") :],  # a Unicode digit: isdigit() says yes, int() no
        lambda t: "١" + t[t.index(".") :],
    ],
    ids=["signature", "other-subscriber", "no-signature", "garbage", "superscript", "arabic"],
)
def test_tampered_tokens_get_400_and_unsubscribe_nobody(
    web: tuple[str, Config], tamper: Callable[[str], str]
) -> None:
    base, config = web
    store = open_store(config)
    first, _ = store.add_subscriber("ada@example.com")
    store.add_subscriber("bob@example.com")
    token = unsubscribe_token(signing_secret(config, store), first.id)
    store.close()
    with httpx.Client() as client:
        for method in ("GET", "POST"):
            response = client.request(method, f"{base}/unsubscribe/{tamper(token)}")
            assert response.status_code == 400, method
    assert status_of(config, "ada@example.com") == "active"
    assert status_of(config, "bob@example.com") == "active"


def test_the_next_send_skips_who_unsubscribed_by_the_link_in_their_mail(
    web: tuple[str, Config],
) -> None:
    base, config = web
    store = open_store(config)
    seed_stories(store, "World")
    store.add_subscriber("ada@example.com")
    store.add_subscriber("bob@example.com")
    outbox = OutboxMailer(config.mail.outbox)
    send_edition(config, store, Renderer(), outbox, day=DAY)
    (ada,) = mail_to(config, "ada@example.com")
    header = next(
        line for line in ada.read_text().splitlines() if line.startswith("List-Unsubscribe:")
    )
    link = header.split("<", 1)[1].split(">", 1)[0]
    assert link.startswith("http://127.0.0.1/unsubscribe/")
    with httpx.Client() as client:
        assert client.post(base + link.removeprefix("http://127.0.0.1")).status_code == 200
    seed_stories(store, "Tech", start=5)
    report = send_edition(config, store, Renderer(), outbox, day=DAY.replace(day=3))
    assert report.sent == 1
    assert len(mail_to(config, "bob@example.com")) == 2
    assert len(mail_to(config, "ada@example.com")) == 1
    store.close()


def invoke(config: Config, *args: str, input: str | None = None) -> Any:
    path = Path(config.store.path).parent / "digest.toml"
    path.write_text(store_toml(config), encoding="utf-8")
    return CliRunner().invoke(cli, ["--config", str(path), *args], input=input)


def test_import_keeps_good_rows_and_names_each_bad_one(make_config: Callable[..., Config]) -> None:
    config = make_config()
    csv_text = (
        "email,name,timezone,hour,sections\n"
        'ada@example.com,Ada,Europe/London,7,"World,Tech"\n'
        "not-an-address,Bad,,,\n"
        "bob@example.com,Bob,Mars/Olympus,,\n"
        "cy@example.com,Cy,,25,\n"
        "dee@example.com,,,,\n"
        "ADA@example.com,Again,,,\n"
    )
    path = Path(config.store.path).parent / "people.csv"
    path.write_text(csv_text, encoding="utf-8")
    result = invoke(config, "subscribers", "import", str(path))
    assert result.exit_code == 2, result.output
    assert "line 3: 'not-an-address' is not a valid email address" in result.output
    assert "line 4:" in result.output and "Mars/Olympus" in result.output
    assert "line 5: hour '25'" in result.output
    assert "line 7: ADA@example.com is already on line 2" in result.output
    assert "2 added, 0 updated, 0 kept unsubscribed or bounced, 4 rows with errors" in result.output
    store = open_store(config)
    ada = {s.email: s for s in store.list_subscribers()}["ada@example.com"]
    assert (ada.name, ada.timezone, ada.hour, ada.sections) == (
        "Ada",
        "Europe/London",
        7,
        ("World", "Tech"),
    )
    store.close()


def test_import_never_resubscribes_and_export_reads_back(
    make_config: Callable[..., Config],
) -> None:
    config = make_config()
    store = open_store(config)
    store.add_subscriber("left@example.com")
    store.set_subscriber_status("left@example.com", "unsubscribed")
    store.close()
    rows = ["email,name"] + [f"reader{n}@example.com,Reader {n}" for n in range(10_000)]
    rows.append("left@example.com,Came Back")
    path = Path(config.store.path).parent / "big.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = invoke(config, "subscribers", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "10000 added, 0 updated, 1 kept unsubscribed or bounced, 0 rows" in result.output
    assert status_of(config, "left@example.com") == "unsubscribed"

    exported = invoke(config, "subscribers", "export")
    assert exported.exit_code == 0
    table = list(csv.DictReader(io.StringIO(exported.output)))
    assert len(table) == 10_001 and table[1]["name"] == "Reader 0"
    again = path.with_name("again.csv")
    again.write_text(exported.output, encoding="utf-8")
    reread = invoke(config, "subscribers", "import", str(again))
    assert "0 added, 10000 updated, 1 kept" in reread.output, reread.output


def test_add_with_delivery_settings_and_list_shows_them(make_config: Callable[..., Config]) -> None:
    config = make_config()
    result = invoke(
        config,
        "subscribers",
        "add",
        "ada@example.com",
        "--timezone",
        "Asia/Tokyo",
        "--hour",
        "6",
        "--sections",
        "World",
    )
    assert result.exit_code == 0, result.output
    listed = invoke(config, "subscribers", "list")
    assert "ada@example.com\tactive\t\tAsia/Tokyo 06:00\tWorld" in listed.output
    bad = invoke(config, "subscribers", "add", "ada@example.com", "--timezone", "Nowhere/Land")
    assert bad.exit_code != 0
