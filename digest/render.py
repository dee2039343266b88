"""Rendering: an edition's stories through Jinja2 templates into HTML and plain text.

Templates come from the user's folder first (``[digest] template_dir``), file by file, then the bundled
``templates/``. HTML is autoescaped; undefined names are errors, and every template error is reported with
the template's file name and line.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from digest.errors import TemplateError

HTML_TEMPLATE = "digest.html"
TEXT_TEMPLATE = "digest.txt"
WORDS_PER_MINUTE = 230


def bundled_template_dir() -> Path:
    """The templates shipped with digest: inside the wheel, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / HTML_TEMPLATE).exists():
            return candidate
    raise TemplateError(
        "the bundled templates are missing",
        hint="Reinstall digest, or set [digest] template_dir to a template folder.",
    )


@dataclass(frozen=True)
class Story:
    """One story as the templates see it."""

    title: str
    url: str
    sources: tuple[str, ...]
    section: str
    published: str  # local time for display, "" if unknown
    reading_minutes: int
    bullets: tuple[str, ...]
    excerpt: str = ""  # shown instead of bullets when the article was not summarised
    note: str = ""


@dataclass(frozen=True)
class Section:
    name: str
    stories: tuple[Story, ...]


@dataclass(frozen=True)
class EditionView:
    title: str
    date: Date
    sections: tuple[Section, ...]
    archive_url: str = ""

    @property
    def stories(self) -> list[Story]:
        return [story for section in self.sections for story in section.stories]

    @property
    def story_count(self) -> int:
        return len(self.stories)

    @property
    def date_label(self) -> str:
        return f"{self.date:%A} {self.date.day} {self.date:%B %Y}"


@dataclass(frozen=True)
class Recipient:
    email: str = ""
    name: str = ""
    unsubscribe_url: str = ""
    preferences_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str


class Renderer:
    """Renders editions with the user's templates over the bundled ones."""

    def __init__(self, template_dir: str | Path = "") -> None:
        import jinja2

        folders = [str(template_dir)] if template_dir else []
        folders.append(str(bundled_template_dir()))
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folders),
            autoescape=jinja2.select_autoescape(["html", "htm", "xml"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["safe_url"] = safe_url

    def render(self, edition: EditionView, recipient: Recipient | None = None) -> Rendered:
        """Both parts of the message for one recipient (or the generic preview with none)."""
        context = {"edition": edition, "recipient": recipient or Recipient()}
        return Rendered(self._render(HTML_TEMPLATE, context), self._render(TEXT_TEMPLATE, context))

    def _render(self, name: str, context: dict[str, Any]) -> str:
        import jinja2

        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"template {exc.filename or name}, line {exc.lineno}: {exc.message}"
            ) from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(
                f"template {exc.name} was not found in the template folders"
            ) from None
        except jinja2.TemplateError as exc:
            where = _template_frame(sys.exc_info()[2]) or name
            raise TemplateError(f"template {where}: {exc}") from None


def _template_frame(tb: Any) -> str:
    """'file, line N' of the innermost template frame in a traceback (Jinja2 rewrites them so)."""
    found = ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".txt", ".htm", ".xml")):
            found = f"{filename}, line {tb.tb_lineno}"
        tb = tb.tb_next
    return found


def safe_url(url: str) -> str:
    """Only http(s) and mailto links survive; anything else (javascript:, data:) becomes '#'."""
    value = (url or "").strip()
    if re.match(r"^(https?://|mailto:)", value, re.I) and not re.search(r"[\s<>\"']", value):
        return value
    return "#"


def reading_minutes(text: str) -> int:
    """Estimated reading time of a text, at least one minute."""
    return max(1, math.ceil(len(text.split()) / WORDS_PER_MINUTE))


def local_time_label(iso: str, timezone: str) -> str:
    """A stored UTC timestamp as short local time for display ('07:45'), '' if unparsable."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%a} {local:%H:%M}"


def group_sections(stories: Sequence[Story]) -> tuple[Section, ...]:
    """Stories grouped by section, sections in order of first appearance."""
    order: dict[str, list[Story]] = {}
    for story in stories:
        order.setdefault(story.section, []).append(story)
    return tuple(Section(name, tuple(items)) for name, items in order.items())
