"""How big the digest email is: a 30-story edition before and after CSS inlining, and what the
Gmail clipping guard keeps when the limit is lower than the edition.

    PYTHONPATH=. .venv/bin/python benchmarks/email_size.py [--stories 30] [--out var/bench]

The stories are synthetic (written here, from a few original phrases), with realistic lengths: titles of
about 10 words, three "In Short" bullets of 14-20 words, two sources on every fifth story. Sizes are
bytes of UTF-8 HTML, what Gmail's ~102 KB clipping limit counts.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from digest.render import GMAIL_CLIP_BYTES, EditionView, Recipient, Renderer, Story, group_sections

SECTIONS = ("World & Region", "Business", "Science & Technology", "Health", "Sport", "Culture")
PLACES = ("Port Ellery", "the Harlow Valley", "Saltmarsh Head", "Westmarch", "Crane Point")
SUBJECTS = (
    "council",
    "harbour board",
    "water company",
    "university team",
    "rail operator",
    "hospital trust",
)
ACTIONS = (
    "approves a twelve-month plan to rebuild the ageing sea wall",
    "reports record autumn demand after a cold and wet October",
    "delays the opening of its new depot until the spring",
    "publishes a study on coastal erosion along the northern shore",
    "agrees a pay deal that ends a three-week dispute",
)


def synthetic_stories(count: int) -> list[Story]:
    """``count`` stories with bullets, spread over the sections, in rank order."""
    stories = []
    for i in range(count):
        place = PLACES[i % len(PLACES)]
        subject = SUBJECTS[i % len(SUBJECTS)]
        action = ACTIONS[i % len(ACTIONS)]
        bullets = (
            f"The {subject} in {place} {action}, officials said on Thursday morning.",
            f"Local residents were told that work would begin within {i % 9 + 2} weeks, "
            "weather permitting, and last until summer.",
            f"Critics in {place} say the cost, now put at {i + 3} million, should have been "
            "shared with neighbouring districts.",
        )
        sources = ("Harbour Herald", "Coastline Wire") if i % 5 == 0 else ("Harbour Herald",)
        stories.append(
            Story(
                title=f"{place.capitalize()} {subject} {action.split(' ', 1)[0]} story number {i + 1}",
                url=f"https://news.example/{i + 1}/{subject.replace(' ', '-')}",
                sources=sources,
                source_urls=tuple(f"https://{n.split()[0].lower()}.example/{i}" for n in sources),
                section=SECTIONS[i % len(SECTIONS)],
                published=f"Sat {6 + i % 12:02d}:{(i * 7) % 60:02d}",
                reading_minutes=2 + i % 5,
                bullets=bullets,
                rank=i,
            )
        )
    return stories


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=30)
    parser.add_argument("--out", default="var/bench", help="where the rendered emails are written")
    args = parser.parse_args()

    view = EditionView(
        title="Your Daily Digest",
        date=date(2026, 11, 28),
        sections=group_sections(synthetic_stories(args.stories)),
        archive_url="https://digest.example/editions/2026-11-28",
    )
    recipient = Recipient(
        email="reader@example.com",
        unsubscribe_url="https://digest.example/unsubscribe/abcdef0123456789",
        preferences_url="https://digest.example/preferences/abcdef0123456789",
    )
    raw = Renderer(max_html_bytes=0, inline_css=False)
    inlined = Renderer(max_html_bytes=0)

    started = time.perf_counter()
    before = raw.render(view, recipient)
    raw_seconds = time.perf_counter() - started
    started = time.perf_counter()
    after = inlined.render(view, recipient)
    inline_seconds = time.perf_counter() - started

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "email-raw.html").write_text(before.html, encoding="utf-8")
    (out / "email-inlined.html").write_text(after.html, encoding="utf-8")
    (out / "email.txt").write_text(after.text, encoding="utf-8")

    print(f"{view.story_count}-story edition ({len(view.sections)} sections)")
    print(f"  HTML before inlining: {before.html_bytes:>7,} bytes ({raw_seconds * 1000:.1f} ms)")
    print(
        f"  HTML after inlining:  {after.html_bytes:>7,} bytes ({inline_seconds * 1000:.1f} ms), "
        f"{after.html_bytes / before.html_bytes:.2f}x"
    )
    print(f"  text part:            {len(after.text.encode()):>7,} bytes")
    print(
        f"  Gmail clips past about {GMAIL_CLIP_BYTES:,} bytes: {after.html_bytes / GMAIL_CLIP_BYTES:.0%}"
    )
    for limit in (60_000, 40_000):
        started = time.perf_counter()
        fitted, rendered = Renderer(max_html_bytes=limit).fit(view, recipient)
        took = time.perf_counter() - started
        print(
            f"  limit {limit:,}: kept {fitted.story_count} stories, {rendered.left_out} linked, "
            f"{rendered.html_bytes:,} bytes ({took * 1000:.0f} ms to fit)"
        )
    print(f"  written to {out}/email-raw.html, email-inlined.html, email.txt")


if __name__ == "__main__":
    main()
