"""A whole day on each store: `digest gather` -> `digest subscribers import` -> `digest send`, as
real processes, on SQLite and then on PostgreSQL, with the same generated site and subscribers.

    PYTHONPATH=. .venv/bin/python benchmarks/day.py [--feeds 50] [--pages 20] [--subscribers 10000]

The site (``--feeds`` RSS feeds of ``--pages`` article pages each, every article different) is
served on 127.0.0.1; mail goes to send.py's lean SMTP server on 127.0.0.1, in a process of its own. ``--summarizer lead`` (the default)
keeps the model out of the timing, which costs the same on either store; ``extractive`` puts
it back. The PostgreSQL server is a throwaway one (tests/postgres_server.py), fsync off, as the
SQLite file is on the same disk without a server. Prints each phase's seconds on each store and
PostgreSQL's time as a ratio of SQLite's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.send import SinkServer  # noqa: E402

WORDS = (
    "council harbour ferry storm budget school river market bridge station library hospital "
    "farm festival court museum railway garden factory port valley coast island forest clinic"
).split()


def article_page(feed: int, page: int) -> str:
    # Every article's own sentences, so no two share a text, a title or a fingerprint.
    sentences = [
        f"The {WORDS[(feed + n) % len(WORDS)]} report number {feed}-{page}-{n} says the "
        f"{WORDS[(page * 3 + n) % len(WORDS)]} plan will cost {feed * 100 + page * 7 + n} "
        f"thousand and open in {2027 + n % 3}, officials told residents on the {n + 1}th."
        for n in range(24)
    ]
    paragraphs = "".join(f"<p>{' '.join(sentences[i : i + 3])}</p>\n" for i in range(0, 24, 3))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Story {feed}-{page}: the {WORDS[page % len(WORDS)]} plan</title>
<meta property="article:published_time" content="2026-11-29T0{page % 10}:00:00+00:00">
</head><body><header><nav><a href="/">Home</a></nav></header>
<article><h1>Story {feed}-{page}: the {WORDS[page % len(WORDS)]} plan</h1>
{paragraphs}</article><footer><p>Copyright the Feed {feed} Gazette.</p></footer></body></html>
"""


def write_site(folder: Path, feeds: int, pages: int) -> None:
    for feed in range(feeds):
        items = "".join(
            f"""<item><title>Story {feed}-{page}: the {WORDS[page % len(WORDS)]} plan</title>
<link>__BASE__/f{feed}/a{page}.html</link><guid>f{feed}-a{page}</guid>
<pubDate>Sun, 29 Nov 2026 0{page % 10}:00:00 +0000</pubDate>
<description>Item {page} of feed {feed}.</description></item>
"""
            for page in range(pages)
        )
        (folder / f"f{feed}").mkdir(parents=True)
        (folder / f"f{feed}" / "feed.xml").write_text(
            f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
<title>Feed {feed} Gazette</title><link>__BASE__/f{feed}/</link>
<description>Feed {feed}</description>{items}</channel></rss>
""",
            encoding="utf-8",
        )
        for page in range(pages):
            (folder / f"f{feed}" / f"a{page}.html").write_text(
                article_page(feed, page), encoding="utf-8"
            )


def write_config(folder: Path, store: str, site: str, feeds: int, port: int, args: Any) -> Path:
    sources = "".join(
        f'[[sources]]\nurl = "{site}/f{n}/feed.xml"\nsection = "Section {n % 5}"\n\n'
        for n in range(feeds)
    )
    path = folder / "digest.toml"
    path.write_text(
        f"""[store]
{store}

{sources}
[fetch]
allow_private_addresses = true
first_fetch_limit = {args.pages}

[summarizer]
backend = "{args.summarizer}"

[mail]
backend = "smtp"
from = "Digest <digest@example.com>"

[mail.smtp]
host = "127.0.0.1"
port = {port}
security = "none"

[digest]
max_age_hours = 100000
duplicate_threshold = 0
base_url = "https://digest.example"
""",
        encoding="utf-8",
    )
    return path


def timed(config: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(config), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--summarizer", default="lead", choices=("lead", "extractive"))
    args = parser.parse_args()

    from digest.demo import SiteServer
    from tests.postgres_server import PostgresServer

    results: dict[str, dict[str, float]] = {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as temp, PostgresServer() as postgres:
        root = Path(temp)
        write_site(root / "site", args.feeds, args.pages)
        csv = root / "subscribers.csv"
        csv.write_text(
            "email,name\n"
            + "".join(f"reader{n}@example.com,Reader {n}\n" for n in range(args.subscribers)),
            encoding="utf-8",
        )
        with SinkServer() as sink, SiteServer(root / "site") as site:
            for name, store in (
                ("SQLite", 'path = "digest.db"'),
                ("PostgreSQL", f'url = "{postgres.create_database()}"'),
            ):
                folder = root / name
                folder.mkdir()
                config = write_config(folder, store, site.base_url, args.feeds, sink.port, args)
                sink.reset()
                phases = {
                    "gather": timed(config, "gather"),
                    "gather, nothing new": timed(config, "gather"),
                    "subscribers import": timed(config, "subscribers", "import", str(csv)),
                    "send": timed(config, "send"),
                }
                count, recipients = sink.counts()
                assert count == args.subscribers == len(recipients), (name, count)
                phases["whole day"] = sum(phases.values())
                results[name] = phases
    print(
        f"a day of {args.feeds} feeds x {args.pages} pages ({args.summarizer} summaries), "
        f"{args.subscribers} subscribers, everything on 127.0.0.1; load average "
        f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after, {os.cpu_count()} cores"
    )
    print(f"  {'phase':22} {'SQLite':>9} {'PostgreSQL':>11}   PostgreSQL/SQLite")
    for phase in results["SQLite"]:
        lite, pg = results["SQLite"][phase], results["PostgreSQL"][phase]
        print(f"  {phase:22} {lite:8.1f}s {pg:10.1f}s   {pg / lite:.2f}")


if __name__ == "__main__":
    main()
