from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digest.errors import TemplateError
from digest.render import (
    EditionView,
    Recipient,
    Renderer,
    Story,
    group_sections,
    reading_minutes,
    safe_url,
)


def edition(*stories: Story) -> EditionView:
    return EditionView(
        title="Test Digest", date=date(2026, 11, 28), sections=group_sections(stories)
    )


def story(**overrides: object) -> Story:
    values: dict[str, object] = {
        "title": "Ferry timetable doubles",
        "url": "https://news.example/ferry",
        "sources": ("Harbour Herald",),
        "section": "Local",
        "published": "Fri 08:00",
        "reading_minutes": 3,
        "bullets": ("Ferries will run every 20 minutes from March.",),
    }
    values.update(overrides)
    return Story(**values)  # type: ignore[arg-type]


def test_html_and_text_show_every_story_part() -> None:
    out = Renderer().render(
        edition(story()),
        Recipient(email="ada@example.com", unsubscribe_url="https://d.example/u/t"),
    )
    for part in (
        "Ferry timetable doubles",
        "Harbour Herald",
        "Ferries will run every 20 minutes",
        'href="https://news.example/ferry"',
        "Saturday 28 November 2026",
        "1 story",
        "https://d.example/u/t",
    ):
        assert part in out.html
    assert "- Ferries will run every 20 minutes from March." in out.text.splitlines()
    assert "Local" in out.text and "https://d.example/u/t" in out.text


def test_untrusted_text_is_escaped_and_links_are_filtered() -> None:
    hostile = story(
        title="<script>alert(1)</script>",
        url="javascript:alert(1)",
        bullets=('<img src=x onerror="alert(1)">',),
    )
    out = Renderer().render(edition(hostile))
    assert "<script>alert(1)" not in out.html
    assert "&lt;script&gt;" in out.html
    assert "<img" not in out.html
    assert "javascript:" not in out.html


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/x", "https://a.example/x"),
        ("mailto:a@b.example", "mailto:a@b.example"),
        ("javascript:alert(1)", "#"),
        (" JaVaScRiPt:x", "#"),
        ("data:text/html,x", "#"),
        ('https://a.example/"onmouseover=x', "#"),
        ("", "#"),
    ],
)
def test_safe_url(url: str, expected: str) -> None:
    assert safe_url(url) == expected


def test_user_templates_override_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "digest.txt").write_text("MINE {{ edition.story_count }}\n", encoding="utf-8")
    out = Renderer(tmp_path).render(edition(story()))
    assert out.text == "MINE 1\n"
    assert "Ferry timetable doubles" in out.html  # the bundled HTML template still serves


def test_template_errors_name_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "digest.html").write_text("<p>\n{% for x in %}\n</p>\n", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        Renderer(tmp_path).render(edition(story()))
    assert "digest.html" in str(caught.value) and "line 2" in str(caught.value)
    (tmp_path / "digest.html").write_text(
        "<p>\n\n{{ edition.no_such_thing }}</p>\n", encoding="utf-8"
    )
    with pytest.raises(TemplateError) as caught:
        Renderer(tmp_path).render(edition(story()))
    assert "digest.html" in str(caught.value) and "line 3" in str(caught.value)


def test_reading_minutes() -> None:
    assert reading_minutes("") == 1
    assert reading_minutes("word " * 700) == 4
