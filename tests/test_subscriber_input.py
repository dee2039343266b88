"""Subscribers in by hand or by file, as a user does it: real CLI runs over a real database, an
SQLite file and a PostgreSQL database (``url``) in turn."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_gather_messages import gather_config
from tests.test_send_failures import digest, open_at


@pytest.fixture
def url(both_backends_url: str) -> str:
    return both_backends_url


def config_in(folder: Path, url: str) -> Path:
    """A config with one source, "Harbour Herald" in section "World" (nothing is fetched), over
    the store at ``url`` ("": digest.db in ``folder``)."""
    path = gather_config(folder, "https://news.example.com/feed.xml")
    text = path.read_text(encoding="utf-8")
    text = text.replace('url = "', 'name = "Harbour Herald"\nsection = "World"\nurl = "', 1)
    if url:
        text = text.replace('path = "digest.db"', f'url = "{url}"')
    path.write_text(text, "utf-8")
    return path


def emails(folder: Path, url: str) -> dict[str, str]:
    store = open_at(folder, url)
    try:
        return {s.email: s.status for s in store.list_subscribers()}
    finally:
        store.close()


def import_file(folder: Path, url: str, data: bytes) -> tuple[int, str, str]:
    path = folder / "people.csv"
    path.write_bytes(data)
    result = digest(config_in(folder, url), "subscribers", "import", str(path))
    return result.returncode, result.stdout, result.stderr


def test_a_stray_quote_is_reported_and_swallows_no_row(tmp_path: Path, url: str) -> None:
    code, out, err = import_file(
        tmp_path,
        url,
        b'email,name\nada@example.com,"Ada\ngrace@example.com,Grace\nlin@example.com,"Lin, L."\n',
    )
    assert code == 2
    assert 'line 2: a quote (") is not closed' in err
    assert emails(tmp_path, url) == {"grace@example.com": "active", "lin@example.com": "active"}
    assert "2 added" in out and "1 rows with errors skipped" in out


def test_utf16_and_semicolons_as_a_spreadsheet_exports_them(tmp_path: Path, url: str) -> None:
    text = "email;name;timezone\r\nzoë@example.com;Zoë;Europe/Paris\r\nkim@example.com;Kim;\r\n"
    text = text.replace("zoë@", "zoe@")
    code, out, err = import_file(tmp_path, url, text.encode("utf-16"))
    assert code == 0, err
    assert emails(tmp_path, url) == {"zoe@example.com": "active", "kim@example.com": "active"}
    store = open_at(tmp_path, url)
    zoe = store.find_subscriber("zoe@example.com")
    store.close()
    assert zoe is not None and (zoe.name, zoe.timezone) == ("Zoë", "Europe/Paris")


def test_a_plain_list_of_addresses_with_every_bad_line_named(tmp_path: Path, url: str) -> None:
    code, out, err = import_file(
        tmp_path, url, b"ada@example.com\n\nnot-an-address\ngrace@example.com\nADA@example.com\n"
    )
    assert code == 2
    assert "line 3: 'not-an-address' is not a valid email address" in err
    assert "line 5: ADA@example.com is already on line 1" in err
    assert set(emails(tmp_path, url)) == {"ada@example.com", "grace@example.com"}


def test_a_file_in_an_unknown_encoding_fails_in_one_line(tmp_path: Path, url: str) -> None:
    code, _, err = import_file(tmp_path, url, "email,name\nzoe@example.com,Zoë\n".encode("cp1252"))
    assert code == 1
    assert err.startswith("Error: the file is not UTF-8 text (byte 0xeb")
    assert "Hint: Save it as CSV UTF-8" in err and "Traceback" not in err


def test_subscribers_add_checks_sections_time_zone_and_hour_with_their_own_hints(
    tmp_path: Path, url: str
) -> None:
    config = config_in(tmp_path, url)
    add = ["subscribers", "add", "ada@example.com"]
    unknown = digest(config, *add, "--sections", "Gardening")
    assert unknown.returncode == 1 and "no source has the section 'Gardening'" in unknown.stderr
    assert "Known sections and sources: Harbour Herald, World." in unknown.stderr
    zone = digest(config, *add, "--timezone", "Mars/Olympus")
    assert "not a known time zone" in zone.stderr and "Hint: Use an IANA name" in zone.stderr
    assert "plain address" not in zone.stderr
    hour = digest(config, *add, "--hour", "25")
    assert hour.returncode == 1 and "0 to 23" in hour.stderr
    assert emails(tmp_path, url) == {}
    good = tmp_path / "good.toml"
    text = config.read_text(encoding="utf-8")
    good.write_text(text.replace('section = "World"', 'section = "Gardening"'), "utf-8")
    assert digest(good, *add, "--sections", "gardening").returncode == 0


def test_re_adding_someone_who_unsubscribed_needs_force(tmp_path: Path, url: str) -> None:
    config = config_in(tmp_path, url)
    digest(config, "subscribers", "add", "ada@example.com")
    digest(config, "subscribers", "remove", "ada@example.com")
    again = digest(config, "subscribers", "add", "ada@example.com")
    assert again.returncode == 1
    assert "ada@example.com is unsubscribed: they asked to stop" in again.stderr
    assert "Hint: Add --force" in again.stderr
    assert emails(tmp_path, url) == {"ada@example.com": "unsubscribed"}
    forced = digest(config, "subscribers", "add", "ada@example.com", "--force")
    assert forced.returncode == 0 and "re-activated" in forced.stdout
    assert emails(tmp_path, url) == {"ada@example.com": "active"}


def test_a_send_time_with_minutes_by_hand_and_by_file(tmp_path: Path, url: str) -> None:
    from datetime import UTC, datetime

    from digest.config import config_from_dict
    from digest.schedule import latest_slot, send_time

    config = config_in(tmp_path, url)
    added = digest(config, "subscribers", "add", "ada@example.com", "--hour", "07:30")
    assert added.returncode == 0, added.stderr
    assert "07:30" in digest(config, "subscribers", "list").stdout
    bad = digest(config, "subscribers", "add", "bo@example.com", "--hour", "7:5")
    assert bad.returncode == 1 and "HH:MM" in bad.stderr
    code, _, err = import_file(
        tmp_path, url, b"email,timezone,hour\nkim@example.com,Asia/Tokyo,18:45\n"
    )
    assert code == 0, err
    exported = digest(config, "subscribers", "export").stdout
    assert "kim@example.com,,active,Asia/Tokyo,18:45," in exported
    store = open_at(tmp_path, url)
    kim = store.find_subscriber("kim@example.com")
    store.close()
    assert kim is not None
    zone, at = send_time(config_from_dict({}, base=tmp_path), kim)
    slot = latest_slot(zone, at, datetime(2026, 3, 2, 12, tzinfo=UTC))
    assert slot == datetime(2026, 3, 2, 9, 45, tzinfo=UTC)  # 18:45 in Tokyo
