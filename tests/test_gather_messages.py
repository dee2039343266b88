"""What `digest gather`, `digest sources` and `digest summarize` say about odd sources: real CLI
runs against real HTTP servers on loopback."""

from __future__ import annotations

from pathlib import Path

from digest.demo import SiteServer
from digest.store import SQLiteStore
from tests.scripted_server import Reply, ScriptedServer
from tests.test_gather import article_page, rss
from tests.test_send_failures import digest

CONTACT = (
    b"<html><head><title>Contact us</title></head><body><h1>Contact us</h1>"
    b"<p>Write to the newsroom at news@example.com or call 555 0100.</p></body></html>"
)


def gather_config(folder: Path, *urls: str, private: bool = True) -> Path:
    tables = "".join(f'[[sources]]\nurl = "{url}"\n' for url in urls)
    path = folder / "digest.toml"
    path.write_text(
        f"""{tables}[store]
path = "digest.db"
[fetch]
allow_private_addresses = {str(private).lower()}
timeout = 5
[summarizer]
backend = "lead"
[digest]
max_age_hours = 100000
duplicate_threshold = 0
""",
        encoding="utf-8",
    )
    return path


def stored_urls(folder: Path) -> list[str]:
    store = SQLiteStore(folder / "digest.db")
    try:
        return [row[0] for row in store.db.execute("SELECT url FROM articles ORDER BY id")]
    finally:
        store.close()


def test_an_article_url_as_a_source_is_that_article_not_its_site_feed(
    tmp_path: Path, site: SiteServer
) -> None:
    article = f"{site.base_url}/articles/harbour-bridge.html"  # it links the site's feed
    result = digest(gather_config(tmp_path, article), "gather")
    assert result.returncode == 0, result.stderr
    assert "1 source read" in result.stdout and "1 new article " in result.stdout
    assert stored_urls(tmp_path) == [article]


def test_a_home_page_still_leads_to_its_feed(tmp_path: Path, site: SiteServer) -> None:
    result = digest(gather_config(tmp_path, f"{site.base_url}/"), "gather")
    assert result.returncode == 0, result.stderr
    assert len(stored_urls(tmp_path)) == 4  # the items of the feed it links


def test_a_page_that_is_neither_feed_nor_article_is_refused_once_with_a_hint(
    tmp_path: Path, server: ScriptedServer
) -> None:
    server.route("/contact", Reply(body=CONTACT, headers={"Content-Type": "text/html"}))
    server.route(
        "/story", Reply(body=article_page("Pier reopens"), headers={"Content-Type": "text/html"})
    )
    config = gather_config(tmp_path, server.url("/contact"), server.url("/missing.xml"))
    result = digest(config, "gather")
    assert result.returncode == 1  # every source failed
    assert result.stderr.count("is neither a feed nor an article") == 1, result.stderr
    assert result.stderr.count("/missing.xml answered HTTP 404") == 1, result.stderr  # said once
    assert "hint: Give the site's feed" in result.stderr
    assert "Error: every source failed (2)" in result.stderr
    assert stored_urls(tmp_path) == []
    plain = gather_config(tmp_path, server.url("/story"))  # article text without markup counts
    assert digest(plain, "gather").returncode == 0
    assert stored_urls(tmp_path) == [server.url("/story")]


def test_a_refused_private_address_comes_with_its_hint(tmp_path: Path, site: SiteServer) -> None:
    config = gather_config(tmp_path, f"{site.base_url}/feeds/world.xml", private=False)
    result = digest(config, "gather")
    assert result.returncode == 1
    assert "non-public address" in result.stderr
    assert "hint: digest refuses private, loopback and link-local addresses" in result.stderr


def test_a_removed_source_is_marked_and_feeds_no_edition(tmp_path: Path, site: SiteServer) -> None:
    world, tech = f"{site.base_url}/feeds/world.xml", f"{site.base_url}/feeds/tech.atom"
    assert digest(gather_config(tmp_path, world, tech), "gather").returncode == 0
    config = gather_config(tmp_path, world)  # tech removed
    sources = digest(config, "sources")
    lines = sources.stdout.splitlines()
    assert any(tech in line and "removed from the config" in line for line in lines)
    assert not any(world in line and "removed" in line for line in lines)
    built = digest(config, "build")
    assert "4 stories" in built.stdout, built.stdout  # world.xml's four, none of tech.atom's


def test_summarize_refuses_a_feed(tmp_path: Path, site: SiteServer) -> None:
    config = gather_config(tmp_path)
    result = digest(config, "summarize", f"{site.base_url}/feeds/world.xml")
    assert result.returncode == 1
    assert "is a feed (4 items), not an article" in result.stderr
    assert "Hint: Give one article's URL" in result.stderr
    page = digest(config, "summarize", f"{site.base_url}/articles/harbour-bridge.html")
    assert page.returncode == 0 and page.stdout.startswith("- ")


def test_gather_names_each_article_not_summarised_and_why(
    tmp_path: Path, server: ScriptedServer
) -> None:
    server.route(
        "/feed.xml",
        Reply(body=rss([("g1", server.url("/gone-1"), "Tiny brief"), ("g2", "", "No link")])),
    )
    result = digest(gather_config(tmp_path, server.url("/feed.xml")), "gather")
    assert result.returncode == 0, result.stderr
    assert "2 not summarised" in result.stdout
    assert f"not summarised: Tiny brief ({server.url('/gone-1')}): too short" in result.stderr
    assert "not summarised: No link: too short" in result.stderr
