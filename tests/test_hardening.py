"""Hostile input from an attack review: each test feeds what an outsider (a feed, a page, a
subscriber row) could send, through the real CLI, a real HTTP server on 127.0.0.1 and a real SQLite
file, and checks that it harms nothing but itself. The feeds and pages are written for these tests."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import os
import resource
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from digest.cli import cli
from digest.config import Config
from digest.deliver import OutboxMailer
from digest.errors import DigestError
from digest.fetch import HttpFetcher
from digest.pipeline import MAX_TEXT_CHARS, GatherReport, gather, plausible_time, send_edition
from digest.render import Renderer, local_time_label
from digest.store import SQLiteStore
from digest.web import create_preview_app, create_public_app
from tests.scripted_server import Reply, ScriptedServer

NOW = datetime.now(UTC).replace(microsecond=0)

PARAGRAPHS = [
    "The harbour board approved a plan on Monday to dredge the eastern channel before the winter "
    "storms, so that the larger ferries can keep running to the islands.",
    "Work starts next month and will take about six weeks, the board's engineer told the meeting "
    "at the town hall.",
    "Fishermen said the dredging was overdue after two boats ran aground in the channel last year.",
]


def page(headline: str, published: str = "", paragraphs: list[str] = PARAGRAPHS) -> bytes:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    lead = f"{headline}: our correspondent reports from the harbour on what the board decided."
    body = "".join(f"<p>{p}</p>" for p in [lead, *paragraphs])
    return (
        f"<html><head><title>{headline}</title>{meta}</head><body>"
        f"<article><h1>{headline}</h1>{body}</article></body></html>"
    ).encode()


def write_config(folder: Path, sources: list[str], **sections: dict[str, Any]) -> Path:
    """A digest.toml in ``folder`` reading ``sources``, mailing to the outbox, lead summaries."""
    raw: dict[str, dict[str, Any]] = {
        "store": {"path": "digest.db"},
        "fetch": {"allow_private_addresses": True, "timeout": 5.0},
        "summarizer": {"backend": "lead"},
        "mail": {"backend": "outbox", "outbox": "outbox"},
        "digest": {
            "max_age_hours": 100000,
            "base_url": "https://digest.example",
            "preview": "preview.html",
        },
    }
    for name, values in sections.items():
        raw[name] = {**raw.get(name, {}), **values}
    lines: list[str] = []
    for name, values in raw.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    for url in sources:
        lines += ["[[sources]]", f"url = {json.dumps(url)}"]
    path = folder / "digest.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def digest(config_path: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config_path), *args])


# -- finding 2: one out-of-range date stopped the whole day's send ---------------------------------


def test_an_impossible_date_stops_no_send_in_a_zone_west_of_utc(
    server: ScriptedServer, tmp_path: Path
) -> None:
    """.NET's "no date" (0001-01-01T00:00:00) in a JSON Feed and an Atom feed, the same date with
    an offset in a page's article:published_time, and a date in the year 2999."""
    base = server.url("")
    json_feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Dateless Wire",
        "items": [
            {"id": "j1", "url": f"{base}/a/1", "title": "Dredging the channel",
             "date_published": "0001-01-01T00:00:00"},
            {"id": "j2", "url": f"{base}/a/2", "title": "Ferries to run in winter",
             "date_published": "2999-01-01T00:00:00Z"},
        ],
    }  # fmt: skip
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Old Clock</title>'
        f'<entry><id>a3</id><title>Boats ran aground</title><link href="{base}/a/3"/>'
        "<updated>0001-01-01T00:00:00Z</updated></entry></feed>"
    )
    server.route("/wire.json", Reply(body=json.dumps(json_feed).encode()))
    server.route("/clock.atom", Reply(body=atom.encode()))
    server.route("/a/1", Reply(body=page("Dredging the channel")))
    server.route("/a/2", Reply(body=page("Ferries to run in winter")))
    server.route("/a/3", Reply(body=page("Boats ran aground", "0001-01-01T00:00:00+05:00")))
    config = write_config(
        tmp_path,
        [server.url("/wire.json"), server.url("/clock.atom")],
        digest={"timezone": "America/New_York", "duplicate_threshold": 0},
    )
    assert digest(config, "subscribers", "add", "ada@example.com").exit_code == 0
    gathered = digest(config, "gather")
    assert gathered.exit_code == 0, gathered.output
    assert "3 new articles" in gathered.output
    store = SQLiteStore(tmp_path / "digest.db")
    assert [store.get_article(n).published_at for n in (1, 2, 3)] == ["", "", ""]
    store.close()
    for command in (["build"], ["preview"], ["send"]):
        done = digest(config, *command)
        assert done.exit_code == 0, (command, done.output)
    (eml,) = (tmp_path / "outbox").glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert all(title in text for title in ("Dredging", "Ferries to run", "Boats ran aground"))


