"""The two web apps: the public one subscribers reach, and the operator's preview.

``create_public_app(config)`` is what ``digest serve`` runs, reachable by every recipient. It serves
only what a stranger may see, and no GET changes anything:

    /unsubscribe/TOKEN      GET: a confirmation page (changes nothing); POST: unsubscribe at once
                            (RFC 8058 one-click); a token that is not validly signed gets a 400
    /editions/              the archive: every edition, newest first
    /editions/DATE          one edition in full (no size limit), ``/editions/DATE.txt`` its text
    /editions.atom          an Atom feed of the editions, for feed readers

``create_preview_app(config)`` is what ``digest preview --serve`` runs, on loopback by default and
behind HTTP Basic login (``$DIGEST_PREVIEW_PASSWORD``) when bound elsewhere. It is read-only too, and
never shows a real token: its unsubscribe and preferences links are samples.

    /, /preview             the email in a frame, its text part, its size, a subscriber switch; it
                            reloads itself when a template file changes
    /preview/html, /text    the two parts of today's email (``?subscriber=EMAIL``: with only that
                            subscriber's sections)
    /preview/version        the newest template file's modification time (what the page polls)
    /editions/...           the archive, as above

Both answer only to known host names (base_url's, loopback, ``[web] hosts``), so a DNS-rebinding
page cannot reach them, and send ``Cache-Control: no-store`` on every personal page.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from digest.config import Config
from digest.errors import ConfigError
from digest.wiring import Components, build_renderer

PREVIEW_POLL_SECONDS = 1.0
FEED_ENTRIES = 20
SAMPLE_TOKEN = "sample-token"  # what the preview shows in place of a subscriber's real token
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def create_public_app(config: Config, *, mailer: Callable[[], Any] | None = None) -> Any:
    """The app strangers reach (``digest serve``): unsubscribe, preferences, the archive (unless
    ``[web] archive = false``) and sign-up (with ``[web] signup = true``; ``mailer`` opens the
    connection its confirmation mails go out on)."""
    app = _base_app(config, private_prefixes=("/unsubscribe/", "/preferences/", "/signup"))
    store = app.config["STORE"]
    if config.web.archive:
        add_archive_routes(app, config, store)
    add_unsubscribe_routes(app, config, store)
    add_preferences_routes(app, config, store)
    if config.web.signup:
        add_signup_routes(app, config, store, mailer)
    return app


def create_preview_app(config: Config, *, password: str = "") -> Any:
    """The operator's preview (``digest preview --serve``); with ``password``, every request needs
    HTTP Basic login with it (any user name)."""
    app = _base_app(config, private_prefixes=("/",))
    add_preview_routes(app, config, app.config["STORE"])
    add_archive_routes(app, config, app.config["STORE"], preview=True)
    if password:
        _require_password(app, password)
    return app


def _base_app(config: Config, *, private_prefixes: tuple[str, ...]) -> Any:
    """A Flask app with one store connection per request, the Host check and safe headers."""
    from flask import Flask, Response, abort, g, request

    from digest.store import Store

    app = Flask("digest")
    app.config["DIGEST"] = config
    allowed = allowed_hosts(config)

    parts = Components(config)

    def store() -> Store:
        if "store" not in g:
            g.store = parts.open_store()
        opened: Store = g.store
        return opened

    app.config["STORE"] = store

    @app.before_request
    def check_host() -> None:
        # DNS rebinding: a page on an attacker's name that resolves to us sends its own Host.
        if host_name(request.host) not in allowed:
            abort(400)

    @app.after_request
    def safe_headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"  # tokens live in paths
        if not request.path.startswith("/preview"):
            response.headers["X-Frame-Options"] = "DENY"
        if request.path.startswith(private_prefixes):
            response.headers["Cache-Control"] = "no-store"
        return response

    def log_exception(exc_info: Any) -> None:
        # Flask's own message names the path, and paths hold subscribers' tokens.
        app.logger.error(
            "Exception on %s [%s]", redacted(request.path), request.method, exc_info=exc_info
        )

    app.log_exception = log_exception  # type: ignore[method-assign]  # one instance only

    @app.teardown_appcontext
    def close_store(_: BaseException | None) -> None:
        opened = g.pop("store", None)
        if opened is not None:
            opened.close()

    return app


TOKEN_ROUTES = ("/unsubscribe/", "/preferences/", "/signup/confirm/")


def redacted(path: str) -> str:
    """``path`` fit for a log: the token after a token route's prefix replaced by '…'."""
    for prefix in TOKEN_ROUTES:
        if path.startswith(prefix):
            rest = path[len(prefix) :]
            return prefix + "…" + ("/undo" if rest.endswith("/undo") else "")
    return path


