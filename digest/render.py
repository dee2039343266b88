"""Rendering: an edition's stories through Jinja2 templates into HTML and plain text.

Templates come from the user's folder first (``[digest] template_dir``), file by file, then the bundled
``templates/``. HTML is autoescaped; undefined names are errors, and every template error is reported with
the template's file name and line.

The HTML part is made for mail clients: table layout, the stylesheet inlined into ``style`` attributes
(css-inline) with only the ``@media`` rules (dark mode, phones) left in a ``<style>`` block. Gmail clips a
message past about 102 KB, so when an edition would render larger than ``max_html_bytes`` the lowest
ranked stories are left out and the email links to the full edition in the web archive instead.
"""

from __future__ import annotations

import logging
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from datetime import date as Date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from digest.errors import TemplateError

log = logging.getLogger(__name__)

HTML_TEMPLATE = "digest.html"
TEXT_TEMPLATE = "digest.txt"
WORDS_PER_MINUTE = 230
# Gmail clips the HTML part past 102 KB ("[Message clipped] View entire message"); stay clear of it.
GMAIL_CLIP_BYTES = 102_000
DEFAULT_MAX_HTML_BYTES = 100_000


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
    # the publisher's words: instead of bullets when the article was not summarised, else its
    # standfirst above them (a description is never one of the bullets)
    excerpt: str = ""
    excerpt_label: str = ""  # whose words the excerpt is ("From the publisher")
    written_by: str = ""  # the model(s) that wrote the bullets, shown in the preview
    note: str = ""
    source_urls: tuple[str, ...] = ()  # each source's own link to the story, beside ``sources``
    rank: int = 0  # 0 is the top story; the highest ranks are left out first when space runs out
    image: str = ""  # a remote image URL, only when [digest] show_images is on
    article_ids: tuple[int, ...] = ()  # the stored articles this story merges

    @property
    def also(self) -> list[tuple[str, str]]:
        """(source, url) of every source after the first that carries this story too."""
        return [
            (name, url)
            for name, url in zip(self.sources[1:], self.source_urls[1:], strict=False)
            if url
        ]


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
    more_stories: int = 0  # stories left out of this rendering to fit the size limit

    @property
    def stories(self) -> list[Story]:
        return [story for section in self.sections for story in section.stories]

    @property
    def story_count(self) -> int:
        return len(self.stories)

    @property
    def total_count(self) -> int:
        """Stories in the full edition, including those left out of this rendering."""
        return self.story_count + self.more_stories

    @property
    def headlines(self) -> str:
        """The top titles, for the inbox preview line."""
        ranked = sorted(self.stories, key=lambda story: story.rank)
        return " · ".join(story.title for story in ranked[:3])

    def only_sections(self, names: Sequence[str]) -> EditionView:
        """The edition as one subscriber chose it: the named sections, and stories from the named
        sources (case does not matter); none named: everything."""
        wanted = {name.strip().casefold() for name in names if name.strip()}
        if not wanted:
            return self
        kept: list[Section] = []
        for section in self.sections:
            if section.name.casefold() in wanted:
                kept.append(section)
                continue
            stories = tuple(
                s for s in section.stories if any(src.casefold() in wanted for src in s.sources)
            )
            if stories:
                kept.append(replace(section, stories=stories))
        return replace(self, sections=tuple(kept))

    def top(self, count: int) -> EditionView:
        """The edition cut to its ``count`` best-ranked stories; the rest counted in more_stories."""
        ranked = sorted(self.stories, key=lambda story: story.rank)
        keep = {id(story) for story in ranked[:count]}
        sections = tuple(
            Section(s.name, tuple(story for story in s.stories if id(story) in keep))
            for s in self.sections
        )
        return replace(
            self,
            sections=tuple(s for s in sections if s.stories),
            more_stories=self.more_stories + len(ranked) - min(count, len(ranked)),
        )

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
    left_out: int = 0  # stories left out to stay under the size limit (linked to the archive)

    @property
    def html_bytes(self) -> int:
        """Size of the HTML part as sent (UTF-8), what Gmail's clipping limit counts."""
        return len(self.html.encode("utf-8"))


# Stand-ins for a recipient's fields in a stencil: plain enough that no filter or escaping changes them.
_SLOTS = {
    "email": "slot-email-5f1c9e@slot.invalid",
    "name": "SlotName5f1c9e",
    "unsubscribe_url": "https://slot.invalid/slot-unsubscribe-5f1c9e",
    "preferences_url": "https://slot.invalid/slot-preferences-5f1c9e",
}
_NOT_PLAIN = re.compile("[&<>\"'\u00a0]")


