"""The public app's self-service pages on a real server on 127.0.0.1: undoing an unsubscribe, the
preferences page behind the signed link in every email, sign-up with double opt-in, and turning the
archive off. GET never changes anything; POST does, with the token as the only key."""

from __future__ import annotations

import email
import email.policy
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from digest.config import Config
from digest.deliver import (
    OutboxMailer,
    preferences_token,
    signup_token,
    unsubscribe_token,
)
from digest.pipeline import send_edition, signing_secret
from digest.render import Renderer
from digest.schedule import send_time
from digest.store import SQLiteStore
from digest.web import create_public_app
from tests.live_app import LiveApp, dump
from tests.test_delivery import DAY, seed_stories
from tests.test_unsubscribe import status_of

DESKS: dict[str, Any] = {}


@pytest.fixture
def public(make_config: Callable[..., Config]) -> Iterator[Callable[..., tuple[str, Config]]]:
    """public(**web) -> (base URL, config): the public app on a real server, one per call; its
    sign-up desk (with [web] signup) is in ``DESKS`` under the database path."""
    running: list[LiveApp] = []

    def start(**web: Any) -> tuple[str, Config]:
        config = make_config(
            digest={"base_url": "https://news.example", "title": "The Quay Digest"}, web=web
        )
        SQLiteStore(config.store.path).close()
        app = create_public_app(config, mailer=lambda: OutboxMailer(config.mail.outbox))
        DESKS[config.store.path] = app.config.get("SIGNUP_DESK")
        live = LiveApp(app, trusted_proxy=config.web.trusted_proxy).__enter__()
        running.append(live)
        return live.url, config

    yield start
    for live in running:
        live.__exit__(None, None, None)


def subscriber(config: Config, address: str, **settings: Any) -> tuple[int, str]:
    """(id, signing secret) of a new subscriber."""
    store = SQLiteStore(config.store.path)
    try:
        added, _ = store.add_subscriber(address, **settings)
        return added.id, signing_secret(config, store)
    finally:
        store.close()


# -- undo ------------------------------------------------------------------------------------------


def test_an_unsubscribe_is_undone_with_the_same_token(public: Callable[..., Any]) -> None:
    base, config = public()
    ada, secret = subscriber(config, "ada@example.com")
    token = unsubscribe_token(secret, ada)
    with httpx.Client(base_url=base) as client:
        done = client.post(f"/unsubscribe/{token}")
        assert done.status_code == 200 and f'action="/unsubscribe/{token}/undo"' in done.text
        assert done.headers["cache-control"] == "no-store"
        assert status_of(config, "ada@example.com") == "unsubscribed"
        assert f"/unsubscribe/{token}/undo" in client.get(f"/unsubscribe/{token}").text
        again = client.post(f"/unsubscribe/{token}/undo")
        assert again.status_code == 200 and "gets The Quay Digest again" in again.text
        assert status_of(config, "ada@example.com") == "active"
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        assert client.post(f"/unsubscribe/{forged}/undo").status_code == 400
        assert client.get(f"/unsubscribe/{token}/undo").status_code == 405  # never on GET


def test_undo_never_revives_a_bounced_address(public: Callable[..., Any]) -> None:
    base, config = public()
    bob, secret = subscriber(config, "bob@example.com")
    store = SQLiteStore(config.store.path)
    store.mark_bounced(bob)
    store.close()
    with httpx.Client(base_url=base) as client:
        refused = client.post(f"/unsubscribe/{unsubscribe_token(secret, bob)}/undo")
    assert refused.status_code == 409
    assert status_of(config, "bob@example.com") == "bounced"


# -- preferences -----------------------------------------------------------------------------------


