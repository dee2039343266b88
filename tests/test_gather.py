"""gather() against a real HTTP server on 127.0.0.1 and a real SQLite file: what is new, what waits.

The feeds and pages here are written for these tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.config import Config
from digest.fetch import HttpFetcher, Response
from digest.pipeline import GatherReport, gather
from digest.sources import read_feed
from digest.store import SQLiteStore, Store, open_store
from tests.conftest import store_toml
from tests.scripted_server import Reply, ScriptedServer

Gather = Callable[..., GatherReport]

STORY = (
    "The ferry between Kessel Point and the northern islands will run twice as often from "
    "Monday, the harbour board said, after a winter in which queues stretched past the fish "
    "market on most mornings. Two chartered boats join the route until the new vessel is ready. "
    "Fares stay the same, and season tickets bought before the change remain valid."
)


def rss(items: list[tuple[str, str, str]], title: str = "Harbour Gazette") -> bytes:
    """An RSS 2.0 feed of (guid, link, title) items, newest first, one hour apart."""
    start = datetime(2026, 11, 27, 12, tzinfo=UTC)
    entries = "".join(
        f"<item><guid>{guid}</guid><link>{link}</link><title>{headline}</title>"
        f"<pubDate>{(start - timedelta(hours=n)).strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate>"
        f"<description>Report number {n} on {headline.lower()}.</description></item>"
        for n, (guid, link, headline) in enumerate(items)
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{title}"
        f"</title>{entries}</channel></rss>"
    ).encode()


def article_page(headline: str, text: str = STORY) -> bytes:
    paragraphs = "".join(f"<p>{sentence}.</p>" for sentence in text.split(". ") if sentence)
    return (
        f"<html><head><title>{headline}</title></head><body><nav>Home | Sport | Weather</nav>"
        f"<article><h1>{headline}</h1>{paragraphs}</article>"
        "<footer>Contact us</footer></body></html>"
    ).encode()


class QuietSummarizer:
    """Says nothing: these tests are about gathering."""

    name = model_id = cache_key = "quiet"

    def summarize(
        self, texts: list[str], titles: list[str], contexts: list[Any] | None = None
    ) -> list[list[str]]:
        return [[] for _ in texts]


@pytest.fixture
def database_url(both_backends_url: str) -> str:
    """Every gather here stores into SQLite, then into PostgreSQL."""
    return both_backends_url


@pytest.fixture
def run(make_config: Callable[..., Config]) -> Iterator[Callable[..., Any]]:
    """run(sources, store_class=..., **[fetch] keys) -> (report, store): one gather, new fetcher;
    the store the config names, or a ``store_class`` on its SQLite file."""
    stores: list[Store] = []

    def gather_once(
        sources: list[str], store_class: type[SQLiteStore] | None = None, **fetch: Any
    ) -> tuple[GatherReport, Store]:
        config = make_config(
            sources=[{"url": url} for url in sources], fetch={"timeout": 2.0, **fetch}
        )
        store = store_class(config.store.path) if store_class else open_store(config)
        stores.append(store)
        fetcher = HttpFetcher(
            user_agent="digest-tests",
            timeout=config.fetch.timeout,
            max_bytes=config.fetch.max_bytes,
            allow_private_addresses=True,
        )
        try:
            return gather(config, store, fetcher, QuietSummarizer), store
        finally:
            fetcher.close()

    yield gather_once
    for store in stores:
        store.close()


def test_a_feed_that_republishes_with_new_guids_repeats_nothing(
    server: ScriptedServer, run: Callable[..., Any]
) -> None:
    first = [(f"g{n}", server.url(f"/story/{n}"), f"Story {n}") for n in range(3)]
    churned = [  # same stories, new GUIDs, tracking parameters on the links
        (f"new-{guid}", f"{link}?utm_source=rss&fbclid=x", headline)
        for guid, link, headline in first
    ]
    retitled = [(f"again-{n}", server.url(f"/moved/{n}"), f"Story {n}") for n in range(3)]
    server.route(
        "/feed.xml", [Reply(body=rss(first)), Reply(body=rss(churned)), Reply(body=rss(retitled))]
    )
    report, _ = run([server.url("/feed.xml")])
    assert report.new_articles == 3
    again, _ = run([server.url("/feed.xml")])  # caught by the normalised URL
    assert again.new_articles == 0
    third, store = run([server.url("/feed.xml")])  # new URLs too: caught by title and summary
    assert third.new_articles == 0
    assert store.count_articles(1) == 3


def test_a_new_feed_brings_only_its_newest_items_then_only_new_ones(
    server: ScriptedServer, run: Callable[..., Any]
) -> None:
    items = [(f"g{n}", server.url(f"/story/{n}"), f"Story {n}") for n in range(60)]
    fresh = ("g-new", server.url("/story/new"), "Story new")
    server.route("/feed.xml", [Reply(body=rss(items)), Reply(body=rss([fresh, *items]))])
    report, store = run([server.url("/feed.xml")], first_fetch_limit=5)
    assert (report.new_articles, report.held_back) == (5, 55)
    titles = {store.get_article(n).title for n in range(1, 6)}
    assert titles == {f"Story {n}" for n in range(5)}  # the newest five
    later, _ = run([server.url("/feed.xml")], first_fetch_limit=5)
    assert (later.new_articles, later.held_back) == (1, 0)  # the back catalogue stays out


def test_not_modified_feeds_use_their_validators(
    server: ScriptedServer, run: Callable[..., Any]
) -> None:
    def feed(request: Any) -> Reply:
        if request.headers.get("if-none-match") == '"v7"':
            return Reply(status=304, headers={"ETag": '"v7"'})
        return Reply(body=rss([("g1", server.url("/s/1"), "One")]), headers={"ETag": '"v7"'})

    server.route("/feed.xml", feed)
    run([server.url("/feed.xml")])
    report, store = run([server.url("/feed.xml")])
    assert report.sources_ok == 1 and report.new_articles == 0
    feed_requests = [r for r in server.requests if r.path == "/feed.xml"]
    assert feed_requests[-1].headers["if-none-match"] == '"v7"'
    (source,) = store.list_sources()
    assert (source.status, source.etag, source.successes) == ("not modified", '"v7"', 2)


def test_a_permanent_redirect_updates_the_stored_feed_url(
    server: ScriptedServer, run: Callable[..., Any], make_config: Callable[..., Config]
) -> None:
    server.route("/old.xml", Reply(status=301, headers={"Location": "/new.xml"}))
    server.route("/tmp.xml", Reply(status=302, headers={"Location": "/new.xml"}))
    server.route("/new.xml", Reply(body=rss([("g1", server.url("/s/1"), "One")])))
    _, store = run([server.url("/old.xml"), server.url("/tmp.xml")])
    moved, temporary = store.list_sources()
    assert moved.feed_url == server.url("/new.xml")
    assert temporary.feed_url == server.url("/tmp.xml")
    run([server.url("/old.xml"), server.url("/tmp.xml")])
    assert server.paths().count("/old.xml") == 1  # asked once; after that, the new address
    assert server.paths().count("/tmp.xml") == 2
    config = make_config(sources=[{"url": server.url("/old.xml")}])
    shown = CliRunner().invoke(cli, ["--config", str(config_file(config)), "sources"])
    assert f"reads: {server.url('/new.xml')}" in shown.output


def config_file(config: Config) -> Path:
    """A TOML file for the CLI with the same store as ``config``."""
    path = Path(config.store.path).with_name("digest.toml")
    path.write_text(store_toml(config), encoding="utf-8")
    return path


def test_a_gone_feed_is_disabled_and_left_alone(
    server: ScriptedServer, run: Callable[..., Any], make_config: Callable[..., Config]
) -> None:
    server.route("/gone.xml", Reply(status=410))
    server.route("/fine.xml", Reply(body=rss([("g1", server.url("/s/1"), "One")])))
    report, store = run([server.url("/gone.xml"), server.url("/fine.xml")])
    assert (report.sources_ok, report.sources_failed) == (1, 1)
    gone = store.list_sources()[0]
    assert gone.disabled and "410" in gone.last_error
    again, _ = run([server.url("/gone.xml"), server.url("/fine.xml")])
    assert again.sources_waiting == 1
    assert server.paths().count("/gone.xml") == 1
    shown = CliRunner().invoke(cli, ["--config", str(config_file(make_config())), "sources"]).output
    assert "disabled\tfailures=1" in shown and "next=never" in shown and "HTTP 410" in shown


def test_too_many_requests_waits_as_told(
    server: ScriptedServer, run: Callable[..., Any], make_config: Callable[..., Config]
) -> None:
    server.route(
        "/busy.xml",
        [
            Reply(status=429, headers={"Retry-After": "600"}),
            Reply(body=rss([("g1", server.url("/s/1"), "One")])),
        ],
    )
    report, store = run([server.url("/busy.xml")])
    assert report.sources_failed == 1
    (source,) = store.list_sources()
    waited = datetime.fromisoformat(source.not_before) - datetime.now(UTC)
    assert timedelta(seconds=590) < waited < timedelta(seconds=610)
    shown = CliRunner().invoke(cli, ["--config", str(config_file(make_config())), "sources"]).output
    assert f"next={source.not_before}" in shown and "failures=1" in shown
    again, _ = run([server.url("/busy.xml")])
    assert (again.sources_waiting, server.paths().count("/busy.xml")) == (1, 1)
    # Once the time has come, it is fetched again, and success clears the wait.
    store.db.execute("UPDATE sources SET not_before = '2000-01-01T00:00:00+00:00'")
    third, store = run([server.url("/busy.xml")])
    assert (third.sources_ok, third.new_articles) == (1, 1)
    (source,) = store.list_sources()
    assert (source.not_before, source.failures, source.status) == ("", 0, "ok")


def test_broken_sources_are_recorded_and_the_rest_go_on(
    server: ScriptedServer, run: Callable[..., Any]
) -> None:
    server.route(
        "/junk.xml", Reply(body=b"this is not a feed", headers={"Content-Type": "text/plain"})
    )
    server.route("/slow.xml", Reply(delay=30))
    server.route("/fine.xml", Reply(body=rss([("g1", server.url("/s/1"), "One")])))
    urls = [server.url(p) for p in ("/junk.xml", "/slow.xml", "/missing.xml", "/fine.xml")]
    started = time.monotonic()
    report, store = run(urls, timeout=0.5)
    assert time.monotonic() - started < 3  # the silent server costs one timeout, in parallel
    assert (report.sources_ok, report.sources_failed, report.new_articles) == (1, 3, 1)
    run(urls, timeout=0.5)
    junk, slow, missing, fine = store.list_sources()
    assert [s.failures for s in (junk, slow, missing, fine)] == [2, 2, 2, 0]
    assert "not a readable feed" in junk.last_error
    assert "did not answer" in slow.last_error
    assert "404" in missing.last_error


class BuggyFetcher:
    """A fetcher with a bug: anything but the good feed raises something that is not ours."""

    def __init__(self, good: Response) -> None:
        self.good = good

    def fetch(
        self, url: str, *, etag: str = "", last_modified: str = "", source: str = ""
    ) -> Response:
        if url == self.good.url:
            return self.good
        raise KeyError("a bug")


def test_an_unexpected_error_is_reported_against_its_source(
    make_config: Callable[..., Config],
) -> None:
    feed = Response("http://a.test/feed", 200, rss([("g1", "", "Only the feed")]))
    config = make_config(sources=[{"url": "http://b.test/feed"}, {"url": feed.url}])
    store = open_store(config)
    report = gather(config, store, BuggyFetcher(feed), QuietSummarizer)
    assert (report.sources_ok, report.sources_failed, report.unexpected_errors) == (1, 1, 1)
    assert "unexpected KeyError" in store.list_sources()[0].last_error
    store.close()


def test_the_same_story_under_two_urls_is_kept_once(
    server: ScriptedServer, run: Callable[..., Any]
) -> None:
    server.route("/a.xml", Reply(body=rss([("a1", server.url("/a/ferry"), "Ferries double")])))
    server.route(
        "/b.xml", Reply(body=rss([("b1", server.url("/b/boats"), "More boats for the islands")]))
    )
    server.route("/a/ferry", Reply(body=article_page("Ferries double")))
    server.route("/b/boats", Reply(body=article_page("More boats for the islands")))
    report, store = run([server.url("/a.xml"), server.url("/b.xml")])
    assert (report.new_articles, report.from_page, report.duplicates) == (2, 1, 1)
    edition = store.claim_articles("2026-11-28", "Digest", "", 30)
    (story,) = store.edition_articles(edition.id)
    assert "ferry" in story.text.lower()
    again, _ = run([server.url("/a.xml"), server.url("/b.xml")])
    assert again.new_articles == 0  # the duplicate stays seen


def test_sources_are_fetched_in_parallel_within_per_host_limits(
    server: ScriptedServer, run: Callable[..., Any]
) -> None:
    for n in range(4):
        server.route(f"/f{n}.xml", Reply(body=rss([(f"g{n}", "", f"Item {n}")]), delay=0.3))
    urls = [server.url(f"/f{n}.xml", host) for n in range(4) for host in ("127.0.0.1", "localhost")]
    started = time.monotonic()
    report, _ = run(urls, concurrency=4, per_host=2)
    elapsed = time.monotonic() - started
    assert report.sources_ok == 8
    assert server.most_in_flight == {"127.0.0.1": 2, "localhost": 2}
    assert elapsed < 8 * 0.3  # not one after another


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">'
    b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;">'
    b'<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;">]>'
    b'<rss version="2.0"><channel><title>&h;</title><item><title>&h;</title>'
    b"<link>https://laughs.example/1</link></item></channel></rss>"
)


def external_entity_feed(secret: Path, layout: str) -> bytes:
    return (
        f'<?xml version="1.0"?>{layout}<!DOCTYPE rss [{layout}<!ENTITY leak SYSTEM '
        f'"file://{secret}">{layout}]><rss version="2.0"><channel><title>Leak</title><item>'
        "<title>Leak &leak;</title><description>&leak;</description>"
        "<link>https://leak.example/1</link></item></channel></rss>"
    ).encode()


def test_entity_expansion_and_external_entities_are_refused(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(Exception, match="refused"):
        read_feed(BILLION_LAUGHS, "https://laughs.example/feed")
    assert time.monotonic() - started < 0.5
    secret = tmp_path / "secret.txt"
    secret.write_text("the vault code is 4711", encoding="utf-8")
    with pytest.raises(Exception, match="'leak'"):
        read_feed(external_entity_feed(secret, ""), "https://leak.example/feed")
    # Declarations on lines of their own never reach the XML parser (feedparser drops them).
    _, (item,) = read_feed(external_entity_feed(secret, "\n"), "https://leak.example/feed")
    assert "4711" not in item.title + item.feed_text
    utf16 = BILLION_LAUGHS.replace(b'version="1.0"?>', b'version="1.0" encoding="utf-16"?>')
    with pytest.raises(Exception, match="refused"):
        read_feed(utf16.decode().encode("utf-16"), "https://laughs.example/feed")
    # Even one plain entity is refused: referenced a million times it is as bad as nesting.
    plain = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY site "Quay Notes">]><rss version="2.0">'
        b"<channel><title>&site;</title><item><title>Tide tables</title>"
        b"<link>https://quay.example/tides</link></item></channel></rss>"
    )
    with pytest.raises(Exception, match="'site'; feeds may not declare entities"):
        read_feed(plain, "https://quay.example/feed")
    # A DTD without entities is still fine.
    bare = plain.replace(b'[<!ENTITY site "Quay Notes">]', b"").replace(b"&site;", b"Quay Notes")
    title, (item,) = read_feed(bare, "https://quay.example/feed")
    assert (title, item.title) == ("Quay Notes", "Tide tables")


def test_hostile_feeds_are_reported_against_their_source(
    server: ScriptedServer, run: Callable[..., Any], tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the vault code is 4711", encoding="utf-8")
    server.route("/laughs.xml", Reply(body=BILLION_LAUGHS))
    server.route("/leak.xml", Reply(body=external_entity_feed(secret, "")))
    report, store = run([server.url("/laughs.xml"), server.url("/leak.xml")])
    assert report.sources_failed == 2
    assert all("refused" in source.last_error for source in store.list_sources())
    tables = ("sources", "articles", "skipped_items", "summaries")
    dump = "\n".join(
        str(tuple(row)) for table in tables for row in store.db.execute(f"SELECT * FROM {table}")
    )
    assert "4711" not in dump and "hahaha" not in dump


NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc>{base}/news/tram-extension</loc>
    <news:news><news:publication><news:name>Valley Courier</news:name>
      <news:language>en</news:language></news:publication>
      <news:publication_date>2026-11-27T08:30:00+01:00</news:publication_date>
      <news:title>Tram line reaches the hospital</news:title></news:news></url>
  <url><loc>{base}/news/library</loc><lastmod>2026-11-26</lastmod>
    <image:image><image:loc>{base}/img/library.jpg</image:loc>
      <image:title>The reading room</image:title></image:image></url>
</urlset>"""

