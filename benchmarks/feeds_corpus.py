"""Gather every file of feedparser's test corpus from a local HTTP server; count what happens.

    python benchmarks/feeds_corpus.py [--corpus DIR] [--limit N]

Each file is served by a small HTTP server on 127.0.0.1 with the headers its leading comment asks
for (``Header: Content-type: ...``) and becomes one source of one config. The real source stage of
``digest gather`` (``pipeline.collect_new``: concurrent fetches, per-source failure records,
dedupe) runs over all of them at once, spread over 64 made-up host names that resolve to the
server. Printed: files, gathered OK, reported broken (by kind, with an example), items found,
crashes (unexpected errors; must be 0), hangs (timeouts, or the run outliving its budget; must be
0) and wall time.

The corpus (BSD-2-Clause) is ``../shared/data/feeds/feedparser`` beside the checkout (beside the
main checkout for a worktree); nothing from it is copied into the project.
"""

from __future__ import annotations

import argparse
import collections
import faulthandler
import http.server
import logging
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def find_corpus() -> Path:
    """``../shared/data/feeds/feedparser`` beside this checkout, or beside the main one."""
    root = Path(__file__).resolve().parent.parent
    candidates = [root.parent / "shared/data/feeds/feedparser"]
    dotgit = root / ".git"
    if dotgit.is_file():  # a worktree: ".git" names <main>/.git/worktrees/<name>
        gitdir = Path(dotgit.read_text(encoding="utf-8").partition("gitdir:")[2].strip())
        candidates.append(gitdir.parent.parent.parent.parent / "shared/data/feeds/feedparser")
    return next((c for c in candidates if c.is_dir()), candidates[0])


from digest.config import config_from_dict  # noqa: E402
from digest.fetch import HttpFetcher, Response  # noqa: E402
from digest.pipeline import GatherReport, collect_new  # noqa: E402
from digest.store import SQLiteStore  # noqa: E402

HOSTS = 64
HEADER = re.compile(rb"^\s*Header:\s*([\w-]+):[ \t]*(.*?)\s*$", re.M)
KINDS = (  # (kind, pattern in the recorded error), first match wins
    ("unexpected error (crash)", "unexpected "),
    ("unsafe XML refused", "refused"),
    ("not a readable feed", "is not a readable feed"),
    ("not a JSON Feed", "JSON"),
    ("HTTP status", "answered HTTP"),
    ("timeout (hang)", "did not answer"),
)


def replayed_headers(body: bytes) -> list[tuple[str, str]]:
    """The ``Header:`` lines of the file's leading comment, as (name, value)."""
    start = body.find(b"<!--")
    end = body.find(b"-->", start)
    if start < 0 or end < 0 or start > 400:
        return []
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in HEADER.findall(body[start:end])
    ]


