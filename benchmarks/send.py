"""The send of one edition to many subscribers, end to end through `digest send`, against the
rss2email way of mailing (build a MIME message, open a connection, sendmail, quit) in the same run.

    PYTHONPATH=. .venv/bin/python benchmarks/send.py [--subscribers 10000] [--stories 20]

Both send to the same SMTP server on 127.0.0.1, in processes of its own, which counts what it
accepts per recipient (everyone exactly once is checked). By default it is ``LeanSMTP``, a real
SMTP server that costs far less CPU a message than aiosmtpd (``--sink aiosmtpd``), which on a
2-core machine would otherwise set the pace of everything it measures; ``--sink-processes N``
runs N of them on one port (SO_REUSEPORT). Besides messages per second (wall time, which on a
shared machine moves with the load; the load average is printed), the CPU time a message of each
sender and of the server is printed: the load-independent costs. The digest figure is
the wall time of a `python -m digest send` process (start-up, ledger, rendering,
SMTP), with the edition already built and frozen, as it is for every send after the day's first.
With ``--postgres`` the store is PostgreSQL (a throwaway server, tests/postgres_server.py), and
``--processes 1,3`` runs one send process, then three at once on a fresh copy of the same data.
``--before DIR`` first runs the `digest send` of an earlier source tree (``git archive main``) on a
copy of the same database, for the figure before a change, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
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
from collections.abc import Callable
from datetime import UTC, datetime
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from functools import partial
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
            await asyncio.sleep(self.delay)
        self.accepted(envelope.rcpt_tos)
        return "250 OK"

    def accepted(self, recipients: list[str]) -> None:
        """One message taken for ``recipients``."""
        self.count += 1
        for rcpt in recipients:
            self.recipients[rcpt] = self.recipients.get(rcpt, 0) + 1


class LeanSMTP(asyncio.Protocol):
    """One connection of a lean SMTP server: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.

    aiosmtpd reads a message line by line in Python (about 3 ms of CPU for a 41 KB digest on this
    machine, more than the sender spends on it), so the benchmark's server would set the pace.
    This one finds the end of the data with one ``bytes.find`` per read and answers 250 once the
    whole message (ending in CRLF.CRLF) is in, after ``delay``: a real server on a real socket,
    just cheap. Every accepted message is counted per recipient, like ``Sink``.
    """

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.buffer = b""
        self.scanned = 0  # how far into the buffered data the end was looked for
        self.in_data = False
        self.sender: str | None = None
        self.recipients: list[str] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.reply(b"220 sink ESMTP")

    def reply(self, line: bytes) -> None:
        self.transport.write(line + b"\r\n")  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.buffer:
            if self.in_data:
                # The data ends at CRLF.CRLF, or at ".CRLF" at once (an empty message).
                if self.buffer.startswith(b".\r\n"):
                    end, cut = 0, 3
                else:
                    end = self.buffer.find(b"\r\n.\r\n", self.scanned)
                    cut = end + 5
                if end < 0:
                    self.scanned = max(0, len(self.buffer) - 4)
                    return
                self.buffer, self.in_data, self.scanned = self.buffer[cut:], False, 0
                self.message_done(list(self.recipients))
                self.sender, self.recipients = None, []
                continue
            line, found, rest = self.buffer.partition(b"\r\n")
            if not found:
                return
            self.buffer = rest
            self.command(line)

    def message_done(self, recipients: list[str]) -> None:
        if not self.sink.delay:
            self.sink.accepted(recipients)
            self.reply(b"250 OK")
            return

        def later() -> None:
            self.sink.accepted(recipients)
            if not self.transport.is_closing():
                self.reply(b"250 OK")

        asyncio.get_running_loop().call_later(self.sink.delay, later)

    def command(self, line: bytes) -> None:
        verb, _, argument = line.decode("ascii", "replace").partition(" ")
        verb = verb.upper()
        address = argument.partition("<")[2].partition(">")[0]
        if verb == "EHLO":
            self.reply(b"250-sink\r\n250 8BITMIME")
        elif verb in ("HELO", "NOOP"):
            self.reply(b"250 OK")
        elif verb == "RSET":
            self.sender, self.recipients = None, []
            self.reply(b"250 OK")
        elif verb == "MAIL" and argument.upper().startswith("FROM:"):
            self.sender, self.recipients = address, []
            self.reply(b"250 OK")
        elif verb == "RCPT" and argument.upper().startswith("TO:") and address:
            if self.sender is None:
                self.reply(b"503 MAIL first")
            else:
                self.recipients.append(address)
                self.reply(b"250 OK")
        elif verb == "DATA":
            if not self.recipients:
                self.reply(b"503 RCPT first")
            else:
                self.in_data = True
                self.reply(b"354 End data with <CR><LF>.<CR><LF>")
        elif verb == "QUIT":
            self.reply(b"221 Bye")
            self.transport.close()
        else:
            self.reply(b"500 Command not recognised")


class SinkServer:
    """The SMTP sink in ``processes`` processes of their own (so that its CPU is not counted as
    the senders'), all listening on one port with SO_REUSEPORT (the kernel spreads the
    connections); ``counts``, ``reset`` and ``cpu_seconds`` ask them over pipes. ``kind`` is
    "lean" (``LeanSMTP``) or "aiosmtpd" (one process only)."""

    def __init__(self, delay: float = 0.0, kind: str = "lean", processes: int = 1) -> None:
        if kind == "aiosmtpd" and processes != 1:
            raise SystemExit("the aiosmtpd sink runs in one process")
        self.port = free_port()
        self.pipes = []
        self.processes = []
        for _ in range(processes):
            pipe, child = multiprocessing.Pipe()
            self.pipes.append(pipe)
            self.processes.append(
                multiprocessing.get_context("fork").Process(
                    target=_serve, args=(child, self.port, delay, kind), daemon=True
                )
            )

    def __enter__(self) -> SinkServer:
        for process in self.processes:
            process.start()
        for pipe in self.pipes:
            assert pipe.recv() == "ready"
        return self

    def _ask(self, command: str) -> list[Any]:
        for pipe in self.pipes:
            pipe.send(command)
        return [pipe.recv() for pipe in self.pipes]

    def counts(self) -> tuple[int, dict[str, int]]:
        """Messages accepted, and how many each recipient got, over all the processes."""
        count, recipients = 0, {}
        for each_count, each in self._ask("counts"):
            count += each_count
            for rcpt, times in each.items():
                recipients[rcpt] = recipients.get(rcpt, 0) + times
        return count, recipients

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the sink's processes have used so far."""
        return float(sum(self._ask("cpu")))

    def reset(self) -> None:
        self._ask("reset")

    def __exit__(self, *exc: object) -> None:
        self._ask("stop")
        for process in self.processes:
            process.join(timeout=30)