def host_name(host: str) -> str:
    """The name part of a Host header value ('[::1]:8080' -> '::1'), lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        return host.partition(":")[0]
    return host


def allowed_hosts(config: Config) -> set[str]:
    """The host names the web apps answer to: base_url's, loopback's, the listening addresses
    (unless wildcards) and ``[web] hosts``."""
    names = {*LOOPBACK_NAMES, *(name.lower() for name in config.web.hosts)}
    base = urlsplit(config.digest.base_url).hostname
    if base:
        names.add(base.lower())
    for address in (config.web.host, config.web.preview_host):
        if address not in ("", "0.0.0.0", "::"):
            names.add(host_name(address))
    return names


def is_loopback(host: str) -> bool:
    """True for 'localhost' and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _require_password(app: Any, password: str) -> None:
    from flask import Response, request

    @app.before_request
    def login() -> Response | None:
        given = request.authorization.password if request.authorization else None
        if given is not None and hmac.compare_digest(given.encode(), password.encode()):
            return None
        return Response(
            "Log in with the preview password ($DIGEST_PREVIEW_PASSWORD).\n",
            status=401,
            headers={"WWW-Authenticate": 'Basic realm="digest preview", charset="UTF-8"'},
            mimetype="text/plain",
        )


def make_renderer(config: Config, *, limit: bool = True) -> Any:
    """The renderer the config asks for; ``limit`` off renders whole editions (the archive)."""
    return build_renderer(config, limit=limit)


def sample_links(config: Config) -> tuple[str, str]:
    """(unsubscribe, preferences) links as the preview shows them: the real shape, no real token."""
    base = config.digest.base_url.rstrip("/")
    return f"{base}/unsubscribe/{SAMPLE_TOKEN}", f"{base}/preferences/{SAMPLE_TOKEN}"


