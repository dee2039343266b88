"""The two web apps over a real gathered database: the operator's live preview, and the public app
(archive, Atom feed, unsubscribe), which must hold none of the preview's routes. What they read
and must not write is in SQLite, then in PostgreSQL; the tests of host names, passwords and
request sizes run on SQLite only."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import feedparser
import httpx
import lxml.etree
import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.config import Config
from digest.deliver import unsubscribe_token
from digest.pipeline import build_edition, signing_secret
from digest.store import open_store
from digest.web import create_preview_app, create_public_app, make_renderer
from tests.conftest import store_toml
from tests.live_app import LiveApp, dump_store

ATOM = "{http://www.w3.org/2005/Atom}"


SQLITE_ONLY = pytest.mark.parametrize("database_url", [""], ids=["sqlite"])


@pytest.fixture
def database_url(both_backends_url: str) -> str:
    return both_backends_url


@pytest.fixture
def client(demo_config: Config) -> Any:
    return create_preview_app(demo_config).test_client()


def test_preview_page_shows_both_parts_size_and_subscribers(
    demo_config: Config, client: Any
) -> None:
    store = open_store(demo_config)
    store.add_subscriber("ada@example.com", "Ada")
    store.close()
    page = client.get("/preview").get_data(as_text=True)
    assert "KB of HTML (limit 100 KB)" in page and "8 of 8 stories" in page
    assert '<iframe id="email"' in page and 'src="/preview/html?subscriber="' in page
    assert '<option value="ada@example.com">ada@example.com</option>' in page
    assert "In Short:" in page  # the text part, escaped into a <pre>
    assert client.get("/").get_data(as_text=True) == page

    html = client.get("/preview/html").get_data(as_text=True)
    text = client.get("/preview/text").get_data(as_text=True)
    assert "Storm Corvina" in html and "Storm Corvina" in text
    assert "ada@example.com" not in html

    mine = client.get("/preview/html?subscriber=ADA@example.com").get_data(as_text=True)
    assert "at ada@example.com" in mine and ">Unsubscribe</a>" in mine
    assert "Unsubscribe: " in client.get("/preview/text?subscriber=ada@example.com").get_data(
        as_text=True
    )
    picked = client.get("/preview?subscriber=ada@example.com").get_data(as_text=True)
    assert '<option value="ada@example.com" selected>' in picked


@SQLITE_ONLY
def test_preview_warns_when_the_email_is_cut(demo_config: Config) -> None:
    config = replace(demo_config, digest=replace(demo_config.digest, max_html_bytes=12_000))
    client = create_preview_app(config).test_client()
    page = client.get("/preview").get_data(as_text=True)
    assert 'id="warning"' in page and "over the size limit" in page
    html = client.get("/preview/html").get_data(as_text=True)
    assert len(html.encode()) <= 12_000
    assert "more stories in the full edition" in html
    assert 'href="https://digest.example/editions/' in html


@SQLITE_ONLY
def test_version_changes_when_a_template_changes(demo_config: Config, tmp_path: Path) -> None:
    mine = tmp_path / "templates"
    mine.mkdir()
    config = replace(demo_config, digest=replace(demo_config.digest, template_dir=str(mine)))
    client = create_preview_app(config).test_client()
    before = client.get("/preview/version").get_json()["version"]
    assert client.get("/preview/version").get_json()["version"] == before
    (mine / "digest.txt").write_text("MINE\n", encoding="utf-8")
    added = client.get("/preview/version").get_json()["version"]
    assert added != before
    later = time.time() + 5
    os.utime(mine / "digest.txt", (later, later))
    assert client.get("/preview/version").get_json()["version"] != added
    assert client.get("/preview/text").get_data(as_text=True) == "MINE\n"


def test_archive_lists_editions_and_serves_the_whole_one(demo_config: Config) -> None:
    store = open_store(demo_config)
    small = replace(demo_config, digest=replace(demo_config.digest, max_html_bytes=12_000))
    edition, shown = build_edition(small, store, make_renderer(small))
    store.close()
    assert shown.more_stories > 0  # the email left stories out...
    client = create_public_app(small).test_client()
    listing = client.get("/editions/").get_data(as_text=True)
    assert f'href="/editions/{edition.date}"' in listing and "8 stories" in listing
    assert client.get("/editions").status_code == 301
    whole = client.get(f"/editions/{edition.date}").get_data(as_text=True)
    assert whole.count('class="story-title"') == 8  # ...the archive has them all
    assert "more stories in the full edition" not in whole
    text = client.get(f"/editions/{edition.date}.txt")
    assert text.mimetype == "text/plain" and "In Short:" in text.get_data(as_text=True)
    assert client.get("/editions/2001-01-01").status_code == 404
    assert client.get("/editions/not-a-date").status_code == 404


def test_atom_feed_of_editions_is_valid_and_escaped(demo_config: Config) -> None:
    config = replace(demo_config, digest=replace(demo_config.digest, title='News & <b>"Views"</b>'))
    store = open_store(config)
    edition, _ = build_edition(config, store, make_renderer(config))
    store.close()
    response = create_public_app(config).test_client().get("/editions.atom")
    assert response.mimetype == "application/atom+xml"
    body = response.get_data()
    root = lxml.etree.fromstring(body)  # well-formed XML, or this raises
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None, required
    (entry,) = root.findall(f"{ATOM}entry")
    for required in ("id", "title", "updated", "link", "content"):
        assert entry.find(f"{ATOM}{required}") is not None, required
    assert root.findtext(f"{ATOM}title") == 'News & <b>"Views"</b>'
    assert entry.findtext(f"{ATOM}id") == f"https://digest.example/editions/{edition.date}"
    content = entry.find(f"{ATOM}content")
    assert content is not None and content.get("type") == "html"
    assert "Storm Corvina" in (content.text or "") and "<table" in (content.text or "")
    assert "preheader" not in (content.text or "")
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.entries[0].link == f"https://digest.example/editions/{edition.date}"


def test_a_subscribers_preview_is_what_they_are_sent_with_a_sample_link(
    demo_config: Config, client: Any
) -> None:
    from digest.deliver import unsubscribe_token
    from digest.pipeline import signing_secret

    store = open_store(demo_config)
    grace, _ = store.add_subscriber("grace@example.com", sections=["Morning Briefs"])
    real = unsubscribe_token(signing_secret(demo_config, store), grace.id)
    mine = client.get("/preview/html?subscriber=grace@example.com").get_data(as_text=True)
    everyone = client.get("/preview/html").get_data(as_text=True)
    assert "Ellery Rovers" in mine and "Ellery Rovers" in everyone  # a Morning Briefs story
    assert "Storm Corvina" in everyone and "Storm Corvina" not in mine  # another source's
    # The preview never renders a subscriber's real token: a sample link stands in for it.
    assert 'href="https://digest.example/unsubscribe/sample-token"' in mine
    text = client.get("/preview/text?subscriber=grace@example.com").get_data(as_text=True)
    assert "Unsubscribe: https://digest.example/unsubscribe/sample-token" in text
    for body in (mine, text, client.get("/?subscriber=grace@example.com").get_data(as_text=True)):
        assert real not in body and real.partition(".")[2] not in body


PREVIEW_PATHS = [
    "/",
    "/preview",
    "/preview/html",
    "/preview/text",
    "/text",
    "/preview/version",
    "/?subscriber=ada@example.com",
    "/preview?subscriber=ada@example.com",
    "/preview/html?subscriber=ada@example.com",
    "/preview/text?subscriber=ada@example.com",
    "/text?subscriber=ada@example.com",
]


def start_cli_server(config_path: Path, command: list[str], port: int) -> subprocess.Popen[str]:
    """`digest --config PATH COMMAND` as a real process, once it accepts connections."""
    process = subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(config_path), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the server exited: {process.stdout.read() if process.stdout else ''}"
            )
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not start")


def stop_cli_server(process: subprocess.Popen[str]) -> str:
    """Stop it (SIGINT, as Ctrl-C) and return what it printed."""
    process.send_signal(signal.SIGINT)
    try:
        out, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out


def write_config(demo_config: Config, port: int, **web: Any) -> Path:
    """A digest.toml over the demo database, its web app on ``port``."""
    path = Path(demo_config.store.path).parent / "digest.toml"
    extra = "".join(f"{key} = {json.dumps(value)}\n" for key, value in web.items())
    path.write_text(
        f"{store_toml(demo_config)}"
        '[digest]\nbase_url = "https://digest.example"\nmax_age_hours = 100000\n'
        'preview = "preview.html"\n'
        f"[web]\nport = {port}\n{extra}",
        encoding="utf-8",
    )
    return path


def test_the_public_app_has_no_preview_and_shows_no_address(demo_config: Config) -> None:
    """`digest serve`, a real process: every preview route is a 404 that names nobody."""
    from tests.conftest import free_port

    store = open_store(demo_config)
    store.add_subscriber("ada@example.com", "Ada Lovelace", sections=["World & Local"])
    build_edition(demo_config, store, make_renderer(demo_config))
    store.close()
    store = open_store(demo_config)
    token = unsubscribe_token(signing_secret(demo_config, store), 1)
    store.close()
    port = free_port()
    process = start_cli_server(write_config(demo_config, port), ["serve"], port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for path in PREVIEW_PATHS:
                response = client.get(path)
                assert response.status_code == 404, path
                assert "ada@example.com" not in response.text and "Lovelace" not in response.text
            archive = client.get("/editions/")  # the public routes are still there
            assert archive.status_code == 200 and "ada@example.com" not in archive.text
            assert client.get(f"/unsubscribe/{token}").status_code == 200
    finally:
        out = stop_cli_server(process)
    assert "unsubscribe and preferences links, the archive" in out and "Traceback" not in out
    assert token not in out and token.partition(".")[2] not in out  # no token in any log


def test_no_get_of_either_app_changes_the_database(demo_config: Config) -> None:
    """The config's zone is a day ahead of the subscriber's: a preview that claimed today's
    stories for its edition would leave the subscriber's own edition empty."""
    config = replace(demo_config, digest=replace(demo_config.digest, timezone="Pacific/Kiritimati"))
    store = open_store(config)
    store.add_subscriber("ada@example.com", timezone="Pacific/Pago_Pago")
    store.close()
    before = dump_store(config)
    assert 'INSERT INTO "secrets"' not in before and 'INSERT INTO "editions"' not in before
    with (
        LiveApp(create_preview_app(config)) as preview,
        LiveApp(create_public_app(config)) as public,
    ):
        with httpx.Client() as client:
            for path in [*PREVIEW_PATHS, "/editions/", "/editions.atom"]:
                assert client.get(preview.url + path).status_code == 200, path
            for path in ["/unsubscribe/1.AAAA", "/editions/", "/editions.atom"]:
                assert client.get(public.url + path).status_code in (200, 400), path
    runner = CliRunner()
    config_path = write_config(config, 0)
    assert runner.invoke(cli, ["--config", str(config_path), "preview"]).exit_code == 0
    assert dump_store(config) == before