def test_rendering_never_raises_on_a_date() -> None:
    for stamp in ("0001-01-01T00:00:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"):
        assert local_time_label(stamp, "America/New_York") in ("", "Fri 23:59 EST")
        assert local_time_label(stamp, "Pacific/Kiritimati") in ("", "Sat 04:59 +14")
    assert local_time_label("not a date", "UTC") == ""
    assert local_time_label("2026-11-27T12:00:00", "UTC") == "Fri 12:00 UTC"  # no zone: UTC


@pytest.mark.parametrize(
    ("stamp", "kept"),
    [
        ("0001-01-01T00:00:00", ""),
        ("1989-12-31T23:59:59Z", ""),
        ((NOW + timedelta(days=2)).isoformat(), ""),
        ("1990-01-01T00:00:00", "1990-01-01T00:00:00+00:00"),
        ("2026-11-27T08:30:00+01:00", "2026-11-27T07:30:00+00:00"),
        ((NOW + timedelta(hours=20)).isoformat(), (NOW + timedelta(hours=20)).isoformat()),
        ("yesterday", ""),
    ],
)
def test_only_plausible_publication_times_are_kept(stamp: str, kept: str) -> None:
    assert plausible_time(stamp, NOW) == kept


# -- finding 3: XML entity expansion got past the body cap -----------------------------------------


def test_a_feed_declaring_one_plain_entity_is_refused_and_texts_are_capped(
    server: ScriptedServer, tmp_path: Path
) -> None:
    entity = "x" * 100
    laughs = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "{entity}">]><rss version="2.0">'
        "<channel><title>Echo</title><item><guid>e1</guid><title>Echo</title>"
        f"<description>{'&e;' * 50_000}</description></item></channel></rss>"
    )
    padded = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Long Wind</title>'
        "<item><guid>p1</guid><title>Very long</title>"
        f"<description>{'words without end ' * 60_000}</description></item></channel></rss>"
    )
    server.route("/echo.xml", Reply(body=laughs.encode()))
    server.route("/padded.xml", Reply(body=padded.encode()))
    config = write_config(tmp_path, [server.url("/echo.xml"), server.url("/padded.xml")])
    done = digest(config, "gather")
    assert done.exit_code == 0, done.output
    assert "1 source read, 1 failed" in done.output
    assert "declares the XML entity 'e'" in done.output
    db = sqlite3.connect(tmp_path / "digest.db")
    (longest,) = db.execute("SELECT MAX(LENGTH(feed_text)) FROM articles").fetchone()
    assert db.execute("SELECT COUNT(*) FROM articles").fetchone() == (1,)
    db.close()
    assert 1_000_000 > MAX_TEXT_CHARS >= longest > 100_000
    assert (tmp_path / "digest.db").stat().st_size < 2_000_000


# -- finding 6: odd article text crashed the summariser and every gather ---------------------------


COLON_LED = [
    ": The council approved the new budget after a long debate that ran late into the night on "
    "Tuesday evening in the town hall across the river.",
    "; The mayor said the budget adds money for ferries and roads over the coming years.",
    "Residents of Skerrow said they welcomed the plan at the meeting.",
]


def test_text_opening_with_a_break_is_summarised(summarizer: Any) -> None:
    # IndexError before; the headline is about the one sentence that can be a bullet (a lone
    # bullet must be about what the headline says)
    (bullets,) = summarizer.summarize(
        ["\n\n".join(COLON_LED)], ["Skerrow residents welcome the council's budget plan"]
    )
    assert bullets and all(isinstance(bullet, str) for bullet in bullets)


class PoisonedSummarizer:
    """Raises a bug's exception on any text holding 'POISON', summarises the rest by its lead."""

    name = model_id = cache_key = "poisoned"

    def __init__(self) -> None:
        self.calls = 0

    def summarize(
        self, texts: list[str], titles: Any = None, contexts: Any = None
    ) -> list[list[str]]:
        self.calls += 1
        if any("POISON" in text for text in texts):
            raise IndexError("list index out of range")
        return [[text.split(".")[0] + "."] for text in texts]