def add_preview_routes(app: Any, config: Config, store: Callable[[], Any]) -> None:
    """The live preview of today's edition: ``/``, ``/preview``, its parts and its reload check.

    Read-only: it renders what ``build_edition`` would make now without claiming or saving
    anything, and with sample links in place of each subscriber's signed ones.
    """
    from flask import Response, jsonify, request

    from digest.pipeline import preview_edition
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
        view = preview_edition(config, store())
        subscriber = subscriber_named(email)
        recipient = Recipient()
        if subscriber is not None:
            # What this subscriber is sent (their sections), with sample links, not their token.
            view = view.only_sections(subscriber.sections)
            unsubscribe_url, preferences_url = sample_links(config)
            recipient = Recipient(
                email=subscriber.email,
                name=subscriber.name,
                unsubscribe_url=unsubscribe_url,
                preferences_url=preferences_url,
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
        return jsonify(version=template_version())


def add_archive_routes(
    app: Any, config: Config, store: Callable[[], Any], *, preview: bool = False
) -> None:
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
            "web/editions.html", editions=editions, title=config.digest.title, preview=preview
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


def page_response(config: Config, title: str, message: Any, status: int = 200) -> Any:
    """One of the public app's small pages: ``message`` is markup already escaped."""
    from flask import Response

    html = make_renderer(config).render_page(
        "web/page.html", title=title, site=config.digest.title, message=message
    )
    return Response(html, status=status, mimetype="text/html")


def add_unsubscribe_routes(app: Any, config: Config, store: Callable[[], Any]) -> None:
    """``/unsubscribe/<token>``: GET shows a confirmation page and changes nothing (mail scanners
    follow links); POST unsubscribes at once, idempotently: the RFC 8058 one-click request, which
    carries no cookie or CSRF token, the signed token being the proof. ``.../undo`` (POST)
    subscribes the same person again. A bad token is a 400."""
    from flask import Response, request
    from markupsafe import Markup, escape

    from digest.deliver import read_unsubscribe_token
    from digest.pipeline import known_signing_secret

    def subscriber_for(token: str) -> Any:
        # No key yet means no link was ever sent: nothing is valid, and a GET creates nothing.
        secret = known_signing_secret(config, store())
        subscriber_id = read_unsubscribe_token(secret, token) if secret else None
        return store().get_subscriber(subscriber_id) if subscriber_id is not None else None

    invalid = Markup(
        "<p>This unsubscribe link is not valid. Use the link from your latest digest.</p>"
    )

    def unsubscribed(subscriber: Any, token: str) -> Response:
        undo = ""
        if subscriber.status == "unsubscribed":
            undo = Markup(
                '<form method="post" action="/unsubscribe/{}/undo"><p>Changed your mind? '
                '<button type="submit">Subscribe again</button></p></form>'
            ).format(token)
        message = Markup("<p>{} gets no more digests.</p>{}").format(subscriber.email, undo)
        return page_response(config, "Unsubscribed", message)

    @app.get("/unsubscribe/<token>")
    def unsubscribe_confirm(token: str) -> Response:
        subscriber = subscriber_for(token)
        if subscriber is None:
            return page_response(config, "Link not valid", invalid, 400)
        if subscriber.status != "active":
            return unsubscribed(subscriber, token)
        return page_response(
            config,
            "Unsubscribe?",
            Markup(
                '<p>Stop sending {} to {}?</p><form method="post" action="{}">'
                '<button type="submit">Unsubscribe</button></form>'
            ).format(config.digest.title, subscriber.email, escape(request.path)),
        )

    @app.post("/unsubscribe/<token>")
    def unsubscribe_now(token: str) -> Response:
        subscriber = subscriber_for(token)
        if subscriber is None:
            return page_response(config, "Link not valid", invalid, 400)
        return unsubscribed(store().unsubscribe(subscriber.id), token)

    @app.post("/unsubscribe/<token>/undo")
    def unsubscribe_undo(token: str) -> Response:
        subscriber = subscriber_for(token)
        if subscriber is None:
            return page_response(config, "Link not valid", invalid, 400)
        again = store().resubscribe(subscriber.id)
        if again.status != "active":  # bounced: the address does not take mail
            return page_response(
                config,
                "Cannot subscribe again",
                Markup("<p>Mail to {} bounced, so it cannot be subscribed from here.</p>").format(
                    again.email
                ),
                409,
            )
        return page_response(
            config,
            "Subscribed again",
            Markup("<p>{} gets {} again.</p>").format(again.email, config.digest.title),
        )


def add_preferences_routes(app: Any, config: Config, store: Callable[[], Any]) -> None:
    """``/preferences/<token>``, the signed link in every email: GET shows the subscriber's send
    time (to the minute), time zone and sections and changes nothing; POST saves them, or
    unsubscribes. No login: the token is the key."""
    from zoneinfo import available_timezones

    from flask import Response, request
    from markupsafe import Markup

    from digest.deliver import read_preferences_token, unsubscribe_token
    from digest.pipeline import known_signing_secret

    zones = sorted(available_timezones())
    invalid = Markup(
        "<p>This preferences link is not valid. Use the link from your latest digest.</p>"
    )

    def subscriber_for(token: str) -> tuple[Any, str]:
        secret = known_signing_secret(config, store()) or ""
        subscriber_id = read_preferences_token(secret, token) if secret else None
        found = store().get_subscriber(subscriber_id) if subscriber_id is not None else None
        return found, secret

    def section_names() -> list[str]:
        names = [each.section or each.name for each in config.sources]
        names += [each.section or each.name for each in store().list_sources()]
        return list(dict.fromkeys(name for name in names if name))

    def form(subscriber: Any, *, saved: bool = False, error: str = "", status: int = 200) -> Any:
        chosen = {name.casefold() for name in subscriber.sections}
        names = section_names() + [n for n in subscriber.sections if n not in section_names()]
        html = make_renderer(config).render_page(
            "web/preferences.html",
            title="Your digest",
            site=config.digest.title,
            subscriber=subscriber,
            send_at=""
            if subscriber.hour is None
            else f"{subscriber.hour:02d}:{subscriber.minute:02d}",
            zone=subscriber.timezone,
            zones=zones,
            sections=[(name, name.casefold() in chosen) for name in names],
            default_zone=config.digest.timezone,
            default_send_at=config.digest.send_at,
            saved=saved,
            error=error,
            action=request.path,
        )
        return Response(html, status=status, mimetype="text/html")

    @app.get("/preferences/<token>")
    def preferences_page(token: str) -> Response:
        subscriber, _ = subscriber_for(token)
        if subscriber is None:
            return page_response(config, "Link not valid", invalid, 400)
        return form(subscriber)

    @app.post("/preferences/<token>")
    def preferences_save(token: str) -> Response:
        subscriber, secret = subscriber_for(token)
        if subscriber is None:
            return page_response(config, "Link not valid", invalid, 400)
        if request.form.get("action") == "unsubscribe":
            store().unsubscribe(subscriber.id)
            undo = unsubscribe_token(secret, subscriber.id)
            return page_response(
                config,
                "Unsubscribed",
                Markup(
                    '<p>{} gets no more digests.</p><form method="post" action="/unsubscribe/{}'
                    '/undo"><p>Changed your mind? <button type="submit">Subscribe again</button>'
                    "</p></form>"
                ).format(subscriber.email, undo),
            )
        send_at = request.form.get("send_at", "").strip()
        zone = request.form.get("timezone", "").strip()
        known = {name.casefold(): name for name in section_names() + list(subscriber.sections)}
        picked = [known.get(name.casefold()) for name in request.form.getlist("sections")]
        hour_text, _, minute_text = send_at.partition(":")
        if send_at and not (
            hour_text.isascii()
            and minute_text.isascii()
            and hour_text.isdigit()
            and minute_text.isdigit()
            and int(hour_text) < 24
            and int(minute_text) < 60
        ):
            return form(subscriber, error="The send time must be HH:MM, e.g. 07:30.", status=400)
        if zone and zone not in zones:
            return form(subscriber, error="Choose a time zone from the list.", status=400)
        if None in picked:
            return form(subscriber, error="Choose sections from the list.", status=400)
        updated = store().set_preferences(
            subscriber.id,
            timezone=zone,
            hour=int(hour_text) if send_at else None,
            minute=int(minute_text) if send_at else 0,
            sections=[name for name in picked if name],
        )
        return form(updated, saved=True)


class SignupDesk:
    """Takes sign-up requests and mails each confirmation from one background thread.

    The web request only queues the address, so how long it takes says nothing about whether the
    address is already subscribed; the thread decides whether to mail (not to active subscribers).
    ``allow`` is the per-client rate limit: at most ``per_hour`` requests in any hour.
    """

    def __init__(self, config: Config, mailer: Callable[[], Any] | None) -> None:
        import queue
        import threading

        self.config, self.mailer = config, mailer
        self.queue: queue.Queue[str] = queue.Queue(maxsize=1000)
        self.recent: dict[str, list[float]] = {}
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._work, name="digest-signup", daemon=True)
        self.thread.start()

    def allow(self, client: str, now: float) -> bool:
        """Count one request from ``client``; False when it is over the hourly limit."""
        with self.lock:
            if len(self.recent) > 10_000:  # forget old clients rather than grow without end
                self.recent = {k: v for k, v in self.recent.items() if v and v[-1] > now - 3600}
            times = [t for t in self.recent.get(client, []) if t > now - 3600]
            allowed = len(times) < self.config.web.signup_per_hour
            if allowed:
                times.append(now)
            self.recent[client] = times
            return allowed

    def request(self, email: str) -> None:
        import queue

        try:
            self.queue.put_nowait(email)
        except queue.Full:
            pass  # a flood: the rate limit per client was not enough; drop, say nothing

    def wait_idle(self) -> None:
        """Block until every queued request has been handled (tests use this)."""
        self.queue.join()

    def _work(self) -> None:
        import logging

        log = logging.getLogger(__name__)
        while True:
            email = self.queue.get()
            try:
                self._confirm(email)
            except Exception:  # one request's failure is its own; the desk keeps working
                log.exception("sign-up confirmation to an address failed")
            finally:
                self.queue.task_done()

    def _confirm(self, email: str) -> None:
        import time

        from digest.deliver import compose, signup_token
        from digest.pipeline import signing_secret
        from digest.store import open_store

        store = open_store(self.config)
        try:
            known = {s.email.casefold(): s for s in store.list_subscribers("active")}
            if email.casefold() in known or self.mailer is None:
                return  # already subscribed: nothing to confirm, and the page said the same
            secret = signing_secret(self.config, store)
        finally:
            store.close()
        hours = self.config.web.signup_expiry_hours
        token = signup_token(secret, email, int(time.time()) + hours * 3600)
        link = f"{self.config.digest.base_url.rstrip('/')}/signup/confirm/{token}"
        renderer = make_renderer(self.config)
        context = {"site": self.config.digest.title, "link": link, "hours": hours}
        message = compose(
            sender=self.config.mail.sender,
            recipient=email,
            subject=f"Confirm your subscription to {self.config.digest.title}",
            html=renderer.render_page("web/signup_email.html", **context),
            text=renderer.render_page("web/signup_email.txt", **context),
        )
        mailer = self.mailer()
        try:
            mailer.send(message)
        finally:
            mailer.close()


