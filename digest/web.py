"""The small web app: the live preview of today's edition and the archive of past ones.

``create_app(config)`` is the app factory (tests pass their own config); ``serve`` runs it on the
configured local address.

    /                       the preview: the email in a frame, its text part, its size, a subscriber
                            switch; it reloads itself when a template file changes
    /preview/html, /text    the two parts of today's email (``?subscriber=EMAIL``: as that subscriber
                            gets it, with only their sections)
    /preview/version        the newest template file's modification time (what the page polls)
    /editions/              the archive: every edition, newest first
    /editions/DATE          one edition in full (no size limit), ``/editions/DATE.txt`` its text
    /editions.atom          an Atom feed of the editions, for feed readers
    /unsubscribe/TOKEN      GET: a confirmation page (changes nothing); POST: unsubscribe at once
                            (RFC 8058 one-click); a token that is not validly signed gets a 400
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from digest.config import Config
from digest.wiring import Components, build_renderer


def create_app(config: Config) -> Any:
    """A Flask app over the store named in ``config``; one store connection per request."""
    from flask import Flask, g

    from digest.store import SQLiteStore

    app = Flask("digest")
    app.config["DIGEST"] = config

    parts = Components(config)

    def store() -> SQLiteStore:
        if "store" not in g:
            g.store = parts.open_store()
        opened: SQLiteStore = g.store
        return opened

    @app.teardown_appcontext
    def close_store(_: BaseException | None) -> None:
        opened = g.pop("store", None)
        if opened is not None:
            opened.close()

    add_preview_routes(app, config, store)
    add_archive_routes(app, config, store)
    add_unsubscribe_routes(app, config, store)
    return app


PREVIEW_POLL_SECONDS = 1.0
FEED_ENTRIES = 20


def make_renderer(config: Config, *, limit: bool = True) -> Any:
    """The renderer the config asks for; ``limit`` off renders whole editions (the archive)."""
    return build_renderer(config, limit=limit)


def add_preview_routes(app: Any, config: Config, store: Callable[[], Any]) -> None:
    """The live preview of today's edition: ``/``, ``/preview``, its parts and its reload check."""
    from flask import Response, jsonify, request

    from digest.pipeline import build_edition, edition_view, signing_secret, unsubscribe_link
    from digest.render import Recipient

    def template_version() -> str:
        files = make_renderer(config).template_files()
        newest = max((path.stat().st_mtime_ns for path in files), default=0)
        return f"{newest}-{len(files)}"

    def subscriber_named(email: str) -> Any:
        if not email:
            return None
        for subscriber in store().list_subscribers():
            if subscriber.email.casefold() == email.casefold():
                return subscriber
        return None

    def rendered_for(email: str) -> tuple[Any, Any, Any]:
        """(view as shown, rendering, subscriber or None) of today's email for ``email``."""
        renderer = make_renderer(config)
        edition, _ = build_edition(config, store(), renderer)
        view = edition_view(config, store(), edition)
        subscriber = subscriber_named(email)
        recipient = Recipient()
        if subscriber is not None:
            # Exactly what this subscriber is sent: their sections, their own unsubscribe link.
            view = view.only_sections(subscriber.sections)
            secret = signing_secret(config, store())
            recipient = Recipient(
                email=subscriber.email,
                name=subscriber.name,
                unsubscribe_url=unsubscribe_link(config.digest.base_url, secret, subscriber.id),
            )
        shown, rendered = renderer.fit(view, recipient)
        return shown, rendered, subscriber

    @app.get("/")
    @app.get("/preview")
    def preview_page() -> Response:
        email = request.args.get("subscriber", "")
        shown, rendered, subscriber = rendered_for(email)
        html = make_renderer(config).render_page(
            "web/preview.html",
            edition=shown,
            rendered=rendered,
            limit=config.digest.max_html_bytes,
            subscriber=subscriber,
            selected=subscriber.email if subscriber else "",
            subscribers=[
                (each.email, tuple(getattr(each, "sections", ()) or ()))
                for each in store().list_subscribers("active")
            ],
            version=template_version(),
            poll_ms=int(PREVIEW_POLL_SECONDS * 1000),
        )
        return Response(html, mimetype="text/html")

    @app.get("/preview/html")
    def preview_html() -> Response:
        _, rendered, _ = rendered_for(request.args.get("subscriber", ""))
        return Response(rendered.html, mimetype="text/html")

    @app.get("/text")
    @app.get("/preview/text")
    def preview_text() -> Response:
        _, rendered, _ = rendered_for(request.args.get("subscriber", ""))
        return Response(rendered.text, mimetype="text/plain")

    @app.get("/preview/version")
    def preview_version() -> Response:
        response = jsonify(version=template_version())
        response.headers["Cache-Control"] = "no-store"
        return response


