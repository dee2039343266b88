"""The public app crawled as a stranger, and as one subscriber, on a real server on 127.0.0.1.

The database holds several subscribers (with names and sections), two editions and their deliveries.
From the known routes (the public ones, the old preview's, odd ones) and every link, image and form
found on each page, every same-site address is fetched with GET. No response may contain another
subscriber's address or name, nor any validly signed token but the requester's own; and all the
GETs together must leave the database exactly as it was (compared by an SQL dump).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import replace
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from digest.config import Config
from digest.deliver import (
    OutboxMailer,
    preferences_token,
    read_preferences_token,
    read_signup_token,
    read_unsubscribe_token,
    unsubscribe_token,
)
from digest.pipeline import send_edition, signing_secret
from digest.store import SQLiteStore
from digest.web import create_public_app, make_renderer
from tests.live_app import LiveApp, dump
from tests.test_web import PREVIEW_PATHS

BASE_URL = "https://digest.example"
PEOPLE = [
    ("ada@example.com", "Ada Lovelace", ()),
    ("bob@example.com", "Bob Quayside", ("Morning Briefs",)),
    ("cy@example.com", "Cy Harbourmaster", ("World & Local",)),
    ("dee@example.com", "Dee Tidewater", ()),
]
KNOWN_ROUTES = [
    *PREVIEW_PATHS,
    "/preview/text?subscriber=bob@example.com",
    "/editions",
    "/editions/",
    "/editions.atom",
    "/editions/2001-01-01",
    "/editions/2026-11-28.txt",
    "/editions/2026-11-29.txt",
    "/editions/../digest.db",
    "/signup",
    "/signup/confirm/x",
    "/unsubscribe/1",
    "/unsubscribe/1.x",
    "/unsubscribe/%C2%B2.x",
    "/preferences/1",
    "/preferences/2.AAAAAAAAAAAAAAAAAAAAAAAA",
    "/robots.txt",
    "/digest.db",
    "/static/../../digest.db",
]
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_%-]+\.[A-Za-z0-9_-]{20,}")
LINK = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"']+)["']""", re.I)


@pytest.fixture
def populated(demo_config: Config) -> Config:
    """The demo database with four subscribers, two sent editions and their deliveries."""
    from datetime import date

    config = replace(
        demo_config,
        web=replace(demo_config.web, signup=True),
        digest=replace(demo_config.digest, base_url=BASE_URL),
    )
    store = SQLiteStore(config.store.path)
    for address, name, sections in PEOPLE:
        store.add_subscriber(address, name, sections=sections)
    for day in (date(2026, 11, 28), date(2026, 11, 29)):
        send_edition(
            config, store, make_renderer(config), OutboxMailer(config.mail.outbox), day=day
        )
    assert len(store.list_editions()) == 2
    store.close()
    return config


def site_path(url: str, live: str) -> str | None:
    """The path (and query) of a same-site URL, or None for anything that leaves the site."""
    url = unescape(url)
    for prefix in (BASE_URL, live):
        if url.startswith(prefix):
            url = url[len(prefix) :] or "/"
    if not url.startswith("/") or url.startswith("//"):
        return None
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(live: str, seeds: Iterable[str], limit: int = 400) -> dict[str, httpx.Response]:
    """GET every same-site address reachable from ``seeds`` (by href, src and form action)."""
    seen: dict[str, httpx.Response] = {}
    todo = deque(seeds)
    with httpx.Client(base_url=live, follow_redirects=False) as client:
        while todo and len(seen) < limit:
            path = todo.popleft()
            if path in seen:
                continue
            response = client.get(path)
            seen[path] = response
            found = LINK.findall(response.text)
            if "location" in response.headers:
                found.append(response.headers["location"])
            for link in found:
                target = site_path(urljoin(f"{live}{path}", link), live)
                if target is not None and target not in seen:
                    todo.append(target)
    assert len(seen) < limit, "the crawl did not end"
    return seen


def valid_tokens(text: str, secret: str) -> set[str]:
    """Every validly signed token in ``text``, of any purpose."""
    found = set()
    for candidate in TOKEN_SHAPE.findall(text):
        if (
            read_unsubscribe_token(secret, candidate) is not None
            or read_preferences_token(secret, candidate) is not None
            or read_signup_token(secret, candidate, 0) is not None
        ):
            found.add(candidate)
    return found


def check(
    pages: dict[str, httpx.Response],
    secret: str,
    own_email: str = "",
    own_tokens: frozenset[str] = frozenset(),
) -> None:
    for path, response in pages.items():
        text = response.text
        for address, name, _ in PEOPLE:
            if address != own_email:
                assert address not in text.lower(), (path, address)
                assert name not in text, (path, name)
        leaked = valid_tokens(text, secret) - own_tokens
        assert not leaked, (path, leaked)
        assert response.status_code < 500, (path, response.status_code)


def test_a_stranger_finds_no_address_no_token_and_changes_nothing(populated: Config) -> None:
    store = SQLiteStore(populated.store.path)
    secret = signing_secret(populated, store)
    store.close()
    before = dump(populated.store.path)
    with LiveApp(create_public_app(populated)) as live:
        pages = crawl(live.url, KNOWN_ROUTES)
    check(pages, secret)
    assert dump(populated.store.path) == before
    # The crawl reached the archive, both editions, their text and the feed, and the sign-up form.
    reached = set(pages)
    assert {"/editions/", "/editions.atom", "/signup"} <= reached
    assert (
        "/editions/2026-11-28" in reached and pages["/editions/2026-11-28.txt"].status_code == 200
    )
    for path in ("/", "/preview", "/preview/text?subscriber=bob@example.com", "/digest.db"):
        assert pages[path].status_code == 404, path


def test_a_subscriber_sees_only_their_own_address_and_tokens(populated: Config) -> None:
    """Bob follows the links in his own email: his pages show him, and nobody else."""
    store = SQLiteStore(populated.store.path)
    secret = signing_secret(populated, store)
    bob = {s.email: s for s in store.list_subscribers()}["bob@example.com"]
    store.close()
    mine = frozenset({unsubscribe_token(secret, bob.id), preferences_token(secret, bob.id)})
    mail = [
        path.read_text(encoding="utf-8")
        for path in Path(populated.mail.outbox).glob("*.eml")
        if "To: Bob Quayside <bob@example.com>" in path.read_text(encoding="utf-8")
    ]
    assert mail
    seeds = sorted({f"/unsubscribe/{t}" for t in mine} | {f"/preferences/{t}" for t in mine})
    assert any(f"/preferences/{preferences_token(secret, bob.id)}" in m for m in mail)
    before = dump(populated.store.path)
    with LiveApp(create_public_app(populated)) as live:
        pages = crawl(live.url, seeds + ["/editions/"])
    check(pages, secret, own_email="bob@example.com", own_tokens=mine)
    assert "bob@example.com" in pages[f"/preferences/{preferences_token(secret, bob.id)}"].text
    assert dump(populated.store.path) == before