def add_signup_routes(
    app: Any, config: Config, store: Callable[[], Any], mailer: Callable[[], Any] | None
) -> None:
    """``/signup`` (double opt-in): GET the form; POST queues a confirmation mail and always
    answers the same page; ``/signup/confirm/<token>`` GET shows a button, and only its POST
    makes the subscriber active. Requests are limited per client address."""
    import time

    from flask import Response, request
    from markupsafe import Markup

    from digest.deliver import (
        preferences_token,
        read_signup_token,
        valid_email,
    )
    from digest.pipeline import known_signing_secret

    desk = SignupDesk(config, mailer)
    app.config["SIGNUP_DESK"] = desk

    def signup_page(*, sent: bool = False, error: str = "", status: int = 200) -> Response:
        html = make_renderer(config).render_page(
            "web/signup.html",
            title=f"Subscribe to {config.digest.title}",
            site=config.digest.title,
            sent=sent,
            error=error,
        )
        return Response(html, status=status, mimetype="text/html")

    invalid = Markup(
        "<p>This confirmation link is not valid or has expired. "
        '<a href="/signup">Sign up again</a> for a new one.</p>'
    )

    @app.get("/signup")
    def signup_form() -> Response:
        return signup_page()

    @app.post("/signup")
    def signup_request() -> Response:
        if not desk.allow(request.remote_addr or "", time.monotonic()):
            return page_response(
                config, "Too many requests", Markup("<p>Please try again later.</p>"), 429
            )
        email = request.form.get("email", "").strip()
        if not valid_email(email):
            return signup_page(error="That is not an email address.", status=400)
        desk.request(email)
        return signup_page(sent=True)

    def confirmed_address(token: str) -> str | None:
        secret = known_signing_secret(config, store())
        return read_signup_token(secret, token, time.time()) if secret else None

    @app.get("/signup/confirm/<token>")
    def signup_confirm_page(token: str) -> Response:
        email = confirmed_address(token)
        if email is None:
            return page_response(config, "Link not valid", invalid, 400)
        return page_response(
            config,
            "Confirm your subscription",
            Markup(
                '<p>Send {} to {}?</p><form method="post" action="/signup/confirm/{}">'
                '<button type="submit">Confirm</button></form>'
            ).format(config.digest.title, email, token),
        )

    @app.post("/signup/confirm/<token>")
    def signup_confirm(token: str) -> Response:
        email = confirmed_address(token)
        if email is None:
            return page_response(config, "Link not valid", invalid, 400)
        subscriber, _ = store().add_subscriber(email)
        secret = known_signing_secret(config, store()) or ""
        link = f"/preferences/{preferences_token(secret, subscriber.id)}"
        return page_response(
            config,
            "Subscribed",
            Markup(
                '<p>{} gets {} from now on. <a href="{}">Choose its time and sections</a>.</p>'
            ).format(subscriber.email, config.digest.title, link),
        )