def test_every_email_carries_its_own_preferences_link_and_the_list_headers_stay(
    make_config: Callable[..., Config],
) -> None:
    config = make_config(digest={"base_url": "https://news.example"})
    store = SQLiteStore(config.store.path)
    seed_stories(store, "World")
    ada, _ = store.add_subscriber("ada@example.com")
    send_edition(config, store, Renderer(), OutboxMailer(config.mail.outbox), day=DAY)
    secret = signing_secret(config, store)
    store.close()
    (eml,) = Path(config.mail.outbox).glob("*.eml")
    message: Any = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    mine = f"https://news.example/preferences/{preferences_token(secret, ada.id)}"
    assert f"Preferences: {mine}" in message.get_body(("plain",)).get_content()
    assert f'href="{mine}"' in message.get_body(("html",)).get_content()
    unsubscribe = f"https://news.example/unsubscribe/{unsubscribe_token(secret, ada.id)}"
    assert message["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"


def test_preferences_get_changes_nothing_and_post_saves_time_zone_and_sections(
    public: Callable[..., Any],
) -> None:
    base, config = public()
    store = SQLiteStore(config.store.path)
    store.upsert_source("https://a.example/feed", "Harbour Herald", "World & Local")
    store.upsert_source("https://b.example/feed", "Circuit Weekly", "Tech")
    store.close()
    ada, secret = subscriber(config, "ada@example.com", sections=["Tech"])
    url = f"/preferences/{preferences_token(secret, ada)}"
    before = dump(config.store.path)
    with httpx.Client(base_url=base) as client:
        page = client.get(url)
        assert page.status_code == 200 and "ada@example.com" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert 'value="Tech" checked' in page.text and 'value="World &amp; Local">' in page.text
        assert '<option value="Asia/Tokyo">' in page.text
        assert dump(config.store.path) == before  # a link scanner changes nothing
        saved = client.post(
            url,
            data={
                "action": "save",
                "send_at": "06:45",
                "timezone": "Asia/Tokyo",
                "sections": ["World & Local", "tech"],
            },
        )
        assert saved.status_code == 200 and "Saved." in saved.text
        assert 'value="06:45"' in saved.text
        for bad in (
            {"send_at": "25:00"},
            {"send_at": "６:45"},
            {"timezone": "Mars/Olympus"},
            {"sections": ["Gossip"]},
        ):
            refused = client.post(url, data={"action": "save", **bad})
            assert refused.status_code == 400, bad
        # The unsubscribe token is signed for another purpose: it opens no preferences page.
        other = client.get(f"/preferences/{unsubscribe_token(secret, ada)}")
        assert other.status_code == 400 and "ada@example.com" not in other.text
    store = SQLiteStore(config.store.path)
    (saved_ada,) = store.list_subscribers()
    store.close()
    assert (saved_ada.timezone, saved_ada.hour, saved_ada.minute) == ("Asia/Tokyo", 6, 45)
    assert saved_ada.sections == ("World & Local", "Tech")
    zone, at = send_time(config, saved_ada)
    assert (str(zone), at.hour, at.minute) == ("Asia/Tokyo", 6, 45)  # the scheduler follows


def test_preferences_can_unsubscribe_and_offer_the_undo(public: Callable[..., Any]) -> None:
    base, config = public()
    ada, secret = subscriber(config, "ada@example.com")
    with httpx.Client(base_url=base) as client:
        done = client.post(
            f"/preferences/{preferences_token(secret, ada)}", data={"action": "unsubscribe"}
        )
        assert done.status_code == 200 and "gets no more digests" in done.text
        assert f"/unsubscribe/{unsubscribe_token(secret, ada)}/undo" in done.text
    assert status_of(config, "ada@example.com") == "unsubscribed"


# -- sign-up ---------------------------------------------------------------------------------------


def outbox(config: Config) -> list[EmailMessage]:
    folder = Path(config.mail.outbox)
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for path in sorted(folder.glob("*.eml"))
    ]


def test_sign_up_is_off_unless_turned_on(public: Callable[..., Any]) -> None:
    base, _ = public()
    with httpx.Client(base_url=base) as client:
        assert client.get("/signup").status_code == 404
        assert client.post("/signup", data={"email": "eve@example.com"}).status_code == 404


