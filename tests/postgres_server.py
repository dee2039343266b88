"""A throwaway PostgreSQL server for the tests and benchmarks: initdb and pg_ctl in a temporary
folder, on a free port of 127.0.0.1, fsync off (its data is worth nothing after the run).

initdb refuses to run as root, so as root the server runs as the ``postgres`` user. ``find_bin``
looks for the server programs in the Debian layout (/usr/lib/postgresql/<version>/bin) and on
PATH; None when PostgreSQL is not installed.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

USER = "digest"
PASSWORD_USER = "reader"  # the one role that must give a password


def find_bin() -> Path | None:
    """The folder of initdb and pg_ctl, newest version first; None when not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """``with PostgresServer() as server:`` a running server; ``server.create_database()`` a new
    empty database and its URL (user ``digest``, trusted on loopback, no password)."""

    def __init__(self, bin_dir: Path | None = None) -> None:
        found = bin_dir or find_bin()
        if found is None:
            raise RuntimeError("PostgreSQL is not installed (no initdb found)")
        self.bin = found
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="digest-pg-"))
        self.data = self.folder / "data"
        self.databases = 0

    def _run(self, *command: str) -> None:
        prefix: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            prefix = ["runuser", "-u", "postgres", "--"]
        subprocess.run(
            [*prefix, *command], check=True, capture_output=True, timeout=120, cwd=self.folder
        )

    def start(self) -> PostgresServer:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        )
        # One role must log in with a password (scram), to test where the password comes from.
        hba = self.data / "pg_hba.conf"
        hba.write_text(f"host all {PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "start",
        )
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def admin_url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def create_database(self) -> str:
        """A new, empty database; returns its URL."""
        import psycopg

        self.databases += 1
        name = f"test_{os.getpid()}_{self.databases}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def drop_database(self, url: str) -> None:
        """Drop a database ``create_database`` made, closing whatever connections it still has
        (a test's stores, a killed process's): the data folder stays small over a session."""
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