@pytest.mark.parametrize(
    "host", ["rebind.attacker.example", "rebind.attacker.example:8080", "[::2]"]
)
@SQLITE_ONLY
def test_both_apps_refuse_a_host_name_they_do_not_know(demo_config: Config, host: str) -> None:
    """DNS rebinding: a page on an attacker's name that resolves to 127.0.0.1 sends its Host."""
    with (
        LiveApp(create_preview_app(demo_config)) as preview,
        LiveApp(create_public_app(demo_config)) as public,
    ):
        with httpx.Client() as client:
            for live, path in ((preview, "/preview"), (public, "/editions/")):
                refused = client.get(live.url + path, headers={"Host": host})
                assert refused.status_code == 400 and "Storm Corvina" not in refused.text
                for known in ("digest.example", "localhost:8080", "127.0.0.1", "[::1]:80"):
                    assert client.get(live.url + path, headers={"Host": known}).status_code == 200


def test_the_preview_app_works_on_a_real_server_and_caches_nothing(demo_config: Config) -> None:
    store = open_store(demo_config)
    store.add_subscriber("ada@example.com", "Ada")
    store.close()
    with LiveApp(create_preview_app(demo_config)) as live, httpx.Client() as client:
        page = client.get(f"{live.url}/preview?subscriber=ada@example.com")
        assert page.status_code == 200 and "Storm Corvina" in page.text
        assert '<option value="ada@example.com" selected>' in page.text
        assert page.headers["cache-control"] == "no-store"
        text = client.get(f"{live.url}/preview/text?subscriber=ada@example.com")
        assert text.status_code == 200 and "/unsubscribe/sample-token" in text.text
        assert client.get(f"{live.url}/preview/version").json()["version"]
        assert client.get(f"{live.url}/editions/").status_code == 200


