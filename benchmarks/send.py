"""The send of one edition to many subscribers, end to end through `digest send`, against the
rss2email way of mailing (build a MIME message, open a connection, sendmail, quit) in the same run.

    PYTHONPATH=. .venv/bin/python benchmarks/send.py [--subscribers 10000] [--stories 20]

Both send to the same aiosmtpd server on 127.0.0.1 (in a process of its own), which counts what it
accepts. Besides messages per second (wall time, which on a shared machine moves with the load),
each sender's CPU time per message is printed: the load-independent cost. The digest figure is
the wall time of a `python -m digest send` process (start-up, ledger, rendering,
SMTP), with the edition already built and frozen, as it is for every send after the day's first.
With ``--postgres`` the store is PostgreSQL (a throwaway server, tests/postgres_server.py), and
``--processes 1,3`` runs one send process, then three at once on a fresh copy of the same data.
``--before DIR`` first runs the `digest send` of an earlier source tree (``git archive main``) on a
copy of the same database, for the figure before a change, in the same run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from digest.store import NewArticle, Summary

SECTIONS = ("World", "Science", "Business", "Culture")
ROOT = Path(__file__).resolve().parent.parent


class Sink:
    """Accepts every message and counts each recipient."""

    def __init__(self, delay: float = 0.0) -> None:
        self.count = 0
        self.recipients: dict[str, int] = {}
        self.delay = delay

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        self.count += 1
        for rcpt in envelope.rcpt_tos:
            self.recipients[rcpt] = self.recipients.get(rcpt, 0) + 1
        return "250 OK"


class SinkServer:
    """A ``Sink`` on aiosmtpd in a process of its own, so that its CPU is not counted as the
    senders' (``counts``, ``reset`` ask it over a pipe)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.port = free_port()
        self.pipe, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(child, self.port, delay), daemon=True
        )

    def __enter__(self) -> SinkServer:
        self.process.start()
        assert self.pipe.recv() == "ready"
        return self

    def counts(self) -> tuple[int, dict[str, int]]:
        self.pipe.send("counts")
        count, recipients = self.pipe.recv()
        return count, recipients

    def reset(self) -> None:
        self.pipe.send("reset")
        self.pipe.recv()

    def __exit__(self, *exc: object) -> None:
        self.pipe.send("stop")
        self.process.join(timeout=30)


def _serve(pipe: Any, port: int, delay: float) -> None:
    from aiosmtpd.controller import Controller

    sink = Sink(delay)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    pipe.send("ready")
    while (command := pipe.recv()) != "stop":
        if command == "counts":
            pipe.send((sink.count, dict(sink.recipients)))
        else:
            sink.count, sink.recipients = 0, {}
            pipe.send("ok")
    controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(folder: Path, port: int, database: str, concurrency: int) -> Path:
    store = f'url = "{database}"' if database else 'path = "digest.db"'
    path = folder / "digest.toml"
    path.write_text(
        f"""[store]
{store}

[mail]
backend = "smtp"
from = "Digest <digest@example.com>"
concurrency = {concurrency}

[mail.smtp]
host = "127.0.0.1"
port = {port}
security = "none"

[digest]
title = "The Benchmark Digest"
base_url = "https://digest.example"
duplicate_threshold = 0
max_age_hours = 100000
"""
    )
    return path


def fill_store(config_path: Path, stories: int, subscribers: int) -> str:
    """An edition of ``stories`` summarised stories, built and frozen; ``subscribers`` active."""
    from digest.config import load_config
    from digest.pipeline import build_edition
    from digest.store import open_store
    from digest.subscribers import SubscriberRow
    from digest.web import make_renderer

    config = load_config(str(config_path))
    store = open_store(config)
    try:
        for s, section in enumerate(SECTIONS):
            source = store.upsert_source(f"https://news{s}.example/feed", f"News {s}", section)
            for n in range(s, stories, len(SECTIONS)):
                url = f"https://news{s}.example/story-{n}"
                item = NewArticle(f"g{n}", url, url, f"fp{n}", f"Story number {n} of the day")
                article_id = store.add_article(source.id, item)
                assert article_id is not None
                text = f"Story {n}: " + "A sentence of the article, with some detail. " * 80
                store.set_article_text(article_id, text=text, origin="page", content_hash=f"h{n}")
                store.save_summary(
                    Summary(
                        f"h{n}",
                        "k",
                        "extractive",
                        "m",
                        tuple(
                            f"Bullet {b} of story {n}, a full sentence that says what happened."
                            for b in range(3)
                        ),
                    )
                )
        edition, _ = build_edition(config, store, make_renderer(config))
        store.freeze_edition(edition.id)
        store.import_subscribers(
            SubscriberRow(f"reader{n}@example.com", f"Reader {n}") for n in range(subscribers)
        )
        return edition.html
    finally:
        store.close()


def rss2email_style(port: int, html: str, count: int) -> float:
    """Messages per second the rss2email way: a MIME message each, one connection each."""
    started = time.perf_counter()
    for n in range(count):
        message = MIMEMultipart("alternative")
        message["From"] = "Digest <digest@example.com>"
        message["To"] = f"Reader {n} <reader{n}@example.com>"
        message["Subject"] = "The Benchmark Digest"
        message["Date"] = formatdate()
        message["Message-ID"] = make_msgid()
        message.attach(MIMEText(html, "html", "utf-8"))
        with smtplib.SMTP("127.0.0.1", port) as connection:
            connection.sendmail(
                "digest@example.com", [f"reader{n}@example.com"], message.as_string()
            )
    return count / (time.perf_counter() - started)


