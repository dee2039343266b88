"""The wheel carries every module and the top-level templates/ folder, so an installed digest runs."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_contains_the_templates_and_renders_from_them(tmp_path: Path) -> None:
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "wheel"),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp_path / "wheel").glob("digest-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for module in sorted((ROOT / "digest").rglob("*.py")):
        assert module.relative_to(ROOT).as_posix() in names, f"{module} is not in the wheel"
    folder = ROOT / "templates"
    for template in sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.*")):
        assert f"digest/templates/{template}" in names
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    probe = (
        "from digest.render import bundled_template_dir as b; import digest; "
        "import digest.extract, digest.summarize; print(b()); print(digest.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(target)},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    found, module = out.stdout.split()
    assert found.startswith(str(target)) and module.startswith(str(target))


def test_ci_runs_the_lint_then_the_suite_through_make_test() -> None:
    import shutil

    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\nmake test\n" in ci
    if shutil.which("make") is None:
        return
    planned = subprocess.run(
        ["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, timeout=60
    ).stdout
    steps = [
        planned.find(step)
        for step in ("ruff check", "ruff format --check", "mypy digest", "-m pytest")
    ]
    assert -1 not in steps and steps == sorted(steps), planned