def _serve(pipe: Any, port: int, delay: float, kind: str) -> None:
    sink = Sink(delay)

    def answer() -> bool:
        command = pipe.recv()
        if command == "counts":
            pipe.send((sink.count, dict(sink.recipients)))
        elif command == "cpu":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            pipe.send(usage.ru_utime + usage.ru_stime)
        elif command == "reset":
            sink.count, sink.recipients = 0, {}
            pipe.send("ok")
        else:
            pipe.send("stopped")
            return False
        return True

    if kind == "aiosmtpd":
        from aiosmtpd.controller import Controller

        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        pipe.send("ready")
        while answer():
            pass
        controller.stop()
        return

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: LeanSMTP(sink), "127.0.0.1", port, reuse_port=True
        )
        done = loop.create_future()

        def on_command() -> None:
            if not answer():
                done.set_result(None)

        loop.add_reader(pipe.fileno(), on_command)
        pipe.send("ready")
        await done
        loop.remove_reader(pipe.fileno())
        server.close()

    asyncio.run(serve())


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


def rss2email_style(port: int, html: str, count: int) -> tuple[float, float]:
    """Send ``count`` messages the rss2email way (a MIME message each, one connection each):
    the seconds taken and the CPU seconds this process used."""
    started, cpu = time.perf_counter(), time.process_time()
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
    return time.perf_counter() - started, time.process_time() - cpu


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
        "--sink", choices=("lean", "aiosmtpd"), default="lean", help="the SMTP server's kind"
    )
    parser.add_argument(
        "--sink-processes", type=int, default=1, help="lean SMTP server processes on one port"
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
    load_before = os.getloadavg()
    # (label, seconds, messages, everyone exactly once, sender CPU s, sink CPU s)
    runs: list[tuple[str, float, int, bool, float, float]] = []
    try:
        with SinkServer(args.smtp_delay, args.sink, args.sink_processes) as sink:

            def measured(
                label: str, messages: int, work: Callable[[], tuple[float, float]]
            ) -> None:
                sink.reset()
                sink_cpu = sink.cpu_seconds()
                seconds, cpu = work()
                sink_cpu = sink.cpu_seconds() - sink_cpu
                count, recipients = sink.counts()
                once = count == messages == len(recipients) and set(recipients.values()) == {1}
                runs.append((label, seconds, messages, once, cpu, sink_cpu))

            for processes in [int(n) for n in args.processes.split(",")]:
                with tempfile.TemporaryDirectory() as folder:
                    database = server.create_database() if server else ""
                    config_path = write_config(Path(folder), sink.port, database, args.concurrency)
                    html = fill_store(config_path, args.stories, args.subscribers)
                    if not runs:
                        measured(
                            f"rss2email-style smtplib ({args.baseline} msgs)",
                            args.baseline,
                            partial(rss2email_style, sink.port, html, args.baseline),
                        )
                    if args.before and len(runs) == 1:
                        lite = Path(folder) / "digest.db"
                        shutil.copyfile(lite, Path(folder) / "before.db")
                        measured(
                            f"digest send before ({args.before})",
                            args.subscribers,
                            partial(digest_send, config_path, processes, args.before),
                        )
                        shutil.copyfile(Path(folder) / "before.db", lite)
                        for suffix in ("-wal", "-shm"):
                            Path(str(lite) + suffix).unlink(missing_ok=True)
                    measured(
                        f"digest send x{processes}",
                        args.subscribers,
                        partial(digest_send, config_path, processes),
                    )
    finally:
        if server:
            server.stop()
    load_after = os.getloadavg()
    store = "PostgreSQL" if args.postgres else "SQLite"
    delay = f", {args.smtp_delay * 1000:.0f} ms a message" if args.smtp_delay else ""
    print(
        f"one edition ({args.stories} stories, {len(html) // 1000} KB HTML) to "
        f"{args.subscribers} subscribers, {args.sink} SMTP server x{args.sink_processes} on "
        f"127.0.0.1{delay}, {store} store, [mail] concurrency {args.concurrency}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after, {os.cpu_count()} cores"
    )
    baseline = runs[0][2] / runs[0][1]
    first_digest = next((run for run in runs if run[0].startswith("digest send x")), runs[0])
    for label, seconds, messages, once, cpu, sink_cpu in runs:
        rate = messages / seconds
        versus = f"{rate / baseline:.2f}x the baseline"
        if label.startswith("digest send x") and label != first_digest[0]:
            versus += f", {rate / (first_digest[2] / first_digest[1]):.2f}x {first_digest[0]}"
        print(
            f"  {label:<48} {seconds:7.1f} s {rate:8.1f} msg/s  {versus}; "
            f"everyone exactly once: {'yes' if once else 'NO'}"
        )
        print(
            f"    CPU a message: sender {cpu / messages * 1000:.2f} ms (start-up included), "
            f"SMTP server {sink_cpu / messages * 1000:.2f} ms"
        )


if __name__ == "__main__":
    main()