def digest_send(config_path: Path, processes: int = 1, code: Path = ROOT) -> tuple[float, float]:
    """Seconds for ``processes`` concurrent `digest send` processes (of the digest source tree
    ``code``) to finish, and the CPU seconds they used (user and system, all together)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [sys.executable, "-m", "digest", "--config", str(config_path), "send"]
    started = time.perf_counter()
    running = [
        subprocess.Popen(command, env=env, cwd=code, stdout=subprocess.PIPE)
        for _ in range(processes)
    ]
    for process in running:
        out, _ = process.communicate()
        if process.returncode:
            raise SystemExit(f"digest send failed ({process.returncode}): {out.decode()}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.perf_counter() - started, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--stories", type=int, default=20)
    parser.add_argument("--baseline", type=int, default=2_000, help="messages the baseline sends")
    parser.add_argument("--concurrency", type=int, default=2, help="[mail] concurrency")
    parser.add_argument(
        "--postgres", action="store_true", help="a PostgreSQL store (a throwaway local server)"
    )
    parser.add_argument(
        "--processes", default="1", help="comma-separated counts of `digest send` processes"
    )
    parser.add_argument(
        "--smtp-delay", type=float, default=0.0, help="seconds the server takes per message"
    )
    parser.add_argument(
        "--before",
        type=Path,
        help="a source tree of an earlier digest (git archive): its `digest send` on the same data",
    )
    args = parser.parse_args()
    if args.before and args.postgres:
        parser.error("--before runs on SQLite only (earlier versions have no PostgreSQL store)")

    server = None
    if args.postgres:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from tests.postgres_server import PostgresServer

        server = PostgresServer().start()
    rates: list[tuple[int, float, float, bool, float]] = []
    try:
        with SinkServer(args.smtp_delay) as sink:
            port = sink.port
            baseline = baseline_cpu = 0.0
            earlier: tuple[float, float] | None = None
            earlier_once = False
            for processes in [int(n) for n in args.processes.split(",")]:
                with tempfile.TemporaryDirectory() as folder:
                    database = server.create_database() if server else ""
                    config_path = write_config(Path(folder), port, database, args.concurrency)
                    html = fill_store(config_path, args.stories, args.subscribers)
                    if not baseline:
                        started = time.process_time()
                        baseline = rss2email_style(port, html, args.baseline)
                        baseline_cpu = (time.process_time() - started) / args.baseline * 1000
                    if args.before and not earlier:
                        lite = Path(folder) / "digest.db"
                        shutil.copyfile(lite, Path(folder) / "before.db")
                        sink.reset()
                        earlier = digest_send(config_path, processes, args.before)
                        earlier_once = sink.counts()[0] == args.subscribers
                        shutil.copyfile(Path(folder) / "before.db", lite)
                        for suffix in ("-wal", "-shm"):
                            Path(str(lite) + suffix).unlink(missing_ok=True)
                    sink.reset()
                    seconds, cpu = digest_send(config_path, processes)
                    count, recipients = sink.counts()
                    once = count == args.subscribers and set(recipients.values()) == {1}
                    rates.append((processes, seconds, args.subscribers / seconds, once, cpu))
    finally:
        if server:
            server.stop()
    store = "PostgreSQL" if args.postgres else "SQLite"
    delay = f", {args.smtp_delay * 1000:.0f} ms a message" if args.smtp_delay else ""
    print(
        f"one edition ({args.stories} stories, {len(html) // 1000} KB HTML) to "
        f"{args.subscribers} subscribers, aiosmtpd on 127.0.0.1{delay}, {store} store, "
        f"[mail] concurrency {args.concurrency}, {datetime.now(UTC):%Y-%m-%d}"
    )
    print(f"  rss2email-style smtplib ({args.baseline} msgs)       {baseline:8.1f} msg/s   1.00x")
    print(f"    CPU of the sender: {baseline_cpu:.2f} ms a message")
    if earlier:
        rate, per_message = args.subscribers / earlier[0], earlier[1] / args.subscribers * 1000
        print(
            f"  digest send before ({args.before}, {earlier[0]:6.1f} s)  {rate:8.1f} msg/s   "
            f"{rate / baseline:.2f}x vs baseline; everyone: {'yes' if earlier_once else 'NO'}"
        )
        print(f"    CPU of the digest process: {earlier[1]:.1f} s, {per_message:.2f} ms a message")
    for processes, seconds, rate, once, cpu in rates:
        print(
            f"  digest send x{processes} (end to end, {seconds:6.1f} s)  {rate:8.1f} msg/s   "
            f"{rate / baseline:.2f}x vs baseline, {rate / rates[0][2]:.2f}x vs "
            f"x{rates[0][0]}; everyone exactly once: {'yes' if once else 'NO'}"
        )
        per_message = cpu / args.subscribers * 1000
        print(
            f"    CPU of the digest process(es): {cpu:.1f} s, {per_message:.2f} ms a message, "
            f"{baseline_cpu / per_message:.2f}x less than the baseline's (start-up included)"
        )


if __name__ == "__main__":
    main()
