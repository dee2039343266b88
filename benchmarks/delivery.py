"""Delivery speed to a local SMTP server (aiosmtpd on 127.0.0.1): connection reuse against one
connection per message, and several connections at once; plus importing 10,000 subscribers.

    PYTHONPATH=. .venv/bin/python benchmarks/delivery.py [--messages 600]

Every figure is measured in the same run and printed with its ratio to the one-connection-per-
message baseline. Loopback has no network latency, so the gain from reuse here is the least it
will be: a real server adds a round trip and a TLS handshake to every new connection.
"""

from __future__ import annotations

import argparse
import io
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from digest.deliver import SMTPMailer, compose, deliver_all
from digest.store import SQLiteStore
from digest.subscribers import parse_csv


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def messages(count: int) -> list[Any]:
    html = "<html><body>" + "<p>A paragraph of the digest, in short.</p>" * 40 + "</body></html>"
    text = "A paragraph of the digest, in short.\n" * 40
    return [
        compose(
            sender="Digest <digest@example.com>",
            recipient=f"reader{n}@example.com",
            subject="Your Daily Digest",
            html=html,
            text=text,
        )
        for n in range(count)
    ]


def rate(port: int, batch: list[Any], per_connection: int, concurrency: int = 1) -> float:
    def connect() -> SMTPMailer:
        return SMTPMailer(
            host="127.0.0.1", port=port, security="none", messages_per_connection=per_connection
        )

    started = time.perf_counter()
    deliver_all(batch, lambda m, mailer: mailer.send(m), connect, concurrency=concurrency)
    return len(batch) / (time.perf_counter() - started)


def import_seconds(rows: int) -> float:
    text = "email,name,timezone,hour,sections\n" + "".join(
        f"reader{n}@example.com,Reader {n},Europe/Paris,{n % 24},World\n" for n in range(rows)
    )
    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "digest.db")
        started = time.perf_counter()
        parsed = parse_csv(io.StringIO(text))
        store.import_subscribers(parsed.rows)
        elapsed = time.perf_counter() - started
        assert len(store.list_subscribers()) == rows and not parsed.errors
        store.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=600)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        batch = messages(args.messages)
        rate(port, batch[:20], 100)  # warm up
        single = rate(port, batch, 1)
        reused = rate(port, batch, 100)
        parallel = rate(port, batch, 100, concurrency=4)
    finally:
        controller.stop()
    print(f"{args.messages} messages to aiosmtpd on 127.0.0.1")
    print(f"  one connection per message        {single:8.1f} msg/s   1.00x")
    print(f"  reused, 100 messages/connection   {reused:8.1f} msg/s   {reused / single:.2f}x")
    print(f"  reused, 4 connections at once     {parallel:8.1f} msg/s   {parallel / single:.2f}x")
    seconds = import_seconds(10_000)
    print(f"import 10,000 subscribers from CSV  {seconds:8.2f} s")


if __name__ == "__main__":
    main()