# The public server's bounds: what one stranger can make it hold.
SERVER_THREADS = 8  # requests handled at once; more wait in line
SERVER_CONNECTIONS = 200  # open connections at once; more are not accepted until some close
SERVER_IDLE_SECONDS = 30  # an idle or trickling connection is closed after this
MAX_BODY_BYTES = 64 * 1024  # the largest request body (a form with an address is a few hundred)
MAX_HEADER_BYTES = 16 * 1024


class WebServer:
    """One app served by waitress (a production WSGI server) on ``host:port``, with a bounded
    thread pool, request size limits and idle timeouts. ``port`` 0 picks a free port."""

    def __init__(self, app: Any, host: str, port: int, *, trusted_proxy: str = "") -> None:
        from waitress.server import create_server

        app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
        proxy: dict[str, Any] = {}
        if trusted_proxy:
            # Only this peer's X-Forwarded-* headers count (the client's address for the sign-up
            # rate limit, the scheme and host it asked for); anyone else's are dropped.
            proxy = {
                "trusted_proxy": trusted_proxy,
                "trusted_proxy_count": 1,
                "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
            }
        self._server: Any = create_server(
            app,
            host=host,
            port=port,
            threads=SERVER_THREADS,
            connection_limit=SERVER_CONNECTIONS,
            channel_timeout=SERVER_IDLE_SECONDS,
            max_request_body_size=MAX_BODY_BYTES,
            max_request_header_size=MAX_HEADER_BYTES,
            expose_tracebacks=False,
            clear_untrusted_proxy_headers=True,
            ident="digest",
            **proxy,
        )
        self.port = int(self._server.effective_port)
        self._stopping = False

    def run(self) -> None:
        """Serve until ``stop`` is called (from another thread) or the process is interrupted."""
        try:
            self._server.run()
        except (OSError, ValueError):
            if not self._stopping:  # closing the sockets under the loop is how it stops
                raise

    def stop(self) -> None:
        """Stop serving: finish the requests in hand, then close every socket (ends ``run``)."""
        from waitress import wasyncore

        self._stopping = True
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self._server._map)


