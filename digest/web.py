"""The small web app: the live preview of today's edition and the archive of past ones.

``create_app(config)`` is the app factory (tests pass their own config); ``serve`` runs it on the
configured local address.
"""

from __future__ import annotations

from typing import Any

from digest.config import Config


def create_app(config: Config) -> Any:
    """A Flask app over the store named in ``config``; one store connection per request."""
    from flask import Flask, Response, abort, g

    from digest.pipeline import build_edition
    from digest.render import Renderer
    from digest.store import SQLiteStore

    app = Flask("digest")
    app.config["DIGEST"] = config

    def store() -> SQLiteStore:
        if "store" not in g:
            g.store = SQLiteStore(config.store.path)
        opened: SQLiteStore = g.store
        return opened

    @app.teardown_appcontext
    def close_store(_: BaseException | None) -> None:
        opened = g.pop("store", None)
        if opened is not None:
            opened.close()

    @app.get("/")
    def preview() -> Response:
        edition, _ = build_edition(config, store(), Renderer(config.digest.template_dir))
        return Response(edition.html, mimetype="text/html")

    @app.get("/text")
    def preview_text() -> Response:
        edition, _ = build_edition(config, store(), Renderer(config.digest.template_dir))
        return Response(edition.text, mimetype="text/plain")

    @app.get("/editions/<day>")
    def archived(day: str) -> Response:
        edition = store().get_edition(day)
        if edition is None:
            abort(404)
        return Response(edition.html, mimetype="text/html")

    return app


def serve(config: Config, *, host: str, port: int) -> None:
    """Serve the app until interrupted."""
    from werkzeug.serving import run_simple

    print(f"digest preview on http://{host}:{port}/ (Ctrl-C to stop)")
    run_simple(host, port, create_app(config), threaded=True)
