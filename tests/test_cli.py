"""The command line as a user runs it: real subprocesses, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.demo import SiteServer

ROOT = Path(__file__).resolve().parent.parent

ARTICLE = (
    "MARLOW FLATS — The regional water board approved a plan on Monday to replace 40 kilometres "
    "of lead pipes across Marlow Flats within four years. The board's chair, Imelda Vance, said the "
    "work would start in the oldest districts near the river in March. Residents will not pay for "
    "the connection to their homes, the board said, because a national grant covers 70 percent of "
    "the cost. Testing last spring found lead above the legal limit in 112 homes. The remaining "
    "cost will come from the board's reserves rather than higher bills. Crews will work in two "
    "shifts to keep the disruption to roads short. A public meeting on the timetable is planned "
    "for next Thursday at the town hall."
)


def digest_cmd(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "digest", *args],
        input=stdin,
        text=True,
        capture_output=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=300,
    )


def all_commands() -> list[list[str]]:
    found: list[list[str]] = []

    def walk(group: object, prefix: list[str]) -> None:
        for name, command in getattr(group, "commands", {}).items():
            found.append([*prefix, name])
            walk(command, [*prefix, name])

    walk(cli, [])
    return found


@pytest.mark.parametrize("command", all_commands(), ids=" ".join)
def test_every_command_has_help_and_is_documented(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"digest {' '.join(command)}" in readme, f"README does not mention digest {command}"


def test_help_starts_without_the_heavy_imports() -> None:
    probe = (
        "import sys, digest.cli; sys.argv=['digest','--help']\n"
        "try:\n digest.cli.main()\nexcept SystemExit: pass\n"
        "heavy=[m for m in ('torch','transformers','feedparser','trafilatura') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


def test_errors_are_one_clear_line_and_a_hint(tmp_path: Path) -> None:
    result = digest_cmd("--config", str(tmp_path / "missing.toml"), "gather")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: config file")
    assert "Hint:" in result.stderr and "Traceback" not in result.stderr
    verbose = digest_cmd("-v", "--config", str(tmp_path / "missing.toml"), "gather")
    assert "Traceback" in verbose.stderr


def test_bad_config_key_is_reported_by_name(tmp_path: Path) -> None:
    (tmp_path / "digest.toml").write_text('[summarizer]\nbakend = "lead"\n', encoding="utf-8")
    result = digest_cmd("gather", cwd=tmp_path)
    assert result.returncode == 1
    assert "summarizer.bakend" in result.stderr and "summarizer.backend" in result.stderr


def test_extract_jsonl_contract(tmp_path: Path) -> None:
    page = (ROOT / "demo/site/articles/harbour-bridge.html").read_text(encoding="utf-8")
    lines = [
        json.dumps({"id": "a1", "html": page, "url": "https://courier.example/harbour-bridge"}),
        json.dumps({"id": 7, "html": "<html><body><nav>Home</nav></body></html>"}),
        "this is not json",
    ]
    batch = tmp_path / "in.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = digest_cmd("extract", "--jsonl", str(batch))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a1", 7, "line-3"]
    assert set(out[0]) == {"id", "title", "text", "author", "description", "kind"}
    assert out[0]["title"] and len(out[0]["text"].split()) > 200
    assert "Leave a reply" not in out[0]["text"]
    assert out[1]["text"] == ""
    assert "line 3" in out[2]["error"] and "line 3" in result.stderr


def test_extract_a_file_and_a_url_as_json() -> None:
    page = ROOT / "demo/site/articles/harbour-bridge.html"
    from_file = json.loads(digest_cmd("extract", str(page), "--json").stdout)
    assert from_file["title"] and from_file["text"]
    with SiteServer(ROOT / "demo/site") as site:
        result = digest_cmd(
            "extract", f"{site.base_url}/articles/harbour-bridge.html", "--json", cwd=ROOT / "demo"
        )  # no config: loopback is refused by default
        assert result.returncode == 1 and "non-public address" in result.stderr


def test_summarize_jsonl_contract(tmp_path: Path) -> None:
    batch = tmp_path / "in.jsonl"
    batch.write_text(
        json.dumps({"id": "x", "text": ARTICLE})
        + "\n"
        + json.dumps({"id": "empty", "text": ""})
        + "\n"
        + json.dumps({"id": "y", "text": ARTICLE.replace("Marlow", "Cobb")})
        + "\n",
        encoding="utf-8",
    )
    result = digest_cmd("summarize", "--jsonl", str(batch))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["x", "empty", "y"]
    assert 1 <= len(out[0]["bullets"]) <= 3
    assert all(isinstance(b, str) and b for b in out[0]["bullets"])
    assert out[1]["bullets"] == [] and out[1]["skipped"]
    lead = digest_cmd("summarize", "--jsonl", str(batch), "--backend", "lead")
    first = json.loads(lead.stdout.splitlines()[0])
    assert first["bullets"] and first["bullets"][0].split()[0] in ARTICLE


def test_summarize_a_text_from_stdin() -> None:
    result = digest_cmd("summarize", "-", "--json", "--backend", "lead", stdin=ARTICLE)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["bullets"]


def test_subscribers_commands(tmp_path: Path) -> None:
    (tmp_path / "digest.toml").write_text('[store]\npath = "d.db"\n', encoding="utf-8")
    runner = CliRunner()
    args = ["--config", str(tmp_path / "digest.toml"), "subscribers"]
    assert "added" in runner.invoke(cli, [*args, "add", "ada@example.com"]).output
    assert "already" in runner.invoke(cli, [*args, "add", "ADA@example.com"]).output
    bad = digest_cmd(
        "--config", str(tmp_path / "digest.toml"), "subscribers", "add", "not-an-address"
    )
    assert bad.returncode == 1 and "not a valid email" in bad.stderr
    assert "unsubscribed" in runner.invoke(cli, [*args, "remove", "ada@example.com"]).output
    listed = runner.invoke(cli, [*args, "list"]).output
    assert "ada@example.com\tunsubscribed" in listed


def test_build_writes_both_parts_and_warns_when_the_email_is_cut(
    demo_config: object, tmp_path: Path
) -> None:
    (tmp_path / "digest.toml").write_text(
        '[store]\npath = "digest.db"\n[digest]\nmax_age_hours = 100000\n'
        'base_url = "https://digest.example"\nmax_html_bytes = 12000\n',
        encoding="utf-8",
    )
    out = tmp_path / "out" / "today.html"
    result = CliRunner().invoke(
        cli, ["--config", str(tmp_path / "digest.toml"), "build", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    html, text = out.read_text(encoding="utf-8"), out.with_suffix(".txt").read_text("utf-8")
    assert len(html.encode()) <= 12_000 and "more stories in the full edition" in html
    assert "In Short:" in text and "more stories in the full edition: https://" in text
    assert "8 stories" in result.stdout and "KB of HTML" in result.stdout
    assert "warning: the edition is over [digest] max_html_bytes" in result.stderr
    assert "https://digest.example/editions/" in result.stderr
