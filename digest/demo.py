"""The demo: a small local news site and one full run of digest against it, on embedded defaults.

``SiteServer`` serves a folder of static files on 127.0.0.1, writing the server's own address wherever a
file says ``__BASE__`` and answering conditional GETs, like a real publisher. ``run_demo`` starts it, writes
a config for it, adds two demo subscribers, then gathers, builds and sends (to the file outbox).
"""

from __future__ import annotations

import hashlib
import http.server
import logging
import threading
from collections.abc import Callable
from email.utils import formatdate
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from digest.errors import DigestError

if TYPE_CHECKING:
    from digest.pipeline import Progress

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
DEMO_SUBSCRIBERS = (("ada@example.com", "Ada"), ("grace@example.com", "Grace"))


class SiteServer:
    """Serves ``folder`` on 127.0.0.1 (``port`` 0 picks a free one) in a background thread."""

    def __init__(self, folder: str | Path, port: int = 0) -> None:
        self.folder = Path(folder).resolve()
        self.started = formatdate(usegmt=True)
        handler = _handler_for(self)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def body(self, relative: str) -> bytes | None:
        path = (self.folder / relative.lstrip("/")).resolve()
        if path.is_dir():
            path = path / "index.html"
        if not path.is_relative_to(self.folder) or not path.is_file():
            return None
        data = path.read_bytes()
        return data.replace(b"__BASE__", self.base_url.encode())


def _handler_for(site: SiteServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            relative = self.path.split("?", 1)[0]
            body = site.body(relative)
            if body is None:
                self.send_error(404)
                return
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            suffix = Path(relative).suffix or ".html"
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPES.get(suffix, "application/octet-stream"))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", site.started)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("demo site: " + format, *args)

    return Handler


def default_site() -> Path:
    """demo/site in the source checkout."""
    return Path(__file__).resolve().parent.parent / "demo" / "site"


def demo_config(base_url: str, workdir: Path) -> str:
    """The demo's config file: the demo feeds, embedded defaults, everything under ``workdir``."""
    return f"""# Written by `digest demo`; rewritten on every demo run.
[store]
path = "digest.db"

[[sources]]
url = "{base_url}/feeds/world.xml"
name = "Harbour Herald"
section = "World & Local"

[[sources]]
url = "{base_url}/feeds/tech.atom"
name = "Circuit Weekly"
section = "Science & Technology"

[[sources]]
url = "{base_url}/feeds/briefs.json"
name = "Morning Briefs"
section = "Briefs"

[fetch]
allow_private_addresses = true   # the demo site is on 127.0.0.1

[summarizer]
backend = "extractive"

[mail]
backend = "outbox"
from = "Demo Digest <digest@example.com>"
outbox = "outbox"

[digest]
title = "The Demo Digest"
preview = "preview.html"
max_age_hours = 100000   # the demo's stories carry fixed dates
"""


def run_demo(
    *,
    site: str | Path | None,
    workdir: Path,
    port: int,
    echo: Callable[[str], None] = print,
    progress: Progress | None = None,
) -> None:
    """Serve the demo site, then gather, build and send one edition to the demo subscribers.

    ``echo`` prints each step's outcome; ``progress`` shows the gather's and the send's progress.
    """
    from digest.pipeline import build_edition, gather, quiet, send_edition
    from digest.wiring import Components

    progress = progress or quiet
    folder = Path(site) if site else default_site()
    if not (folder / "feeds").is_dir():
        raise DigestError(
            f"the demo site is not at {folder}",
            hint="Run the demo from a source checkout, or pass --site FOLDER.",
        )
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        server = SiteServer(folder, port)
    except OSError:
        log.warning("port %d is busy; the demo site takes a free port", port)
        server = SiteServer(folder, 0)
    with server:
        config_path = workdir / "digest.toml"
        config_path.write_text(demo_config(server.base_url, workdir), encoding="utf-8")
        app = Components(config_path=str(config_path))
        try:
            config, store = app.config, app.store
            for email, name in DEMO_SUBSCRIBERS:
                store.add_subscriber(email, name)
            echo(f"demo site at {server.base_url}; config {config_path}")
            fetcher = app.fetcher()
            try:
                gathered = gather(config, store, fetcher, app.summarizer_loader(), progress)
            finally:
                fetcher.close()
            echo(
                f"gathered {gathered.new_articles} new articles from {gathered.sources_ok} sources "
                f"({gathered.from_page} extracted from their pages); summarised "
                f"{gathered.summarised}"
                + (f" with {gathered.model_id}" if gathered.model_id else "")
            )
            edition, _ = build_edition(config, store, app.renderer())
            Path(config.digest.preview).write_text(edition.html, encoding="utf-8")
            mailer = app.mailer()
            try:
                sent = send_edition(config, store, app.renderer(), mailer, progress=progress)
            finally:
                mailer.close()
            echo(
                f"edition {sent.edition_date}: {sent.stories} stories; sent {sent.sent} new "
                f"messages, {sent.skipped_already_sent} were sent before, {sent.failed} failed"
            )
            echo(f"preview:  {config.digest.preview}")
            echo(
                f"messages: {config.mail.outbox}/ "
                f"({len(list(Path(config.mail.outbox).glob('*.eml')))} .eml files)"
            )
        finally:
            app.close()