def test_sign_up_needs_the_click_and_never_tells_who_is_subscribed(
    public: Callable[..., Any],
) -> None:
    base, config = public(signup=True)
    subscriber(config, "ada@example.com")
    with httpx.Client(base_url=base) as client:
        form = client.get("/signup")
        assert form.status_code == 200 and 'name="email"' in form.text
        new = client.post("/signup", data={"email": "cy@example.com"})
        known = client.post("/signup", data={"email": "ADA@example.com"})
        assert new.status_code == known.status_code == 200
        assert new.text == known.text  # the same answer, whoever is asking
        assert new.headers["cache-control"] == "no-store"
        assert client.post("/signup", data={"email": "not an address"}).status_code == 400
    DESKS[config.store.path].wait_idle()
    (confirmation,) = outbox(config)  # only the new address was mailed
    assert confirmation["To"] == "cy@example.com"
    text = confirmation.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"https://news\.example(/signup/confirm/\S+)", text)
    assert link is not None
    assert status_of_or_none(config, "cy@example.com") is None  # not yet
    with httpx.Client(base_url=base) as client:
        page = client.get(link.group(1))  # what a mail scanner does: nothing happens
        assert page.status_code == 200 and '<form method="post"' in page.text
        assert status_of_or_none(config, "cy@example.com") is None
        done = client.post(link.group(1))
        assert done.status_code == 200 and "cy@example.com gets The Quay Digest" in done.text
    assert status_of(config, "cy@example.com") == "active"


def status_of_or_none(config: Config, address: str) -> str | None:
    store = SQLiteStore(config.store.path)
    try:
        return {s.email: s.status for s in store.list_subscribers()}.get(address)
    finally:
        store.close()


def test_a_confirmation_link_that_is_forged_or_expired_activates_nobody(
    public: Callable[..., Any],
) -> None:
    base, config = public(signup=True)
    store = SQLiteStore(config.store.path)
    secret = signing_secret(config, store)
    store.close()
    expired = signup_token(secret, "old@example.com", int(time.time()) - 1)
    forged = signup_token("not the key", "eve@example.com", int(time.time()) + 3600)
    with httpx.Client(base_url=base) as client:
        for token in (expired, forged, "garbage", "²." + forged.partition(".")[2]):
            for method in ("GET", "POST"):
                answer = client.request(method, f"/signup/confirm/{token}")
                assert answer.status_code == 400, (token, method)
    assert status_of_or_none(config, "old@example.com") is None
    assert status_of_or_none(config, "eve@example.com") is None


def test_sign_up_requests_are_limited_per_client_address(public: Callable[..., Any]) -> None:
    base, config = public(signup=True, signup_per_hour=3)
    with httpx.Client(base_url=base) as client:
        answers = [
            client.post("/signup", data={"email": f"r{n}@example.com"}).status_code
            for n in range(5)
        ]
    assert answers == [200, 200, 200, 429, 429]


@pytest.mark.parametrize("proxy", ["", "127.0.0.1"])
def test_only_a_trusted_proxy_may_name_the_client(public: Callable[..., Any], proxy: str) -> None:
    """Behind the configured proxy each forwarded client has its own limit; without one, a client
    cannot dodge the limit by sending X-Forwarded-For itself."""
    base, _ = public(signup=True, signup_per_hour=2, trusted_proxy=proxy)
    with httpx.Client(base_url=base) as client:
        answers = [
            client.post(
                "/signup",
                data={"email": f"r{n}@example.com"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            ).status_code
            for n in range(4)
        ]
    assert answers == ([200, 200, 200, 200] if proxy else [200, 200, 429, 429])


# -- archive off -----------------------------------------------------------------------------------


def test_the_archive_can_be_turned_off(public: Callable[..., Any]) -> None:
    base, config = public(archive=False)
    store = SQLiteStore(config.store.path)
    seed_stories(store, "World")
    store.add_subscriber("ada@example.com")
    send_edition(config, store, Renderer(), OutboxMailer(config.mail.outbox), day=DAY)
    store.close()
    with httpx.Client(base_url=base) as client:
        for path in ("/editions/", f"/editions/{DAY}", f"/editions/{DAY}.txt", "/editions.atom"):
            assert client.get(path).status_code == 404, path
    (message,) = outbox(config)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Read it on the web" not in text and "/editions/" not in text


def test_an_error_on_a_token_page_logs_no_token(
    public: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    base, config = public()
    ada, secret = subscriber(config, "ada@example.com")
    token = unsubscribe_token(secret, ada)
    db = sqlite3.connect(config.store.path)
    db.execute("DROP TABLE deliveries")  # the next unsubscribe fails inside the app
    db.execute("DROP TABLE subscribers")
    db.close()
    with httpx.Client(base_url=base) as client:
        failed = client.post(f"/unsubscribe/{token}")
    assert failed.status_code == 500 and token not in failed.text
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Exception on /unsubscribe/… [POST]" in logged
    assert token not in logged and token.partition(".")[2] not in caplog.text