@dataclass(frozen=True)
class Stencil:
    """An edition rendered once for many recipients, their fields left as slots to fill in.

    ``shape`` says which recipient fields were non-empty when it was made (a template may show a
    line only when a field is set); it fits only recipients of the same shape. ``fill`` substitutes
    a recipient's values, and refuses (None) a recipient whose values an escaping or a filter
    would change (``O'Brien``, a line break), whom only a full rendering gets right.
    """

    shape: tuple[bool, ...]
    html: str
    text: str
    left_out: int
    used: tuple[str, ...]  # the fields whose slots appear in the output

    @property
    def slots(self) -> tuple[str, ...]:
        """The stand-ins in ``html`` and ``text`` that ``values`` gives values for."""
        return tuple(_SLOTS[name] for name in self.used)

    def values(self, recipient: Recipient) -> dict[str, str] | None:
        """Each slot's value for ``recipient`` (stand-in: value), or None when this stencil does
        not fit them (see the class)."""
        if recipient.extra or shape_of(recipient) != self.shape:
            return None
        values = {}
        for name in self.used:
            value = getattr(recipient, name)
            if _NOT_PLAIN.search(value) or oneline(value) != value:
                return None
            if name.endswith("_url") and safe_url(value) != value:
                return None
            values[_SLOTS[name]] = value
        return values

    def fill(self, recipient: Recipient) -> Rendered | None:
        values = self.values(recipient)
        if values is None:
            return None
        html, text = self.html, self.text
        for slot, value in values.items():
            html = html.replace(slot, value)
            text = text.replace(slot, value)
        return Rendered(html, text, self.left_out)


def shape_of(recipient: Recipient) -> tuple[bool, ...]:
    """Which of a recipient's fields are set: the stencil a recipient can be filled into."""
    return tuple(bool(getattr(recipient, name)) for name in _SLOTS)