@pytest.fixture
def gather_with(make_config: Callable[..., Config]) -> Iterator[Callable[..., Any]]:
    stores: list[SQLiteStore] = []

    def run(sources: list[str], summarizer: Any, **fetch: Any) -> tuple[GatherReport, SQLiteStore]:
        config = make_config(sources=[{"url": url} for url in sources], fetch=fetch)
        store = SQLiteStore(config.store.path)
        stores.append(store)
        fetcher = HttpFetcher(user_agent="digest-tests", timeout=5, allow_private_addresses=True)
        try:
            return gather(config, store, fetcher, lambda: summarizer), store
        finally:
            fetcher.close()

    yield run
    for store in stores:
        store.close()


def test_one_articles_failure_while_summarising_is_its_own_and_retried(
    server: ScriptedServer, gather_with: Callable[..., Any]
) -> None:
    base = server.url("")
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Quay</title>'
        + "".join(
            f"<item><guid>q{n}</guid><link>{base}/q/{n}</link><title>Story {n}</title></item>"
            for n in range(3)
        )
        + "</channel></rss>"
    )
    server.route("/feed.xml", Reply(body=feed.encode()))
    server.route("/q/0", Reply(body=page("Story 0")))
    server.route("/q/1", Reply(body=page("Story 1", paragraphs=[*PARAGRAPHS, "POISON here."])))
    server.route("/q/2", Reply(body=page("Story 2", paragraphs=PARAGRAPHS[1:])))
    report, store = gather_with([server.url("/feed.xml")], PoisonedSummarizer())
    assert (report.new_articles, report.summarised, report.unexpected_errors) == (3, 2, 1)
    assert "IndexError while summarising it" in report.errors[0] and "/q/1" in report.errors[0]
    poisoned = store.get_article(2)
    assert store.get_summary(poisoned.content_hash, "") is None
    assert not poisoned.note.startswith("not summarised")  # not given up on: tried again
    store.close()

    class Cured(PoisonedSummarizer):
        def summarize(
            self, texts: list[str], titles: Any = None, contexts: Any = None
        ) -> list[list[str]]:
            return [[text.split(".")[0] + "."] for text in texts]

    again, store = gather_with([server.url("/feed.xml")], Cured())
    assert (again.new_articles, again.summarised, again.unexpected_errors) == (0, 1, 0)


# -- finding 5: one subscriber name halted delivery for everyone queued after it -------------------

BAD_NAMES = [
    "Ada\u2028Bcc: x@evil.example",
    "Ada\u2029Lovelace",
    "Ada\x85Lovelace",
    "=?utf-8?q?a=0D=0Ab?=",
]


@pytest.mark.parametrize("name", BAD_NAMES, ids=["U+2028", "U+2029", "U+0085", "encoded-word"])
def test_names_that_break_a_header_are_refused_on_add_and_import(tmp_path: Path, name: str) -> None:
    config = write_config(tmp_path, [])
    added = digest(config, "subscribers", "add", "ada@example.com", "--name", name)
    assert isinstance(added.exception, DigestError)  # the CLI prints it as Error: and Hint:
    assert "the name holds" in str(added.exception) and added.exception.hint
    people = tmp_path / "people.csv"
    with people.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [["email", "name"], ["bob@example.com", name], ["cy@example.com", "Cy Young"]]
        )
    imported = digest(config, "subscribers", "import", str(people))
    assert imported.exit_code == 2
    assert "line 2: the name holds" in imported.output
    assert "1 added" in imported.output
    listed = digest(config, "subscribers", "list").output
    assert "cy@example.com" in listed and "bob@example.com" not in listed


def test_a_plain_name_with_a_line_break_is_folded_not_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path, [])
    added = digest(config, "subscribers", "add", "ada@example.com", "--name", "Ada\nLovelace")
    assert added.exit_code == 0, added.output
    assert "ada@example.com\tactive\tAda Lovelace\t" in digest(config, "subscribers", "list").output