class CorpusServer:
    """Serves the corpus folder; each file with its replayed headers."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        corpus = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                path = (corpus.folder / self.path.split("?")[0].lstrip("/")).resolve()
                if not path.is_relative_to(corpus.folder) or not path.is_file():
                    self.send_error(404)
                    return
                body = path.read_bytes()
                headers = replayed_headers(body)
                self.send_response(200)
                if path.suffix == ".json":
                    self.send_header("Content-Type", "application/json")
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class TimedFetcher:
    """The real fetcher, noting how long each fetch took."""

    def __init__(self, inner: HttpFetcher) -> None:
        self.inner = inner
        self.slowest = (0.0, "")
        self.lock = threading.Lock()

    def fetch(
        self, url: str, *, etag: str = "", last_modified: str = "", source: str = ""
    ) -> Response:
        started = time.monotonic()
        try:
            return self.inner.fetch(url, etag=etag, last_modified=last_modified)
        finally:
            took = time.monotonic() - started
            with self.lock:
                self.slowest = max(self.slowest, (took, url))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=0, help="only the first N files")
    parser.add_argument("--budget", type=float, default=900, help="seconds before it is a hang")
    parser.add_argument("--list", action="store_true", help="list every broken file")
    args = parser.parse_args()
    folder = (args.corpus or find_corpus()).resolve()
    if not folder.is_dir():
        print(f"no corpus at {folder}", file=sys.stderr)
        return 2
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "LICENSE")
    files = files[: args.limit] if args.limit else files
    with_headers = sum(bool(replayed_headers(p.read_bytes())) for p in files)

    server = CorpusServer(folder)
    urls = {
        f"http://f{n % HOSTS:02d}.corpus.test:{server.port}/{p.relative_to(folder)}": p
        for n, p in enumerate(files)
    }
    scratch = tempfile.TemporaryDirectory(prefix="digest-corpus-")
    workdir = Path(scratch.name)
    config = config_from_dict(
        {
            "store": {"path": "digest.db"},
            "sources": [{"url": url} for url in urls],
            "fetch": {
                "timeout": 10.0,
                "first_fetch_limit": 100_000,
                "allow_private_addresses": True,
            },
        },
        base=workdir,
    )
    store = SQLiteStore(config.store.path)
    fetcher = TimedFetcher(
        HttpFetcher(
            user_agent="digest-corpus-benchmark",
            timeout=config.fetch.timeout,
            max_bytes=config.fetch.max_bytes,
            allow_private_addresses=True,
            concurrency=config.fetch.concurrency,
            resolve=lambda host, port: ["127.0.0.1"],
        )
    )
    items_found = collections.Counter[str]()

    def watch(outcomes: Iterable[Any], label: str) -> Iterator[Any]:
        for source, found, error in outcomes:
            if found is not None:
                items_found[source.url] = len(found.items)
            yield source, found, error

    report = GatherReport()
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            collect_new(config, store, fetcher, report, watch)
        except BaseException as exc:  # counted and shown: the run itself must never fail
            outcome.append(exc)

    logging.basicConfig(level=logging.ERROR)  # hundreds of "malformed feed" warnings are expected
    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(args.budget)
    wall = time.monotonic() - started
    hung_run = worker.is_alive()
    if hung_run:
        faulthandler.dump_traceback(file=sys.stderr)

    kinds: dict[str, list[str]] = collections.defaultdict(list)
    broken = 0
    for source in [] if hung_run else store.list_sources():
        if source.status == "error":
            broken += 1
            kind = next((k for k, pattern in KINDS if pattern in source.last_error), "other")
            reason = source.last_error.replace(source.url, "").strip(" :")
            kinds[kind].append(f"{source.url.split('/', 3)[3]}: {reason[:80]}")
    timeouts = len(kinds.get("timeout (hang)", []))
    crashes = report.unexpected_errors + len(outcome)
    with_items = sum(1 for n in items_found.values() if n)
    print(f"feedparser corpus: {len(files)} files ({with_headers} with replayed headers)")
    print(f"gathered OK:      {report.sources_ok}  ({with_items} with items)")
    print(f"reported broken:  {broken}")
    for kind, examples in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
        print(f"  {kind:<26} {len(examples):>5}   e.g. {examples[0]}")
    print(
        f"items found:      {sum(items_found.values())}  ({report.new_articles} new after dedupe)"
    )
    print(f"crashes:          {crashes}" + (f"  ({outcome[0]!r})" if outcome else ""))
    print(f"hangs:            {timeouts + int(hung_run)}")
    print(f"wall time:        {wall:.1f} s  (slowest fetch {fetcher.slowest[0]:.2f} s)")
    if args.list:
        for kind, examples in kinds.items():
            print(f"\n{kind}:", *examples, sep="\n  ")
    accounted = report.sources_ok + broken == len(files)
    if not accounted:
        print(f"NOT ACCOUNTED FOR: {len(files) - report.sources_ok - broken} files")
    server.close()
    fetcher.inner.close()
    store.close()
    scratch.cleanup()
    return 0 if (crashes == 0 and timeouts == 0 and not hung_run and accounted) else 1


if __name__ == "__main__":
    sys.exit(main())
