"""Subscribers in and out as CSV, each row checked on its own.

The CSV has a header row: ``email`` is required; ``name``, ``timezone`` (an IANA name), ``hour``
(0-23, or HH:MM, local) and ``sections`` (section or source names, comma-separated inside the field) are
optional; empty means the configured default. An export (which adds ``status`` and ``created_at``)
imports back; its status is not applied. A bad row is reported with its line number and
skipped; the good rows are kept.

``read_csv`` takes the file's bytes as spreadsheets write them: UTF-8 (with or without a BOM) or
UTF-16 (with a BOM, as Excel's "Unicode text"), separated by commas, semicolons, tabs or bars (the
header row tells which), or a plain list of addresses, one per line, without a header.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO
from zoneinfo import ZoneInfo

from digest.deliver import valid_email
from digest.errors import DigestError
from digest.store import Subscriber, SubscriberRow

COLUMNS = ("email", "name", "timezone", "hour", "sections")
EXPORT_COLUMNS = ("email", "name", "status", "timezone", "hour", "sections", "created_at")


@dataclass
class ParsedCSV:
    rows: list[SubscriberRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "line N: what is wrong"


def subscriber_row(
    email: str,
    name: str = "",
    timezone: str = "",
    hour: str | int | None = None,
    sections: str = "",
) -> SubscriberRow:
    """A checked subscriber; raises DigestError saying which value is wrong and how to fix it."""
    email = email.strip()
    if not valid_email(email):
        raise DigestError(
            f"'{email}' is not a valid email address",
            hint="Give a plain address such as reader@example.com.",
        )
    timezone = timezone.strip()
    if timezone:
        try:
            ZoneInfo(timezone)
        except Exception:
            raise DigestError(
                f"'{timezone}' is not a known time zone (use an IANA name like Europe/Paris)",
                hint="Use an IANA name such as Europe/Paris or America/New_York, or leave it "
                "empty for the configured time zone.",
            ) from None
    number: int | None = None
    minute = 0
    if hour is not None and str(hour).strip() != "":
        text = str(hour).strip()
        hour_text, colon, minute_text = text.partition(":")
        # isdigit() alone lets '²' or '٣' through, which int() then refuses.
        if (
            not (hour_text.isascii() and hour_text.isdigit())
            or not 0 <= int(hour_text) <= 23
            or (colon and not (minute_text.isascii() and minute_text.isdigit()))
            or (colon and not (len(minute_text) == 2 and int(minute_text) < 60))
        ):
            raise DigestError(
                f"hour '{text}' is not a whole number from 0 to 23 (or a time, HH:MM)",
                hint="Leave it empty for the configured send time.",
            )
        number, minute = int(hour_text), int(minute_text or 0)
    name = " ".join(name.split()) if any(c in name for c in "\r\n\t") else name.strip()
    check_name(name)
    parts = tuple(part.strip() for part in sections.split(",") if part.strip())
    return SubscriberRow(email, name, timezone, number, parts, minute)


MAX_NAME_CHARS = 200
_ENCODED_WORD = re.compile(r"=\?[^?]*\?[bq]\?", re.I)


def check_name(name: str) -> None:
    """Refuse a name that could not go into a To: header as the subscriber's own words.

    Control characters (U+0085 among them) and the Unicode line and paragraph separators break a
    header line; an RFC 2047 encoded-word (``=?utf-8?q?...?=``) would be decoded by mail clients
    into whatever it hides, CR and LF included. Ordinary line breaks and tabs are folded to spaces
    before this check.
    """
    bad = next(
        (c for c in name if unicodedata.category(c) in ("Cc", "Zl", "Zp")),
        None,
    )
    if bad is not None:
        raise DigestError(
            f"the name holds the control character U+{ord(bad):04X}",
            hint="Give the name as plain text on one line.",
        )
    if _ENCODED_WORD.search(name):
        raise DigestError(
            "the name holds a MIME encoded-word ('=?charset?q?...'), which mail clients decode",
            hint="Give the name as plain text; digest encodes it itself.",
        )
    if len(name) > MAX_NAME_CHARS:
        raise DigestError(
            f"the name is {len(name)} characters long (at most {MAX_NAME_CHARS})",
            hint="Give a shorter name.",
        )


DELIMITERS = (",", ";", "\t", "|")


def read_csv(data: bytes) -> ParsedCSV:
    """Every row of a subscriber file given as bytes: its encoding and delimiter are detected, or
    it is a plain list of addresses. Raises DigestError (one line) when it cannot be read."""
    text = decode_text(data)
    lines = [line for line in _lines(text) if line.strip()]
    if not lines:
        raise DigestError("the file is empty", hint="Give a CSV with an 'email' column.")
    first = lines[0].strip().strip('"')
    if "@" in first and not any(d in first for d in DELIMITERS):
        return parse_address_list(text)
    header = lines[0].lower()
    delimiter = max(
        DELIMITERS,
        key=lambda d: sum(part.strip().strip('"') in COLUMNS for part in header.split(d)),
    )
    return parse_csv(io.StringIO(text, newline=""), delimiter)


def decode_text(data: bytes) -> str:
    """The file's text: UTF-8 (BOM or not) or UTF-16 (BOM, or NULs between ASCII letters)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif len(data) >= 4 and data[1:4:2] == b"\x00\x00":
        encoding = "utf-16-le"
    elif len(data) >= 4 and data[0:4:2] == b"\x00\x00":
        encoding = "utf-16-be"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DigestError(
            f"the file is not {encoding.upper().replace('-SIG', '')} text (byte "
            f"{data[exc.start]:#04x} at offset {exc.start})",
            hint="Save it as CSV UTF-8 (or UTF-16) from your spreadsheet and import it again.",
        ) from exc