def test_a_stored_bad_name_fails_only_its_own_delivery(
    server: ScriptedServer, tmp_path: Path
) -> None:
    """Rows written before names were checked: each fails alone, everyone else gets the digest."""
    server.route("/feed.xml", Reply(body=ONE_STORY_FEED.format(base=server.url("")).encode()))
    server.route("/s/1", Reply(body=page("Dredging the channel")))
    config = write_config(tmp_path, [server.url("/feed.xml")])
    assert digest(config, "gather").exit_code == 0
    people = ["ada@example.com", "bad1@example.com", "bob@example.com", "bad2@example.com"]
    for address in people:
        assert digest(config, "subscribers", "add", address).exit_code == 0
    db = sqlite3.connect(tmp_path / "digest.db")
    db.execute("UPDATE subscribers SET name = ? WHERE email = 'bad1@example.com'", (BAD_NAMES[0],))
    db.execute("UPDATE subscribers SET name = ? WHERE email = 'bad2@example.com'", (BAD_NAMES[3],))
    db.commit()
    db.close()
    sent = digest(config, "send")
    assert sent.exit_code == 2, sent.output  # failures are reported in the exit status
    # A line separator is folded to a space (no header of its own); the encoded-word fails alone.
    assert "sent 3, failed 1" in sent.output
    assert "bad2@example.com: cannot build the message" in sent.output
    lines = [
        line for eml in (tmp_path / "outbox").glob("*.eml") for line in eml.read_text().split("\n")
    ]
    assert {"To: ada@example.com", "To: bob@example.com"} <= set(lines)
    assert not [line for line in lines if line.startswith("Bcc:")]
    again = digest(config, "send")  # and the next run is not stopped either
    assert again.exit_code == 0, again.output


ONE_STORY_FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Quay</title><item><guid>s1</guid>'
    "<link>{base}/s/1</link><title>Dredging the channel</title></item></channel></rss>"
)


# -- finding 7: the database and its signing key were world-readable -------------------------------


def test_the_database_its_wal_the_lock_and_the_outbox_are_owner_only(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.route("/feed.xml", Reply(body=ONE_STORY_FEED.format(base=server.url("")).encode()))
    server.route("/s/1", Reply(body=page("Dredging the channel")))
    folder = tmp_path / "fresh"
    folder.mkdir()
    config = write_config(folder, [server.url("/feed.xml")])
    old_mask = os.umask(0o022)  # the usual umask, which would make files 0644
    try:
        # "quill" has letters no hex digit has, so it can only be in a name by being the address's
        assert digest(config, "subscribers", "add", "quill@example.com").exit_code == 0
        assert digest(config, "gather").exit_code == 0
        store = SQLiteStore(folder / "digest.db")  # held open: the -wal and -shm files exist
        store.get_secret("unsubscribe")
        assert digest(config, "send").exit_code == 0
        modes = {
            name: stat.S_IMODE((folder / name).stat().st_mode)
            for name in ("digest.db", "digest.db-wal", "digest.db-shm", "digest.db.send-lock")
        }
        store.close()
    finally:
        os.umask(old_mask)
    assert modes == dict.fromkeys(modes, 0o600), modes
    outbox = folder / "outbox"
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o700
    (eml,) = outbox.glob("*.eml")
    assert stat.S_IMODE(eml.stat().st_mode) == 0o600
    assert "quill" not in eml.name and "example" not in eml.name  # no address in names (finding 9)


def test_a_world_readable_database_is_tightened_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    SQLiteStore(path).close()
    path.chmod(0o644)
    SQLiteStore(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# -- finding 9: the low ones --------------------------------------------------------------------


def test_terminal_escapes_from_feeds_and_names_are_shown_not_obeyed(
    server: ScriptedServer, tmp_path: Path
) -> None:
    escape = "\x1b]0;pwned\x07\x1b[2J\x1b[31m"
    feed = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Quay{escape}</title>'
        "</channel></rss>"
    )
    server.route("/feed.xml", Reply(body=feed.encode()))
    server.route("/gone.xml", Reply(status=404, body=escape.encode()))
    config = write_config(tmp_path, [server.url("/feed.xml"), server.url("/gone.xml")])
    digest(config, "gather")
    people = tmp_path / "people.csv"
    people.write_text(f"email,name,sections\nada@example.com,Ada,World{escape}\n", "utf-8")
    digest(config, "subscribers", "import", str(people))
    for command in (["sources"], ["subscribers", "list"]):
        shown = digest(config, *command).output
        assert "\x1b" not in shown and "\x07" not in shown, command
        assert "\\u001b]0;pwned" in shown, command


def test_export_neutralises_spreadsheet_formulas_and_reads_back(tmp_path: Path) -> None:
    config = write_config(tmp_path, [])
    formulas = ['=HYPERLINK("https://evil.example","x")', "+1+2", "-2+3", "@SUM(A1)"]
    for n, name in enumerate(formulas):
        assert (
            digest(config, "subscribers", "add", f"r{n}@example.com", "--name", name).exit_code == 0
        )
    exported = digest(config, "subscribers", "export").output
    names = [row["name"] for row in csv.DictReader(io.StringIO(exported))]
    assert names == ["'" + name for name in formulas]  # a spreadsheet shows these as text
    again = tmp_path / "again.csv"
    again.write_text(exported, encoding="utf-8")
    assert digest(config, "subscribers", "import", str(again)).exit_code == 0
    listed = digest(config, "subscribers", "list").output
    assert all(f"\t{name}\t" in listed for name in formulas)  # the apostrophe came off again


@pytest.mark.parametrize("hour", ["²", "٣", "1²"])
def test_unicode_digits_are_not_an_hour(tmp_path: Path, hour: str) -> None:
    config = write_config(tmp_path, [])
    added = digest(config, "subscribers", "add", "ada@example.com", "--name", "Ada")
    assert added.exit_code == 0
    people = tmp_path / "people.csv"
    people.write_text(f"email,hour\nbob@example.com,{hour}\n", encoding="utf-8")
    imported = digest(config, "subscribers", "import", str(people))
    assert imported.exit_code == 2 and "is not a whole number from 0 to 23" in imported.output


def feed_of(base: str, count: int, start: int = 0) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Flood</title>'
        + "".join(
            f"<item><guid>f{n}</guid><link>{base}/f/{n}</link><title>Story {n}</title>"
            f"<description>Report {n} from the harbour board.</description></item>"
            for n in range(start, start + count)
        )
        + "</channel></rss>"
    ).encode()


