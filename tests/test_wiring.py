"""The composition root: one typed module builds the real parts, and every entry point uses it."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from digest.config import config_from_dict
from digest.deliver import OutboxMailer, SMTPMailer
from digest.render import Renderer
from digest.schedule import run_scheduler
from digest.wiring import Components

PACKAGE = Path(__file__).resolve().parent.parent / "digest"
ENTRY_POINTS = ("cli", "demo", "schedule", "web")


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_module_but_the_entry_script_imports_the_cli() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.name != "__main__.py":
            assert "digest.cli" not in imported_modules(path), path


def test_every_entry_point_gets_its_parts_from_the_wiring() -> None:
    for name in ENTRY_POINTS:
        assert "digest.wiring" in imported_modules(PACKAGE / f"{name}.py"), name
    assert inspect.signature(run_scheduler).parameters["app"].annotation == "Components"


def test_the_wiring_builds_what_the_config_names(tmp_path: Path) -> None:
    outbox = config_from_dict(
        {"store": {"path": "digest.db"}, "mail": {"backend": "outbox", "outbox": "out"}},
        base=tmp_path,
    )
    parts = Components(outbox)
    assert isinstance(parts.mailer(), OutboxMailer)
    assert isinstance(parts.renderer(), Renderer)
    assert parts.store is parts.store  # one shared store per run
    assert parts.store.path == str(tmp_path / "digest.db")
    other = parts.open_store()
    assert other is not parts.store
    other.close()
    parts.close()
    smtp = config_from_dict(
        {"mail": {"backend": "smtp", "smtp": {"host": "127.0.0.1", "port": 2525}}}, base=tmp_path
    )
    mailer = Components(smtp).mailer()
    assert isinstance(mailer, SMTPMailer) and (mailer.host, mailer.port) == ("127.0.0.1", 2525)


def test_the_config_is_loaded_once_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "digest.toml"
    path.write_text('[digest]\ntitle = "Harbour"\n', encoding="utf-8")
    seen = []
    parts = Components(config_path=str(path), on_load=seen.append)
    assert parts.config.digest.title == "Harbour" and parts.config is parts.config
    assert [config.path for config in seen] == [path]