SITEMAP_INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{base}/sitemap-old.xml</loc><lastmod>2020-01-01</lastmod></sitemap>
  <sitemap><loc>{base}/sitemap-news.xml</loc><lastmod>2026-11-27</lastmod></sitemap>
</sitemapindex>"""


def test_news_sitemaps_are_a_source_of_articles(
    server: ScriptedServer, run: Callable[..., Any]
) -> None:
    base = server.url("")
    server.route("/sitemap-news.xml", Reply(body=NEWS_SITEMAP.format(base=base).encode()))
    server.route("/sitemap-old.xml", Reply(status=404))
    server.route("/sitemap.xml", Reply(body=SITEMAP_INDEX.format(base=base).encode()))
    hostile = NEWS_SITEMAP.format(base=base).replace(
        "<urlset", '<!DOCTYPE urlset [<!ENTITY x "boom">]><urlset', 1
    )
    server.route("/hostile.xml", Reply(body=hostile.encode()))
    report, store = run([server.url("/sitemap.xml"), server.url("/hostile.xml")])
    assert (report.sources_ok, report.sources_failed, report.new_articles) == (1, 1, 2)
    tram, library = store.get_article(1), store.get_article(2)
    assert (tram.url, tram.title) == (
        f"{base}/news/tram-extension",
        "Tram line reaches the hospital",
    )
    assert tram.published_at == "2026-11-27T07:30:00+00:00"
    assert (library.url, library.published_at) == (
        f"{base}/news/library",
        "2026-11-26T00:00:00+00:00",
    )
    assert library.title != "The reading room"  # an image's title is not the page's
    assert "refused" in store.list_sources()[1].last_error
    assert "/sitemap-old.xml" in server.paths()  # read as well, after the newer one


class WatchedStore(SQLiteStore):
    """Notes which threads write articles."""

    writers: set[int] = set()

    def add_article(self, source_id: int, item: Any) -> int | None:
        self.writers.add(threading.get_ident())
        return super().add_article(source_id, item)


@pytest.mark.parametrize("database_url", [""], ids=["sqlite"])  # WatchedStore is an SQLiteStore
def test_every_store_write_stays_on_the_calling_thread(
    server: ScriptedServer, run: Callable[..., Any]
) -> None:
    for n in range(6):
        server.route(f"/f{n}.xml", Reply(body=rss([(f"g{n}", "", f"Item {n}")]), delay=0.05))
    urls = [server.url(f"/f{n}.xml") for n in range(6)]
    report, _ = run(urls, store_class=WatchedStore, concurrency=6, per_host=6)
    assert report.new_articles == 6 and WatchedStore.writers == {threading.get_ident()}
    assert server.most_in_flight_total > 1


def test_a_vanished_discovered_feed_is_found_again_from_the_home_page(
    server: ScriptedServer, run: Callable[..., Any]
) -> None:
    def home(version: int) -> Reply:
        link = f'<link rel="alternate" type="application/rss+xml" href="/feed-v{version}.xml">'
        return Reply(
            body=f"<html><head>{link}</head><body>Quay Notes</body></html>".encode(),
            headers={"Content-Type": "text/html"},
        )

    server.route("/", [home(1), home(2)])
    server.route("/feed-v1.xml", [Reply(body=rss([("g1", "", "One")])), Reply(status=404)])
    server.route("/feed-v2.xml", Reply(body=rss([("g2", "", "Two")])))
    _, store = run([server.url("/")])
    assert store.list_sources()[0].feed_url == server.url("/feed-v1.xml")
    failed, store = run([server.url("/")])
    (source,) = store.list_sources()
    assert (failed.sources_failed, source.feed_url, source.disabled) == (1, "", False)
    found, store = run([server.url("/")])
    assert (found.sources_ok, found.new_articles) == (1, 1)
    assert store.list_sources()[0].feed_url == server.url("/feed-v2.xml")