def test_a_source_brings_at_most_max_new_items_after_its_first_fetch(
    server: ScriptedServer, gather_with: Callable[..., Any]
) -> None:
    base = server.url("")
    server.route("/feed.xml", [Reply(body=feed_of(base, 3)), Reply(body=feed_of(base, 40))])
    first, store = gather_with([server.url("/feed.xml")], PoisonedSummarizer(), max_new_items=5)
    assert first.new_articles == 3
    store.close()
    flood, store = gather_with([server.url("/feed.xml")], PoisonedSummarizer(), max_new_items=5)
    assert (flood.new_articles, flood.held_back) == (5, 32)  # 37 new: 5 kept, the rest seen


def test_a_gather_stops_starting_fetches_at_its_deadline_and_the_next_one_goes_on(
    server: ScriptedServer, gather_with: Callable[..., Any]
) -> None:
    base = server.url("")
    server.route("/feed.xml", Reply(body=feed_of(base, 8)))
    for n in range(8):
        server.route(f"/f/{n}", Reply(body=page(f"Story {n}"), delay=0.4))
    limits = {"gather_deadline": 1.0, "concurrency": 1, "per_host": 1}
    started = time.monotonic()
    report, store = gather_with([server.url("/feed.xml")], PoisonedSummarizer(), **limits)
    assert time.monotonic() - started < 8 * 0.4  # not every slow page was waited for
    assert report.new_articles == 8 and report.deferred >= 4
    assert report.from_page + report.from_feed + report.deferred == 8
    assert len(store.articles_without_text()) == report.deferred  # left as they were
    store.close()
    later, store = gather_with([server.url("/feed.xml")], PoisonedSummarizer())
    assert later.from_page == report.deferred and not store.articles_without_text()


def test_one_malformed_item_fails_only_itself_in_a_json_feed(
    server: ScriptedServer, gather_with: Callable[..., Any]
) -> None:
    base = server.url("")
    items = [
        {"id": "ok1", "url": f"{base}/f/1", "title": "Fine one", "content_text": "Fine."},
        {"id": "bad1", "url": "http://[::1", "title": "Broken link"},
        {"id": "bad2", "url": f"{base}/f/2", "date_published": "0001-01-01T00:00:00-05:00"},
        {"id": "bad3", "url": f"{base}/f/3", "authors": "Ada", "title": "Authors as text"},
        "not an object",
        {"id": "ok2", "url": f"{base}/f/4", "title": "Fine two", "content_text": "Fine too."},
    ]
    server.route("/feed.json", Reply(body=json.dumps({"version": "1.1", "items": items}).encode()))
    for n in range(1, 5):
        server.route(f"/f/{n}", Reply(body=page(f"Story {n}")))
    report, store = gather_with([server.url("/feed.json")], PoisonedSummarizer())
    assert (report.sources_ok, report.sources_failed) == (1, 0)
    titles = {store.get_article(n).title for n in range(1, report.new_articles + 1)}
    assert {"Fine one", "Fine two", "Authors as text"} <= titles
    assert "Broken link" not in titles