def make_server(app: Any, host: str, port: int, *, trusted_proxy: str = "") -> WebServer:
    """The production server for ``app`` (see ``WebServer``), listening but not yet serving."""
    return WebServer(app, host, port, trusted_proxy=trusted_proxy)


def serve(config: Config, *, host: str, port: int, mailer: Callable[[], Any] | None = None) -> None:
    """Serve the public app until interrupted; ``mailer`` sends sign-up confirmations."""
    app = create_public_app(config, mailer=mailer)
    server = make_server(app, host, port, trusted_proxy=config.web.trusted_proxy)
    what = ["unsubscribe and preferences links"]
    what += ["the archive"] if config.web.archive else []
    what += ["sign-up"] if config.web.signup else []
    print(f"digest on http://{host}:{server.port}/: {', '.join(what)} (Ctrl-C to stop)", flush=True)
    server.run()


def serve_preview(config: Config) -> None:
    """Serve the preview until interrupted: on loopback, or elsewhere only behind a password.

    Raises ConfigError, before listening, when ``[web] preview_host`` is not loopback and
    ``$DIGEST_PREVIEW_PASSWORD`` is unset.
    """
    host, port = config.web.preview_host, config.web.preview_port
    password = config.preview_password
    if not is_loopback(host) and not password:
        raise ConfigError(
            f"the preview would listen on {host}, beyond this machine, without a login",
            hint="Set $DIGEST_PREVIEW_PASSWORD (HTTP Basic login), or keep "
            '[web] preview_host = "127.0.0.1".',
        )
    server = make_server(create_preview_app(config, password=password), host, port)
    print(
        f"digest preview on http://{host}:{server.port}/ (reloads when a template changes)"
        + (", login required" if password else "")
        + " (Ctrl-C to stop)",
        flush=True,
    )
    server.run()