def add_archive_routes(app: Any, config: Config, store: Callable[[], Any]) -> None:
    """The archive of past editions (``/editions/``) and its Atom feed (``/editions.atom``)."""
    from flask import Response, abort, redirect

    from digest.pipeline import edition_view

    def edition_on(day: str) -> Any:
        try:
            date.fromisoformat(day)
        except ValueError:
            abort(404)
        edition = store().get_edition(day)
        if edition is None or not (edition.html or edition.story_count):
            abort(404)
        return edition

    @app.get("/editions")
    def editions_redirect() -> Any:
        return redirect("/editions/", code=301)

    @app.get("/editions/")
    def editions_list() -> Response:
        editions = [e for e in store().list_editions(limit=365) if e.story_count]
        html = make_renderer(config).render_page(
            "web/editions.html", editions=editions, title=config.digest.title
        )
        return Response(html, mimetype="text/html")

    @app.get("/editions/<day>")
    def edition_page(day: str) -> Response:
        if day.endswith(".txt"):
            return Response(edition_on(day[:-4]).text, mimetype="text/plain")
        edition = edition_on(day)
        # The archive shows the whole edition: the email may have left stories out for size.
        view = edition_view(config, store(), edition)
        if not view.story_count:
            return Response(edition.html, mimetype="text/html")
        return Response(make_renderer(config, limit=False).render(view).html, mimetype="text/html")

    @app.get("/editions.atom")
    def editions_feed() -> Response:
        editions = [e for e in store().list_editions(limit=FEED_ENTRIES) if e.story_count]
        base = config.digest.base_url.rstrip("/")
        entries = [
            {
                "edition": e,
                "url": f"{base}/editions/{e.date}",
                "updated": _rfc3339(e.frozen_at or e.created_at),
                "content": _body_of(e.html),
            }
            for e in editions
        ]
        feed = make_renderer(config).render_page(
            "web/editions.atom",
            title=config.digest.title,
            base=base,
            entries=entries,
            updated=entries[0]["updated"] if entries else _rfc3339(""),
        )
        return Response(feed, mimetype="application/atom+xml")


def _rfc3339(stamp: str) -> str:
    """A stored UTC timestamp as Atom wants it; now when it is missing or unreadable."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        moment = datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _body_of(html: str) -> str:
    """What is between <body> and </body> (an email's visible part), else the whole document."""
    import re

    found = re.search(r"<body[^>]*>(.*)</body>", html, re.S | re.I)
    body = found.group(1).strip() if found else html
    # The inbox preview line is hidden by CSS that feed readers may strip: leave it out.
    return re.sub(r'<div class="preheader"[^>]*>.*?</div>', "", body, count=1, flags=re.S)


def add_unsubscribe_routes(app: Any, config: Config, store: Callable[[], Any]) -> None:
    """``/unsubscribe/<token>``: GET shows a confirmation page and changes nothing (mail scanners
    follow links); POST unsubscribes at once, idempotently: the RFC 8058 one-click request, which
    carries no cookie or CSRF token, the signed token being the proof. A bad token is a 400."""
    from flask import Response, request
    from markupsafe import escape

    from digest.deliver import read_unsubscribe_token
    from digest.pipeline import signing_secret

    def page(title: str, body: str, status: int = 200) -> Response:
        html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title></head>"
            '<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto">'
            f"<h1>{escape(title)}</h1>{body}</body></html>"
        )
        return Response(html, status=status, mimetype="text/html")

    def subscriber_for(token: str) -> Any:
        subscriber_id = read_unsubscribe_token(signing_secret(config, store()), token)
        return store().get_subscriber(subscriber_id) if subscriber_id is not None else None

    invalid = "<p>This unsubscribe link is not valid. Use the link from your latest digest.</p>"

    @app.get("/unsubscribe/<token>")
    def unsubscribe_confirm(token: str) -> Response:
        subscriber = subscriber_for(token)
        if subscriber is None:
            return page("Link not valid", invalid, 400)
        if subscriber.status != "active":
            return page("Unsubscribed", f"<p>{escape(subscriber.email)} gets no more digests.</p>")
        return page(
            "Unsubscribe?",
            f"<p>Stop sending {escape(config.digest.title)} to {escape(subscriber.email)}?</p>"
            f'<form method="post" action="{escape(request.path)}">'
            '<button type="submit">Unsubscribe</button></form>',
        )

    @app.post("/unsubscribe/<token>")
    def unsubscribe_now(token: str) -> Response:
        subscriber = subscriber_for(token)
        if subscriber is None:
            return page("Link not valid", invalid, 400)
        store().unsubscribe(subscriber.id)
        return page("Unsubscribed", f"<p>{escape(subscriber.email)} gets no more digests.</p>")


def serve(config: Config, *, host: str, port: int) -> None:
    """Serve the app until interrupted; the caller says what is served where."""
    from werkzeug.serving import run_simple

    run_simple(host, port, create_app(config), threaded=True)