def run_digest(
    config_path: Path, *args: str, limit_file_bytes: int = 0
) -> subprocess.CompletedProcess[str]:
    """`digest` as a real process (errors go through main); optionally no file may grow past
    ``limit_file_bytes``, as on a full disk."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_bytes, limit_file_bytes))

    return subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(config_path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit if limit_file_bytes else None,
    )


def test_a_damaged_database_gives_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    config = write_config(tmp_path, [])
    people = tmp_path / "people.csv"
    people.write_text(
        "email,name\n" + "".join(f"r{n}@example.com,Reader {n}\n" for n in range(3000)), "utf-8"
    )
    assert digest(config, "subscribers", "import", str(people)).exit_code == 0
    SQLiteStore(tmp_path / "digest.db").close()  # checkpoint the WAL into the file
    data = bytearray((tmp_path / "digest.db").read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    middle = len(data) // 2 // page_size * page_size  # the schema at the start survives
    data[middle:] = b"\xa5" * (len(data) - middle)
    (tmp_path / "digest.db").write_bytes(bytes(data))
    done = run_digest(config, "subscribers", "list")
    assert done.returncode == 1, done.stderr
    assert "Error: the database is damaged" in done.stderr and "Hint: " in done.stderr
    assert "Traceback" not in done.stderr


def test_a_full_disk_gives_a_clear_error_and_loses_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path, [])
    assert digest(config, "subscribers", "add", "ada@example.com").exit_code == 0
    SQLiteStore(tmp_path / "digest.db").close()
    people = tmp_path / "people.csv"
    people.write_text(
        "email,name\n" + "".join(f"r{n}@example.com,Reader {n}\n" for n in range(20000)), "utf-8"
    )
    size = (tmp_path / "digest.db").stat().st_size
    done = run_digest(config, "subscribers", "import", str(people), limit_file_bytes=size + 8192)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Error: the database could not be written" in done.stderr
    assert "nothing stored was lost" in done.stderr and "Traceback" not in done.stderr
    listed = digest(config, "subscribers", "list").output
    assert listed.startswith("ada@example.com\tactive")
    assert "r1@example.com" not in listed  # the import was rolled back as a whole


def test_a_send_time_to_the_minute_survives_add_export_and_import(tmp_path: Path) -> None:
    config = write_config(tmp_path, [])
    assert digest(config, "subscribers", "add", "ada@example.com", "--hour", "06:45").exit_code == 0
    assert digest(config, "subscribers", "add", "bob@example.com", "--hour", "7").exit_code == 0
    assert digest(config, "subscribers", "add", "cy@example.com", "--hour", "6:7").exit_code == 1
    exported = digest(config, "subscribers", "export").output
    assert (
        "ada@example.com,,active,,06:45," in exported and "bob@example.com,,active,,7," in exported
    )
    again = tmp_path / "again.csv"
    again.write_text(exported.replace("06:45", "08:15"), encoding="utf-8")
    assert digest(config, "subscribers", "import", str(again)).exit_code == 0
    listed = digest(config, "subscribers", "list").output
    assert "ada@example.com\tactive\t\tUTC 08:15" in listed
    assert "bob@example.com\tactive\t\tUTC 07:00" in listed


def test_a_year_one_date_stored_before_the_fix_breaks_no_page(
    make_config: Callable[..., Config],
) -> None:
    """A database gathered by an older digest may hold such dates: every page still renders."""
    from tests.live_app import LiveApp
    from tests.test_delivery import DAY, seed_stories

    config = make_config(digest={"timezone": "America/Los_Angeles", "base_url": "http://x.example"})
    store = SQLiteStore(config.store.path)
    seed_stories(store, "World")
    store.db.execute("UPDATE articles SET published_at = '0001-01-01T00:00:00+00:00'")
    store.add_subscriber("ada@example.com")
    report = send_edition(config, store, Renderer(), OutboxMailer(config.mail.outbox), day=DAY)
    store.close()
    assert report.sent == 1
    with LiveApp(create_public_app(config)) as public, LiveApp(create_preview_app(config)) as view:
        with httpx.Client() as client:
            for url in (
                f"{public.url}/editions/{DAY}",
                f"{public.url}/editions.atom",
                f"{view.url}/preview",
                f"{view.url}/preview/text",
            ):
                assert client.get(url).status_code == 200, url
