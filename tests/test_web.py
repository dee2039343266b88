"""The web app: the live preview, the archive and its Atom feed, over a real gathered database."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import feedparser
import lxml.etree
import pytest

from digest.config import Config
from digest.pipeline import build_edition
from digest.store import SQLiteStore
from digest.web import create_app, make_renderer

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def client(demo_config: Config) -> Any:
    return create_app(demo_config).test_client()


def test_preview_page_shows_both_parts_size_and_subscribers(
    demo_config: Config, client: Any
) -> None:
    SQLiteStore(demo_config.store.path).add_subscriber("ada@example.com", "Ada")
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


def test_preview_warns_when_the_email_is_cut(demo_config: Config) -> None:
    config = replace(demo_config, digest=replace(demo_config.digest, max_html_bytes=12_000))
    client = create_app(config).test_client()
    page = client.get("/preview").get_data(as_text=True)
    assert 'id="warning"' in page and "over the size limit" in page
    html = client.get("/preview/html").get_data(as_text=True)
    assert len(html.encode()) <= 12_000
    assert "more stories in the full edition" in html
    assert 'href="https://digest.example/editions/' in html


def test_version_changes_when_a_template_changes(demo_config: Config, tmp_path: Path) -> None:
    mine = tmp_path / "templates"
    mine.mkdir()
    config = replace(demo_config, digest=replace(demo_config.digest, template_dir=str(mine)))
    client = create_app(config).test_client()
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
    store = SQLiteStore(demo_config.store.path)
    small = replace(demo_config, digest=replace(demo_config.digest, max_html_bytes=12_000))
    edition, shown = build_edition(small, store, make_renderer(small))
    store.close()
    assert shown.more_stories > 0  # the email left stories out...
    client = create_app(small).test_client()
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
    store = SQLiteStore(config.store.path)
    edition, _ = build_edition(config, store, make_renderer(config))
    store.close()
    response = create_app(config).test_client().get("/editions.atom")
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


def test_a_subscribers_preview_is_what_they_are_sent(demo_config: Config, client: Any) -> None:
    import re

    from digest.deliver import read_unsubscribe_token
    from digest.pipeline import signing_secret

    store = SQLiteStore(demo_config.store.path)
    grace, _ = store.add_subscriber("grace@example.com", sections=["Morning Briefs"])
    mine = client.get("/preview/html?subscriber=grace@example.com").get_data(as_text=True)
    everyone = client.get("/preview/html").get_data(as_text=True)
    assert "Ellery Rovers" in mine and "Ellery Rovers" in everyone  # a Morning Briefs story
    assert "Storm Corvina" in everyone and "Storm Corvina" not in mine  # another source's
    link = re.search(r'href="[^"]*/unsubscribe/([^"]+)"', mine)
    assert link is not None
    assert read_unsubscribe_token(signing_secret(demo_config, store), link.group(1)) == grace.id