@SQLITE_ONLY
def test_the_preview_refuses_to_listen_beyond_loopback_without_a_password(
    demo_config: Config,
) -> None:
    from tests.conftest import free_port

    path = write_config(demo_config, free_port(), preview_host="0.0.0.0")
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_PREVIEW_PASSWORD"}
    done = subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(path), "preview", "--serve"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1
    assert "the preview would listen on 0.0.0.0" in done.stderr
    assert "DIGEST_PREVIEW_PASSWORD" in done.stderr and "Traceback" not in done.stderr


@SQLITE_ONLY
def test_a_preview_with_a_password_asks_for_it(demo_config: Config) -> None:
    with LiveApp(create_preview_app(demo_config, password="wide open sesame")) as live:
        with httpx.Client() as client:
            refused = client.get(f"{live.url}/preview")
            assert refused.status_code == 401 and "Basic" in refused.headers["www-authenticate"]
            assert "Storm Corvina" not in refused.text
            wrong = client.get(f"{live.url}/preview", auth=("admin", "wide open"))
            assert wrong.status_code == 401
            right = client.get(f"{live.url}/preview", auth=("admin", "wide open sesame"))
            assert right.status_code == 200 and "Storm Corvina" in right.text


@SQLITE_ONLY
def test_the_public_server_bounds_what_one_request_may_send(demo_config: Config) -> None:
    from digest.web import MAX_BODY_BYTES, MAX_HEADER_BYTES

    with LiveApp(create_public_app(demo_config)) as live, httpx.Client() as client:
        ok = client.get(f"{live.url}/editions/")
        assert ok.status_code == 200 and ok.headers["server"] == "digest"  # waitress, not werkzeug
        big = client.post(f"{live.url}/unsubscribe/1.x", content=b"x" * (MAX_BODY_BYTES + 1))
        assert big.status_code == 413
        long_header = {"X-Padding": "y" * (MAX_HEADER_BYTES + 1)}
        assert client.get(f"{live.url}/editions/", headers=long_header).status_code == 431