class Renderer:
    """Renders editions with the user's templates over the bundled ones.

    ``max_html_bytes`` (0: no limit) caps the HTML part: see ``fit``. ``inline_css`` off keeps the
    stylesheet as written (for measuring what inlining costs).
    """

    def __init__(
        self,
        template_dir: str | Path = "",
        *,
        max_html_bytes: int = DEFAULT_MAX_HTML_BYTES,
        inline_css: bool = True,
    ) -> None:
        import jinja2

        self.folders = [Path(template_dir)] if template_dir else []
        self.folders.append(bundled_template_dir())
        self.max_html_bytes = max_html_bytes
        self.inline_css = inline_css
        self._warned: set[tuple[Date, int]] = set()
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(folder) for folder in self.folders]),
            autoescape=jinja2.select_autoescape(["html", "htm", "xml", "atom"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["safe_url"] = safe_url
        self.env.filters["image_url"] = image_url
        self.env.filters["oneline"] = oneline

    def render(self, edition: EditionView, recipient: Recipient | None = None) -> Rendered:
        """Both parts of the message for one recipient (or the generic preview with none).

        When the HTML would be larger than ``max_html_bytes``, the lowest ranked stories are left
        out of both parts (see ``fit``) and ``left_out`` says how many.
        """
        return self.fit(edition, recipient)[1]

    def fit(
        self, edition: EditionView, recipient: Recipient | None = None
    ) -> tuple[EditionView, Rendered]:
        """The edition as it fits under ``max_html_bytes``, and its rendering.

        Keeps the most top-ranked stories whose HTML fits (a binary search over the count, so a
        30-story edition renders about six times at worst) and sets ``more_stories`` so the templates
        can link the full edition. If not even one story fits, one story is kept anyway.
        """
        rendered = self._render_both(edition, recipient)
        limit = self.max_html_bytes
        if not limit or rendered.html_bytes <= limit or edition.story_count <= 1:
            return edition, rendered
        fits: tuple[EditionView, Rendered] | None = None
        low, high = 1, edition.story_count - 1  # the largest count that fits lies in [low, high]
        while low <= high:
            middle = (low + high) // 2
            candidate = edition.top(middle)
            attempt = self._render_both(candidate, recipient)
            if attempt.html_bytes <= limit:
                fits, low = (candidate, attempt), middle + 1
            else:
                high = middle - 1
        if fits is None:
            best = edition.top(1)
            fits = best, self._render_both(best, recipient)
        best, best_rendered = fits
        left_out = best.more_stories - edition.more_stories
        # Sending renders once per subscriber: say it once per edition, not once per message.
        said = (edition.date, left_out)
        level = logging.DEBUG if said in self._warned else logging.WARNING
        self._warned.add(said)
        log.log(
            level,
            "the %s edition is %d KB of HTML, over the %d KB limit: %d of its %d stories are "
            "left out of the email and linked in the web archive",
            edition.date,
            rendered.html_bytes // 1000,
            limit // 1000,
            left_out,
            edition.story_count,
        )
        return best, replace(best_rendered, left_out=left_out)

    def stencil(self, edition: EditionView, sample: Recipient) -> Stencil:
        """The edition rendered once for every recipient shaped like ``sample`` (see ``Stencil``).

        Rendering and CSS inlining happen here once, instead of once per message; ``fill`` then
        costs a few string substitutions.
        """
        slots = {name: _SLOTS[name] if getattr(sample, name) else "" for name in _SLOTS}
        stand_in = Recipient(
            slots["email"], slots["name"], slots["unsubscribe_url"], slots["preferences_url"]
        )
        shown, rendered = self.fit(edition, stand_in)
        used = tuple(
            name
            for name, slot in slots.items()
            if slot and (slot in rendered.html or slot in rendered.text)
        )
        return Stencil(shape_of(sample), rendered.html, rendered.text, rendered.left_out, used)

    def template_files(self) -> list[Path]:
        """Every file the templates may come from, user folder first (for reload checks)."""
        found: list[Path] = []
        for folder in self.folders:
            if folder.is_dir():
                found.extend(path for path in sorted(folder.rglob("*")) if path.is_file())
        return found

    def render_page(self, name: str, **context: Any) -> str:
        """Any other template (the web app's pages and feed), with the same loader and filters."""
        return self._render(name, context)

    def _render_both(self, edition: EditionView, recipient: Recipient | None) -> Rendered:
        context = {"edition": edition, "recipient": recipient or Recipient()}
        html = self._render(HTML_TEMPLATE, context)
        if self.inline_css:
            html = inline_css(html)
        return Rendered(html, self._render(TEXT_TEMPLATE, context))

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


def inline_css(html: str) -> str:
    """The stylesheet moved into ``style`` attributes; ``@media`` rules stay in a ``<style>`` block.

    Gmail and Outlook drop or ignore much of a ``<style>`` block, but the clients that honour media
    queries (Apple Mail, iOS, Gmail apps) need them there: dark mode and the phone layout live only
    in those rules. Remote stylesheets are never fetched.
    """
    import css_inline

    inliner = css_inline.CSSInliner(
        keep_at_rules=True, minify_css=True, load_remote_stylesheets=False
    )
    inlined = str(inliner.inline(html))
    # css-inline puts the kept <style> first in <head>; browsers opening the saved file look for
    # the charset within the first 1024 bytes, so it goes back in front.
    charset = re.search(r"<meta charset=[^>]*>", inlined, re.I)
    if charset:
        inlined = inlined.replace(charset.group(0), "", 1)
        inlined = re.sub(r"<head>", lambda m: m.group(0) + charset.group(0), inlined, count=1)
    return inlined


def safe_url(url: str) -> str:
    """Only http(s) and mailto links survive; anything else (javascript:, data:) becomes '#'."""
    value = (url or "").strip()
    if re.match(r"^(https?://|mailto:)", value, re.I) and not re.search(r"[\s<>\"'`\\]", value):
        return value
    return "#"


def image_url(url: str) -> str:
    """An image source: only http(s) URLs survive, anything else becomes ''."""
    value = safe_url(url)
    return value if value.lower().startswith(("http://", "https://")) else ""


def oneline(text: str) -> str:
    """Text on one line: line breaks, tabs and other control characters become single spaces."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f\u2028\u2029\x85]", " ", text or "").split())


def reading_minutes(text: str) -> int:
    """Estimated reading time of a text, at least one minute."""
    return max(1, math.ceil(len(text.split()) / WORDS_PER_MINUTE))


def counted(number: int, one: str, many: str) -> str:
    """A count with its noun in the right number: '1 story', '2 stories', '0 stories'."""
    return f"{number} {one if number == 1 else many}"


def local_time_label(iso: str, timezone: str) -> str:
    """A stored UTC timestamp as a short local time with its zone ('Mon 07:45 CET'), so a reader
    elsewhere knows which clock it is; '' if unparsable."""
    try:
        moment = datetime.fromisoformat(iso)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        local = moment.astimezone(ZoneInfo(timezone))
    except (ValueError, OverflowError):
        return ""  # unreadable, or out of range in this zone (year 1 west of UTC): never raises
    return f"{local:%a} {local:%H:%M} {local:%Z}"


def group_sections(stories: Sequence[Story]) -> tuple[Section, ...]:
    """Stories grouped by section, sections in order of first appearance."""
    order: dict[str, list[Story]] = {}
    for story in stories:
        order.setdefault(story.section, []).append(story)
    return tuple(Section(name, tuple(items)) for name, items in order.items())
