"""Subscribers in and out as CSV, each row checked on its own.

The CSV has a header row: ``email`` is required; ``name``, ``timezone`` (an IANA name), ``hour``
(the local send time: 0-23, or HH:MM) and ``sections`` (section or source names, comma-separated inside the field) are
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
    """A checked subscriber; raises DigestError saying which value is wrong."""
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
                hint="Use an IANA name such as Europe/Paris or America/New_York; leave it out "
                "for the configured [digest] timezone.",
            ) from None
    number: int | None = None
    minute = 0
    if hour is not None and str(hour).strip() != "":
        text = str(hour).strip()
        hours, colon, minutes = text.partition(":")
        if not (
            hours.isdigit()
            and 0 <= int(hours) <= 23
            and (not colon or (len(minutes) == 2 and minutes.isdigit() and int(minutes) < 60))
        ):
            raise DigestError(
                f"hour '{text}' is not an hour from 0 to 23 or a time HH:MM",
                hint="Give the local time of their daily send: 7, 07:30 or 18:45.",
            )
        number, minute = int(hours), int(minutes or 0)
    if any(c in name for c in "\r\n"):
        name = " ".join(name.split())
    parts = tuple(part.strip() for part in sections.split(",") if part.strip())
    return SubscriberRow(email, name.strip(), timezone, number, parts, minute)


DELIMITERS = (",", ";", "\t", "|")


def read_csv(data: bytes) -> ParsedCSV:
    """Every row of a subscriber file given as bytes: its encoding and delimiter are detected, or
    it is a plain list of addresses. Raises DigestError (one line) when it cannot be read."""
    text = decode_text(data)
    lines = [line for line in text.splitlines() if line.strip()]
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
    for line, value in enumerate(text.splitlines(), 1):
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
    lines = stream.read().splitlines()
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
        values = {key: value for key, value in zip(header, fields, strict=False) if key in COLUMNS}
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
        hour = "" if s.hour is None else f"{s.hour:02d}:{s.minute:02d}"
        writer.writerow(
            [s.email, s.name, s.status, s.timezone, hour, ",".join(s.sections), s.created_at]
        )
        count += 1
    return count
