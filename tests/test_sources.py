from __future__ import annotations

import pytest

from digest.errors import FeedError
from digest.sources import discover_feeds, html_to_text, normalize_url, read_feed

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Valley Courier</title>
<item><title>Library reopens after flood repairs</title>
<link>https://courier.example/library?utm_source=rss</link>
<guid isPermaLink="false">courier-1</guid>
<pubDate>Fri, 27 Nov 2026 08:00:00 GMT</pubDate>
<description>&lt;p&gt;The town library opened its doors again on Friday.&lt;/p&gt;</description>
</item>
<item><title>Second item</title><link>/relative/path</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Lab Notes</title>
<entry><id>tag:lab.example,2026:42</id><title>Probe lands</title>
<link rel="alternate" href="https://lab.example/probe"/>
<updated>2026-11-26T10:00:00Z</updated><summary>The probe touched down.</summary>
<author><name>R. Okafor</name></author></entry></feed>"""

JSON_FEED = b"""{"version": "https://jsonfeed.org/version/1.1", "title": "Briefs",
 "items": [{"id": "b1", "url": "https://briefs.example/1", "title": "Tram line extended",
 "content_text": "Two new stops open next week.", "date_published": "2026-11-27T06:30:00Z",
 "authors": [{"name": "Desk"}]}]}"""


def test_rss_items() -> None:
    title, items = read_feed(RSS, "https://courier.example/feed.xml")
    assert title == "Valley Courier"
    first, second = items
    assert first.guid == "courier-1"
    assert first.url_norm == "https://courier.example/library"  # tracking parameter dropped
    assert first.feed_text == "The town library opened its doors again on Friday."
    assert first.published_at == "2026-11-27T08:00:00+00:00"
    assert second.url == "https://courier.example/relative/path"


def test_atom_and_json_feed_items() -> None:
    _, (entry,) = read_feed(ATOM, "https://lab.example/atom")
    assert (entry.guid, entry.url, entry.author) == (
        "tag:lab.example,2026:42",
        "https://lab.example/probe",
        "R. Okafor",
    )
    title, (brief,) = read_feed(
        JSON_FEED, "https://briefs.example/feed.json", "application/feed+json"
    )
    assert title == "Briefs"
    assert (brief.guid, brief.title, brief.author) == ("b1", "Tram line extended", "Desk")
    assert brief.published_at == "2026-11-27T06:30:00+00:00"


@pytest.mark.parametrize(
    "body", [b"", b"<html><body>hello</body></html>", b"{not json", b"\x00\x01"]
)
def test_non_feeds_are_a_feed_error(body: bytes) -> None:
    with pytest.raises(FeedError):
        read_feed(body, "https://x.example/feed")


def test_feed_discovery() -> None:
    page = b"""<html><head>
    <link rel="alternate" type="application/rss+xml" href="/rss.xml">
    <link rel="alternate" type="application/atom+xml" href="https://x.example/atom">
    <link rel="alternate" type="application/rss+xml" href="/comments/feed">
    <link rel="stylesheet" href="/a.css"></head></html>"""
    assert discover_feeds(page, "https://x.example/") == [
        "https://x.example/rss.xml",
        "https://x.example/atom",
    ]


def test_normalize_url() -> None:
    assert normalize_url("HTTPS://News.Example:443/a?b=2&utm_medium=x&a=1#top") == (
        "https://news.example/a?a=1&b=2"
    )
    assert normalize_url("http://news.example:8080") == "http://news.example:8080/"


def test_html_to_text_keeps_paragraphs() -> None:
    assert html_to_text("<p>One <b>two</b>.</p><p>Three.</p><script>x()</script>") == (
        "One two.\nThree."
    )


def test_an_item_that_is_only_a_description_is_kept() -> None:
    feed = b"""<rss version="2.0"><channel><title>Pier Log</title>
    <item><description>Gulls took the last of the chips from the pier at noon. More later.
    </description></item><item><description>Gulls took the last of the chips from the pier at
    noon. More later.</description></item></channel></rss>"""
    _, items = read_feed(feed, "https://pier.example/rss")
    assert len(items) == 2 and items[0].guid == items[1].guid  # same text, same identity
    assert items[0].guid.startswith("text:") and items[0].url == ""
    assert items[0].title == "Gulls took the last of the chips from the pier at noon."
