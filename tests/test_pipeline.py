"""End to end: a real site on 127.0.0.1, a real store (SQLite file, PostgreSQL), the real model, a real
SMTP server."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from digest.config import Config
from digest.deliver import OutboxMailer, SMTPMailer
from digest.demo import SiteServer
from digest.fetch import HttpFetcher
from digest.pipeline import build_edition, context_of, gather, publishers_words, send_edition
from digest.records import Article
from digest.render import Renderer
from digest.store import open_store
from tests.conftest import Inbox


@pytest.fixture
def database_url(both_backends_url: str) -> str:
    """Every test here runs on SQLite and on PostgreSQL."""
    return both_backends_url


def fetcher_for(config: Config) -> HttpFetcher:
    return HttpFetcher(
        user_agent="digest-tests",
        timeout=10,
        allow_private_addresses=config.fetch.allow_private_addresses,
    )


def run_gather(config: Config, summarizer: Any) -> Any:
    store, fetcher = open_store(config), fetcher_for(config)
    try:
        return gather(config, store, fetcher, lambda: summarizer)
    finally:
        fetcher.close()
        store.close()


def test_feed_to_received_email(
    site: SiteServer, smtp: Inbox, summarizer: Any, make_config: Callable[..., Config]
) -> None:
    config = make_config(
        sources=[{"url": f"{site.base_url}/feeds/world.xml", "name": "Harbour Herald"}],
        mail={
            "backend": "smtp",
            "from": "Test Digest <digest@example.com>",
            "smtp": {"host": smtp.host, "port": smtp.port, "security": "none"},
        },
    )
    report = run_gather(config, summarizer)
    assert report.sources_ok == 1 and report.new_articles == 4
    assert report.from_page == 4 and report.summarised == 4

    store = open_store(config)
    store.add_subscriber("ada@example.com", "Ada")
    store.add_subscriber("grace@example.com", "Grace")
    mailer = SMTPMailer(host=smtp.host, port=smtp.port, security="none")
    sent = send_edition(config, store, Renderer(), mailer)
    mailer.close()
    assert (sent.sent, sent.failed, sent.stories) == (2, 0, 4)
    assert sorted(rcpts[0] for _, rcpts in smtp.envelopes) == [
        "ada@example.com",
        "grace@example.com",
    ]

    message = smtp.messages[0]
    assert message.get_content_type() == "multipart/alternative"
    for header in ("From", "To", "Date", "Message-ID", "Subject"):
        assert message[header], header
    assert "digest@example.com" in message["From"]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    bullets = [line[2:] for line in text.splitlines() if line.startswith("- ")]
    # every story has an "In Short", and most more than one bullet (a bullet far from the
    # headline and the publisher's description, which the email shows, goes)
    assert text.count("In Short:") == 4 and len(bullets) >= 4 + 2, text
    for bullet in bullets:
        assert bullet in html.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&")
        assert len(bullet.split()) <= 25
    source_words = set(
        re.findall(r"\w+", " ".join(a.text for a in store.edition_articles(1)).lower())
    )
    for bullet in bullets:  # extractive bullets are made of the articles' own words
        words = re.findall(r"\w+", bullet.lower())
        assert sum(w in source_words for w in words) >= 0.9 * len(words), bullet

    # A second run gathers nothing new and sends nobody anything twice.
    again = run_gather(config, summarizer)
    assert again.new_articles == 0
    mailer = SMTPMailer(host=smtp.host, port=smtp.port, security="none")
    second = send_edition(config, store, Renderer(), mailer)
    mailer.close()
    assert (second.sent, second.skipped_already_sent) == (0, 2)
    assert len(smtp.messages) == 2
    store.close()


def test_a_broken_source_does_not_stop_the_run(
    site: SiteServer, summarizer: Any, make_config: Callable[..., Config]
) -> None:
    config = make_config(
        sources=[
            {"url": f"{site.base_url}/feeds/missing.xml"},
            {"url": f"{site.base_url}/index.html"},  # a home page: its feed is discovered
            {"url": f"{site.base_url}/articles/harbour-bridge.html"},  # not a feed: a page
        ]
    )
    report = run_gather(config, summarizer)
    assert report.sources_failed == 1 and report.sources_ok == 2
    assert "404" in report.errors[0]
    store = open_store(config)
    broken = store.list_sources()[0]
    assert (broken.status, broken.failures) == ("error", 1)
    assert "404" in broken.last_error
    assert report.new_articles == 4  # world.xml's four; the page itself is one of them


def test_unreachable_pages_fall_back_to_feed_text(
    tmp_path: Path, summarizer: Any, make_config: Callable[..., Config]
) -> None:
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    text = (
        "The river authority opened the new flood barrier at Crane Point on Tuesday. "
        "Engineers said the gates can close within nine minutes of a warning. "
    ) * 4
    (site_dir / "feed.xml").write_text(
        f"""<?xml version="1.0"?><rss version="2.0"><channel><title>River News</title>
        <item><title>Barrier opens</title><link>__BASE__/gone.html</link><guid>r1</guid>
        <description>{text}</description></item></channel></rss>""",
        encoding="utf-8",
    )
    with SiteServer(site_dir) as server:
        config = make_config(sources=[{"url": f"{server.base_url}/feed.xml"}])
        report = run_gather(config, summarizer)
    assert (report.new_articles, report.from_feed, report.summarised) == (1, 1, 1)
    article = open_store(config).get_article(1)
    assert article.text_origin == "feed" and "404" in article.note


def test_outbox_delivery_writes_one_eml_per_subscriber(
    site: SiteServer, summarizer: Any, make_config: Callable[..., Config]
) -> None:
    config = make_config(sources=[{"url": f"{site.base_url}/feeds/briefs.json"}])
    run_gather(config, summarizer)
    store = open_store(config)
    store.add_subscriber("ada@example.com")
    report = send_edition(config, store, Renderer(), OutboxMailer(config.mail.outbox))
    assert report.sent == 1
    (eml,) = Path(config.mail.outbox).glob("*.eml")
    assert b"multipart/alternative" in eml.read_bytes()
    assert send_edition(config, store, Renderer(), OutboxMailer(config.mail.outbox)).sent == 0


CAROLS_PAGE = """<!doctype html><html><head><title>Harbour Ferries cancels every winter sailing</title>
<meta property="og:title" content="Harbour Ferries cancels every winter sailing to Skerrow Island">
<meta property="og:description" content="Harbour Ferries has cancelled every winter sailing to
Skerrow Island, leaving islanders without a ...">
</head><body><article><h1>Harbour Ferries cancels every winter sailing to Skerrow Island</h1>
<p>A brass band played carols outside the village church on Sunday evening.</p>
<p>I was there with my family and my neighbours, and we sang along until it was dark.</p>
<p>I have never seen the village so full, and we all walked home together after the last
carol.</p>
<p>We will remember that evening for a long time, whatever the winter brings us now.</p>
</article></body></html>"""


@pytest.mark.parametrize("numbered", [False, True])
def test_an_article_with_no_bullet_about_its_headline_shows_the_publishers_words(
    tmp_path: Path, summarizer: Any, make_config: Callable[..., Config], numbered: bool
) -> None:
    # Its one sentence that could be a bullet is colour under a headline about the ferries (and
    # the site cut its description, so that is no bullet either): the operator is told, and the
    # email shows the publisher's description, marked as theirs; not when it gives a number the
    # article does not.
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    page = (
        CAROLS_PAGE.replace("leaving islanders", "leaving 900 islanders")
        if numbered
        else CAROLS_PAGE
    )
    (site_dir / "carols.html").write_text(page, encoding="utf-8")
    (site_dir / "feed.xml").write_text(
        """<?xml version="1.0"?><rss version="2.0"><channel><title>Island News</title>
        <item><title>Harbour Ferries cancels every winter sailing to Skerrow Island</title>
        <link>__BASE__/carols.html</link><guid>c1</guid></item></channel></rss>""",
        encoding="utf-8",
    )
    with SiteServer(site_dir) as server:
        config = make_config(sources=[{"url": f"{server.base_url}/feed.xml"}])
        report = run_gather(config, summarizer)
    assert (report.new_articles, report.summarised, report.not_summarised) == (1, 0, 1)
    assert "no sentence could stand as a bullet" in report.unsummarised[0]
    store = open_store(config)
    assert store.get_article(1).note.startswith("not summarised: no sentence could stand")
    _, view = build_edition(config, store, Renderer())
    [story] = view.stories
    assert story.bullets == ()
    if numbered:
        assert story.excerpt == ""
    else:
        assert story.excerpt_label == "From the publisher"
        assert story.excerpt.startswith("Harbour Ferries has cancelled every winter sailing")
    store.close()


PIER_PAGE = """<!doctype html><html><head><title>Skerrow pier closes for the winter</title>
<meta property="og:description" content="__DECK__">
</head><body><article><h1>Skerrow pier closes for the winter</h1>
<p>The Skerrow harbour board closed the island's main pier on Monday after a storm damaged its
concrete piles.</p>
<p>Ferries will use the old north slipway at Skerrow until the repairs are finished in the
spring.</p>
<p>Harbour master Ines Darrow said the board would meet on Friday to agree how to pay for the
work.</p>
<p>The pier was last rebuilt in 1990, when the island council bought it from the ferry company.</p>
</article></body></html>"""


@pytest.mark.parametrize(
    "deck",
    [
        "The harbour board says the repairs will cost the island four million pounds.",
        # a repeat of the bullet it would sit above: not shown twice
        "The Skerrow harbour board closed the island's main pier on Monday after a storm "
        "damaged its concrete piles.",
    ],
)
def test_a_story_with_bullets_shows_the_publishers_description_above_them_unless_a_repeat(
    tmp_path: Path, summarizer: Any, make_config: Callable[..., Config], deck: str
) -> None:
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "pier.html").write_text(PIER_PAGE.replace("__DECK__", deck), encoding="utf-8")
    (site_dir / "feed.xml").write_text(
        """<?xml version="1.0"?><rss version="2.0"><channel><title>Island News</title>
        <item><title>Skerrow pier closes for the winter</title>
        <link>__BASE__/pier.html</link><guid>p1</guid></item></channel></rss>""",
        encoding="utf-8",
    )
    with SiteServer(site_dir) as server:
        config = make_config(sources=[{"url": f"{server.base_url}/feed.xml"}])
        report = run_gather(config, summarizer)
    assert (report.new_articles, report.summarised) == (1, 1)
    store = open_store(config)
    rendered, view = build_edition(config, store, Renderer())
    [story] = view.stories
    assert any("closed the island's main pier" in b for b in story.bullets), story.bullets
    if "four million" in deck:
        assert not any("four million" in b for b in story.bullets), story.bullets
        assert (story.excerpt_label, story.excerpt) == ("From the publisher", deck)
        # the standfirst comes first, under the headline, in both parts of the email
        for part in (rendered.html, rendered.text):
            assert (
                part.index("From the publisher") < part.index("In Short") < part.index("main pier")
            ), part
    else:
        assert (story.excerpt_label, story.excerpt) == ("", "")
    store.close()


def test_a_byline_or_a_prompt_is_no_description_to_show() -> None:
    told = "Harbour Ferries has cancelled every winter sailing to Skerrow Island."
    feed = "Islanders will wait until April for a boat, the island council said on Monday."
    assert publishers_words(told, feed) == told
    for junk in (
        "Written by the HLNF Staff Report desk",
        "Visit the post for more on this story.",
        "By Ines Darrow, Skerrow harbour correspondent",
        "Click here to see all the Skerrow photos",
        "Read more about the Skerrow ferries here",
        "Continue reading the main story on Skerrow News",
    ):
        assert publishers_words(junk, feed) == feed, junk
        assert publishers_words(junk, "") == ""
    assert publishers_words("Ferries cancelled.", "") == ""  # too short to say anything
    # a fact box, however long: a byline label or a web address
    for box in (
        "Tested by: Ines Darrow Price: 12 pounds More info: the Skerrow harbour office, open daily",
        "The Skerrow ferry timetable for the winter months is at www.skerrow-ferries.example now",
        "See the Skerrow ferry timetable for the winter at https://skerrow-ferries.example today",
    ):
        assert publishers_words(box, feed) == feed, box
    # a long description may end on a prompt and still describe the piece
    long = told + " Islanders must now wait for spring. Read more."
    assert publishers_words(long, feed) == long


def test_a_description_whose_numbers_the_article_lacks_is_not_shown() -> None:
    article = "Skerrow Rovers beat Castlegate 3-0 on Saturday. The crowd was 4,100."
    feed = "Skerrow Rovers won at home on Saturday in front of a full stand."
    assert (
        publishers_words("Skerrow Rovers beat Castlegate 2-0 on Saturday.", feed, article) == feed
    )
    kept = "Skerrow Rovers beat Castlegate 3-0 before 4,100 fans on Saturday."
    assert publishers_words(kept, feed, article) == kept
    # with no article text (the page gave none) there is nothing to check against
    unchecked = "Skerrow Rovers beat Castlegate 2-0 on Saturday."
    assert publishers_words(unchecked, feed, "") == unchecked


def test_a_short_feed_summary_is_the_description_when_the_page_gives_none() -> None:
    summary = "Harbour Ferries has cancelled every winter sailing to Skerrow Island."
    page = Article(
        id=1, source_id=1, source_name="Island News", section="", guid="g1",
        url="http://127.0.0.1/ferries.html", title="Winter ferries cancelled", author="",
        published_at="", first_seen_at="", feed_text=summary, text="The article's own text.",
        text_origin="page", note="", content_hash="", language="en", image="",
        publisher_summary=(), edition_id=None,
    )  # fmt: skip
    assert context_of(page).description == summary
    # the page's own description wins; a feed whose text is the article gives none
    assert context_of(replace(page, description="The page's own.")).description == "The page's own."
    assert context_of(replace(page, text_origin="feed")).description == ""
    whole = " ".join(["The ferries stopped."] * 21)  # 63 words: the article, not a summary
    assert context_of(replace(page, feed_text=whole)).description == ""