def parse_address_list(text: str) -> ParsedCSV:
    """A plain list of addresses, one per line; each bad line is an error."""
    parsed = ParsedCSV()
    seen: dict[str, int] = {}
    for line, value in enumerate(_lines(text), 1):
        address = value.strip().strip('"').strip()
        if not address:
            continue
        try:
            row = subscriber_row(address)
        except DigestError as exc:
            parsed.errors.append(f"line {line}: {exc}")
            continue
        if row.email.lower() in seen:
            parsed.errors.append(
                f"line {line}: {row.email} is already on line {seen[row.email.lower()]}"
            )
            continue
        seen[row.email.lower()] = line
        parsed.rows.append(row)
    return parsed


def parse_csv(stream: IO[str], delimiter: str = ",") -> ParsedCSV:
    """Every row of a subscriber CSV, checked; bad rows become errors, duplicates too.

    Each line is one row: a quote left open is an error on its own line, and cannot swallow the
    rows after it (a field may not span lines).
    """
    lines = _lines(stream.read())
    header = [name.strip().lower() for name in _fields(lines[0] if lines else "", delimiter)]
    if "email" not in header:
        raise DigestError(
            "the CSV has no 'email' column",
            hint=f"The first row must name the columns: {', '.join(COLUMNS)} (only email needed).",
        )
    unknown = sorted(set(header) - set(EXPORT_COLUMNS))  # an export reads back in
    if unknown:
        raise DigestError(
            f"the CSV has unknown columns: {', '.join(unknown)}",
            hint=f"Use only: {', '.join(COLUMNS)}.",
        )
    parsed = ParsedCSV()
    seen: dict[str, int] = {}
    for line, text in enumerate(lines[1:], 2):
        if not text.strip():
            continue
        if text.count('"') % 2:
            parsed.errors.append(f'line {line}: a quote (") is not closed')
            continue
        try:
            fields = _fields(text, delimiter)
        except csv.Error as exc:
            parsed.errors.append(f"line {line}: {exc}")
            continue
        if len(fields) > len(header):
            parsed.errors.append(
                f"line {line}: {len(fields)} fields but {len(header)} columns (a stray "
                f"'{delimiter}'? quote a value that holds one)"
            )
            continue
        values = {
            key: _unescaped(value)
            for key, value in zip(header, fields, strict=False)
            if key in COLUMNS
        }
        try:
            row = subscriber_row(**values)
        except DigestError as exc:
            parsed.errors.append(f"line {line}: {exc}")
            continue
        key = row.email.lower()
        if key in seen:
            parsed.errors.append(f"line {line}: {row.email} is already on line {seen[key]}")
            continue
        seen[key] = line
        parsed.rows.append(row)
    return parsed


def _lines(text: str) -> list[str]:
    """The text's lines, split at line ends only: str.splitlines() would also split a name at
    U+2028, U+2029 or U+0085, which the name check must see and refuse."""
    return re.split(r"\r\n|\r|\n", text)


def _fields(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter, strict=True), [])


def unknown_sections(sections: Iterable[str], known: Iterable[str]) -> list[str]:
    """The ``sections`` that name no known section or source (case does not matter)."""
    names = {name.strip().casefold() for name in known if name.strip()}
    return [section for section in sections if section.strip().casefold() not in names]


def write_csv(subscribers: Iterable[Subscriber], stream: IO[str]) -> int:
    """Write subscribers as CSV (the import format plus status and created_at); returns the count."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for s in subscribers:
        hour = "" if s.hour is None else str(s.hour)
        if s.hour is not None and s.minute:
            hour = f"{s.hour:02d}:{s.minute:02d}"
        cells = [s.email, s.name, s.status, s.timezone, hour, ",".join(s.sections), s.created_at]
        writer.writerow([_escaped(cell) for cell in cells])
        count += 1
    return count


# A spreadsheet runs a cell starting with one of these as a formula ('=HYPERLINK(...)' in a name
# someone gave at sign-up). An export prefixes such a cell with an apostrophe, which spreadsheets
# show as text; an import takes the apostrophe off again, so an export still reads back.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escaped(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _unescaped(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell
