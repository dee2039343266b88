"""Hostile feeds come out inert: through gather, build and send to a real SMTP server.

A feed and an article page written to attack the reader carry <script>, javascript: links, onerror=
attributes and header-breaking CR/LF. Whatever survives extraction and summarising must reach the email
as text: escaped in the HTML part, on one line in the text part, and never in a header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import lxml.html

from digest.config import Config
from digest.deliver import SMTPMailer
from digest.demo import SiteServer
from digest.fetch import HttpFetcher
from digest.pipeline import build_edition, gather, send_edition
from digest.render import EditionView, Renderer, Story, group_sections
from digest.store import SQLiteStore
from digest.summarize import SummarizerSettings, load_summarizer
from tests.conftest import Inbox

HOSTILE_TITLE = (
    '<script>alert("title")</script> Reservoir <img src=x onerror="alert(1)"> '
    "levels fall\r\nBcc: victim@example.com\r\nX-Injected: yes"
)
HOSTILE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Reservoir levels fall</title></head>
<body><article>
<h1>Reservoir levels fall to a ten-year low after the dry autumn</h1>
<p>The Greyholm reservoir fell to 41 percent of capacity on Friday, the lowest level recorded
there in ten years, the water board said in its weekly bulletin to customers.</p>
<p>Engineers wrote &lt;script&gt;alert("body")&lt;/script&gt; on the bulletin as a test string,
and a second line read &lt;img src=x onerror=alert(2)&gt; before the board removed it.</p>
<p>The board asked households to avoid using hosepipes until the end of January and said that
a ban was not yet needed, although it would review the position every week.</p>
<p>Farmers near the reservoir said the dry weather had already cut their winter crop yields,
and that several wells on the eastern side of the valley had run dry in November.</p>
<p>Readers were told to visit <a href="javascript:alert(3)">the board's page</a> for updates,
which link the board later replaced with a telephone line staffed from eight in the morning.</p>
<p>Rain is forecast for the second week of December, but the board said it would take several
months of normal rainfall before the reservoir returned to its usual winter level.</p>
<script>alert("page")</script>
</article></body></html>
"""


def hostile_site(folder: Path) -> None:
    (folder / "reservoir.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    (folder / "feed.xml").write_text(
        f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>Valley Post&#13;&#10;Bcc: feed@example.com</title>
<link>__BASE__/</link>
<item>
  <title><![CDATA[{HOSTILE_TITLE}]]></title>
  <link>__BASE__/reservoir.html</link>
  <guid isPermaLink="false">tag:test,2026:reservoir</guid>
  <description><![CDATA[<p onclick="alert(4)">Levels fall</p><script>alert(5)</script>]]></description>
</item>
<item>
  <title>Pumping station &lt;script&gt;alert(8)&lt;/script&gt; moves to night hours&#13;&#10;Bcc: item@example.com</title>
  <link>javascript:alert(6)</link>
  <guid isPermaLink="false">tag:test,2026:jslink</guid>
  <description>&lt;a href="javascript:alert(7)"&gt;Read&lt;/a&gt; The pumping station at
  Greyholm will run at night only, to save power, from Monday until the end of the winter.
  The board said the change would not affect supply to homes or to the hospital.</description>
</item>
</channel></rss>""",
        encoding="utf-8",
    )


def assert_inert_html(html: str) -> None:
    """No script, no event handler, no link or image outside http(s)/mailto, no raw markup."""
    tree = lxml.html.document_fromstring(html)
    assert not tree.xpath("//script"), "a <script> element"
    assert not tree.xpath("//img"), "an image (images are off unless configured)"
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # comments (the Outlook conditional ones)
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"event handler {name}={value!r}"
            if name.lower() in ("href", "src", "action"):
                assert value == "#" or re.match(r"^(https?://|mailto:)", value), value
    assert "javascript:" not in html.lower()
    assert "<script" not in html.lower()
    assert "onerror=" not in re.sub(r"&lt;.*?&gt;", "", html)  # only inside escaped text


def test_hostile_feed_is_inert_in_html_text_and_headers(
    tmp_path: Path, smtp: Inbox, make_config: Callable[..., Config]
) -> None:
    # The lead backend: its bullets are the page's first statements, so the hostile markup in the
    # third one is sure to reach the edition (which sentences the extractive default picks is
    # that backend's business, not this test's).
    summarizer = load_summarizer(SummarizerSettings(backend="lead"))
    site = tmp_path / "site"
    site.mkdir()
    hostile_site(site)
    with SiteServer(site) as server:
        config = make_config(
            sources=[{"url": f"{server.base_url}/feed.xml"}],
            digest={"title": "Daily\r\nBcc: title@example.com"},
            mail={
                "backend": "smtp",
                "from": "Digest <digest@example.com>",
                "smtp": {"host": smtp.host, "port": smtp.port, "security": "none"},
            },
        )
        store = SQLiteStore(config.store.path)
        fetcher = HttpFetcher(user_agent="digest-tests", timeout=10, allow_private_addresses=True)
        try:
            report = gather(config, store, fetcher, lambda: summarizer)
        finally:
            fetcher.close()
    assert report.new_articles == 2, report

    # The attack reached the store as text: the test is not passing on an empty edition.
    edition, view = build_edition(config, store, Renderer())
    articles = store.edition_articles(edition.id)
    stored = " ".join(a.title + " " + a.text + " " + a.url for a in articles)
    assert "<script>" in stored and "onerror" in stored and "javascript:" in stored
    assert "\n" in stored or "Bcc:" in stored
    assert view.story_count == 2

    assert_inert_html(edition.html)
    assert "&lt;script&gt;" in edition.html
    for line in edition.text.splitlines():
        assert not line.startswith(("Bcc:", "X-Injected:")), line
    assert "javascript:" not in edition.text

    store.add_subscriber("ada@example.com", "Ada")
    mailer = SMTPMailer(host=smtp.host, port=smtp.port, security="none")
    sent = send_edition(config, store, Renderer(), mailer)
    mailer.close()
    store.close()
    assert (sent.sent, sent.failed) == (1, 0), sent.errors
    assert smtp.envelopes == [("digest@example.com", ["ada@example.com"])]
    (message,) = smtp.messages
    assert message["Bcc"] is None and message["X-Injected"] is None
    for name, value in message.items():
        assert "\r" not in str(value) and "\n" not in str(value), (name, value)
    assert "Bcc" not in {name for name, _ in message.items()}
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert_inert_html(html)
    assert "javascript:" not in text
    for line in text.splitlines():
        assert not line.startswith(("Bcc:", "X-Injected:")), line


def test_renderer_alone_keeps_every_hostile_field_inert() -> None:
    hostile = Story(
        title=HOSTILE_TITLE,
        url="javascript:alert(1)",
        sources=('<b onmouseover="x()">Feed</b>', "Wire\r\nBcc: x@example.com"),
        source_urls=("https://ok.example/a", " JAVASCRIPT:alert(2)"),
        section="<script>alert(3)</script>",
        published="Sat 08:00",
        reading_minutes=1,
        bullets=('<img src=x onerror="alert(4)">', "line one\nBcc: y@example.com"),
        image="javascript:alert(5)",
    )
    plain = Story(
        title="Calm",
        url="https://ok.example/calm",
        sources=("Feed",),
        section="News",
        published="",
        reading_minutes=1,
        bullets=(),
        excerpt='"><script>alert(6)</script>',
        image="data:image/png;base64,AAAA",
    )
    from datetime import date

    view = EditionView(
        title="Digest <i>",
        date=date(2026, 11, 28),
        sections=group_sections([hostile, plain]),
        archive_url="javascript:alert(7)",
        more_stories=2,
    )
    out = Renderer().render(view)
    assert_inert_html(out.html)
    assert "javascript:" not in out.text.lower()
    for line in out.text.splitlines():
        assert not line.startswith("Bcc:"), line
    assert "- line one Bcc: y@example.com" in out.text.splitlines()
