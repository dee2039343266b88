from __future__ import annotations

import re
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


def many_stories(count: int, bullet_words: int = 18) -> list[Story]:
    sections = ("Local", "Business", "Science")
    return [
        story(
            title=f"Story {i:02d}: the ferry board reports on route {i}",
            url=f"https://news.example/{i}",
            section=sections[i % 3],
            rank=i,
            bullets=tuple(
                f"Bullet {j} of story {i:02d} " + " ".join(["harbour"] * bullet_words)
                for j in range(3)
            ),
        )
        for i in range(count)
    ]


def test_css_is_inlined_and_only_media_rules_stay_in_style() -> None:
    html = Renderer().render(edition(story())).html
    (style,) = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert "@media (prefers-color-scheme: dark)" in style
    assert "@media only screen and (max-width: 480px)" in style
    outside_media = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", style)
    assert not outside_media.strip(), outside_media  # every plain rule went inline
    assert re.search(r'<h3 class="story-title" style="[^"]*font-size:19px', html)
    assert re.search(r'<li class="bullet" style="[^"]*line-height:24px', html)
    assert html.index('<meta charset="utf-8">') < 200  # where browsers look for it
    assert 'role="presentation"' in html  # table layout
    raw = Renderer(inline_css=False).render(edition(story())).html
    assert 'class="story-title">' in raw  # without inlining nothing is copied into attributes


def test_text_part_is_the_html_parts_twin() -> None:
    stories = many_stories(6)
    merged = story(
        title="Two outlets, one story",
        url="https://a.example/one",
        sources=("Alpha News", "Beta Wire"),
        source_urls=("https://a.example/one", "https://b.example/two"),
        rank=6,
    )
    view = EditionView(
        title="Test Digest",
        date=date(2026, 11, 28),
        sections=group_sections([*stories, merged]),
        archive_url="https://digest.example/editions/2026-11-28",
    )
    recipient = Recipient(
        email="ada@example.com",
        unsubscribe_url="https://digest.example/u/tok",
        preferences_url="https://digest.example/p/tok",
    )
    out = Renderer().render(view, recipient)
    lines = out.text.splitlines()
    for each in view.stories:
        assert each.title in out.html and each.title in lines
        assert f'href="{each.url}"' in out.html and each.url in lines
        for bullet in each.bullets:
            assert bullet in out.html and f"- {bullet}" in lines
    assert sum(line.startswith("- ") for line in lines) == sum(len(s.bullets) for s in stories) + 1
    for part in (out.html, out.text):
        for fragment in (
            "Beta Wire",
            "https://b.example/two",
            "https://digest.example/u/tok",
            "https://digest.example/p/tok",
            "https://digest.example/editions/2026-11-28",
            "Saturday 28 November 2026",
            "7 stories",
            "Local",
            "Business",
        ):
            assert fragment in part, fragment
    assert ">Unsubscribe</a>" in out.html and ">Preferences</a>" in out.html


def test_an_edition_over_the_limit_keeps_its_top_stories_and_links_the_rest() -> None:
    view = EditionView(
        title="Test Digest",
        date=date(2026, 11, 28),
        sections=group_sections(many_stories(30, bullet_words=60)),
        archive_url="https://digest.example/editions/2026-11-28",
    )
    whole = Renderer(max_html_bytes=0).render(view)
    assert whole.html_bytes > 60_000 and whole.left_out == 0
    shown, out = Renderer(max_html_bytes=40_000).fit(view)
    assert out.html_bytes <= 40_000
    kept = sorted(s.rank for s in shown.stories)
    assert kept == list(range(len(kept))) and 0 < len(kept) < 30  # the top ones, none skipped
    assert out.left_out == shown.more_stories == 30 - len(kept)
    # One more story would not have fitted: the cut is as small as it can be.
    assert Renderer(max_html_bytes=0).render(view.top(len(kept) + 1)).html_bytes > 40_000
    link = f"{out.left_out} more stories in the full edition"
    assert link in out.html and f"{link}: https://digest.example/editions/2026-11-28" in out.text
    assert "30 stories" in out.html  # the header counts the whole edition
    for missing in (s for s in view.stories if s.rank not in kept):
        assert missing.title not in out.html and missing.title not in out.text
    assert Renderer(max_html_bytes=40_000).render(view).html == out.html


def test_an_edition_under_the_limit_is_untouched() -> None:
    view = edition(*many_stories(5))
    shown, out = Renderer().fit(view)
    assert shown is view and out.left_out == 0 and "more stories" not in out.html


def test_sections_of_a_subscriber() -> None:
    view = edition(*many_stories(6))
    assert [s.name for s in view.only_sections(["business", " "]).sections] == ["Business"]
    assert view.only_sections([]) is view


def test_images_only_when_the_story_has_an_http_image() -> None:
    html = Renderer().render(edition(story(image="https://img.example/a.jpg"))).html
    assert re.search(r'<img class="image"[^>]* src="https://img.example/a.jpg"', html)
    for bad in ("", "javascript:alert(1)", "data:image/png;base64,AA", "mailto:a@b.example"):
        assert "<img" not in Renderer().render(edition(story(image=bad))).html, bad


def test_the_size_warning_is_logged_once_per_edition(caplog: pytest.LogCaptureFixture) -> None:
    view = edition(*many_stories(30, bullet_words=60))
    renderer = Renderer(max_html_bytes=40_000)
    with caplog.at_level("WARNING", logger="digest.render"):
        for email in ("a@example.com", "b@example.com", "c@example.com"):
            assert renderer.render(view, Recipient(email=email)).left_out > 0
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "over the 40 KB limit" in warnings[0].getMessage()


def test_a_filled_stencil_is_the_full_rendering_of_that_recipient() -> None:
    renderer = Renderer()
    view = edition(story(), story(title="Second story", section="World"))
    sample = Recipient("first@example.com", "First", "https://d.example/u/1.aaa")
    stencil = renderer.stencil(view, sample)
    for recipient in (
        sample,
        Recipient("zoe.long-name+tag@example.co.uk", "Zoë Ng", "https://d.example/u/22.b-c_d"),
    ):
        assert stencil.fill(recipient) == renderer.render(view, recipient)
    assert "email" in stencil.used and "unsubscribe_url" in stencil.used
    assert "name" not in stencil.used  # the bundled templates do not show it


def test_a_stencil_refuses_what_substitution_would_get_wrong(tmp_path: Path) -> None:
    (tmp_path / "digest.txt").write_text("Dear {{ recipient.name }}, {{ recipient.email }}\n")
    renderer = Renderer(tmp_path)
    view = edition(story())
    stencil = renderer.stencil(view, Recipient("a@example.com", "Ada", "https://d.example/u/1"))
    filled = stencil.fill(Recipient("b@example.com", "Bea", "https://d.example/u/2"))
    assert filled is not None and filled.text == "Dear Bea, b@example.com\n"
    # Escaping would change an apostrophe in the HTML; only a full rendering gets it right.
    assert stencil.fill(Recipient("c@example.com", "Con O'Brien", "https://d.example/u/3")) is None
    # A recipient without an unsubscribe link is another shape: the footer differs.
    assert stencil.fill(Recipient("d@example.com", "Dee")) is None
    assert stencil.fill(Recipient("e@example.com", "Line\nbreak", "https://d.example/u/5")) is None
