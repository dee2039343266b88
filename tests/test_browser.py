"""The preview in a real browser: headless Chromium (Debian's package) driven by Playwright.

A real web server on 127.0.0.1 serves the preview over a database gathered from the demo site by the
real pipeline. At 375 px (a phone) and 800 px wide, nothing may overflow sideways and every story's
title and bullets must be visible; the screenshots go to var/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from digest.config import Config
from digest.pipeline import build_edition
from digest.store import SQLiteStore
from digest.web import create_preview_app, make_renderer
from tests.live_app import LiveApp

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("DIGEST_CHROMIUM", ""), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("no chromium binary: install Debian's chromium (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def visible_inside(page: Any, selector: str, width: int) -> list[str]:
    """Problems with the elements matching ``selector``: hidden, empty, or wider than the page."""
    problems = []
    boxes = page.eval_on_selector_all(
        selector,
        """(elements) => elements.map((e) => {
            const r = e.getBoundingClientRect();
            const s = getComputedStyle(e);
            return {text: e.textContent.trim().slice(0, 60), left: r.left, right: r.right,
                    width: r.width, height: r.height, hidden: s.visibility === 'hidden'
                    || s.display === 'none' || parseFloat(s.opacity) === 0};
        })""",
    )
    for box in boxes:
        if box["hidden"] or box["width"] <= 0 or box["height"] <= 0:
            problems.append(f"not visible: {box['text']!r}")
        elif box["left"] < 0 or box["right"] > width + 0.5:
            problems.append(
                f"outside 0..{width}px ({box['left']}..{box['right']}): {box['text']!r}"
            )
    return problems


@pytest.mark.parametrize("width", [375, 800])
def test_the_email_fits_and_shows_every_story(
    browser: Any, demo_config: Config, width: int
) -> None:
    store = SQLiteStore(demo_config.store.path)
    _, view = build_edition(demo_config, store, make_renderer(demo_config))
    store.close()
    assert view.story_count == 8
    with LiveApp(create_preview_app(demo_config)) as server:
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{server.url}/preview/html")
        overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1], f"scrolls sideways at {width}px: {overflow}"
        titles = page.locator(".story-title a")
        assert titles.count() == view.story_count
        shown = [t.strip() for t in titles.all_inner_texts()]
        assert shown and all(story.title in shown for story in view.stories)
        assert page.locator("li.bullet").count() == sum(len(s.bullets) for s in view.stories)
        assert page.locator(".preheader").is_hidden()
        problems = visible_inside(page, ".story-title a, li.bullet, h1, .dateline, .meta", width)
        assert not problems, problems
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"email-{width}.png"), full_page=True)
        page.emulate_media(color_scheme="dark")
        background = page.evaluate(
            "() => getComputedStyle(document.querySelector('.card')).backgroundColor"
        )
        assert background == "rgb(22, 27, 34)", background  # the dark palette applies
        page.screenshot(path=str(SCREENSHOTS / f"email-{width}-dark.png"), full_page=True)
        page.close()


@pytest.mark.parametrize("width", [375, 800])
def test_the_preview_page_fits_and_reloads_on_template_change(
    browser: Any, demo_config: Config, tmp_path: Path, width: int
) -> None:
    from dataclasses import replace

    templates = tmp_path / "my-templates"
    templates.mkdir()
    config = replace(demo_config, digest=replace(demo_config.digest, template_dir=str(templates)))
    SQLiteStore(config.store.path).add_subscriber("ada@example.com", "Ada")
    with LiveApp(create_preview_app(config)) as server:
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{server.url}/preview")
        frame = page.frame_locator("#email")
        frame.locator(".story-title a").first.wait_for()
        overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1], f"the preview scrolls sideways at {width}px: {overflow}"
        assert "KB of HTML" in page.locator("#size").inner_text()
        assert "- " in page.locator("#text").inner_text()
        problems = visible_inside(page, "header h1, #size, #subscriber, #email, #text", width)
        assert not problems, problems
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENSHOTS / f"preview-{width}.png"), full_page=False)

        page.select_option("#subscriber", "ada@example.com")
        page.wait_for_url("**/preview?subscriber=ada%40example.com")
        frame = page.frame_locator("#email")
        frame.locator("text=ada@example.com").first.wait_for()
        assert "/unsubscribe/sample-token" in page.locator("#text").inner_text()

        # A new template in the user's folder overrides the bundled one: the page reloads itself.
        (templates / "digest.txt").write_text(
            "RELOADED {{ edition.story_count }}\n", encoding="utf-8"
        )
        page.locator("#text", has_text="RELOADED").wait_for(timeout=10_000)
        page.close()


@pytest.mark.parametrize("width", [375, 800])
def test_the_public_pages_fit_a_phone(browser: Any, demo_config: Config, width: int) -> None:
    from dataclasses import replace

    from digest.deliver import preferences_token, unsubscribe_token
    from digest.pipeline import signing_secret
    from digest.web import create_public_app

    config = replace(demo_config, web=replace(demo_config.web, signup=True))
    store = SQLiteStore(config.store.path)
    ada, _ = store.add_subscriber("ada@example.com", sections=["Briefs"])
    secret = signing_secret(config, store)
    store.close()
    pages = {
        "preferences": f"/preferences/{preferences_token(secret, ada.id)}",
        "unsubscribe": f"/unsubscribe/{unsubscribe_token(secret, ada.id)}",
        "signup": "/signup",
    }
    with LiveApp(create_public_app(config)) as server:
        page = browser.new_page(viewport={"width": width, "height": 900})
        for name, path in pages.items():
            page.goto(f"{server.url}{path}")
            overflow = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert overflow[0] <= overflow[1], f"{name} scrolls sideways at {width}px: {overflow}"
            problems = visible_inside(page, "h1, form button, input, select", width)
            assert not problems, (name, problems)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        page.goto(f"{server.url}{pages['preferences']}")
        page.fill("#send_at", "06:45")
        page.select_option("#timezone", "Asia/Tokyo")
        page.click("button[value=save]")
        page.locator("text=Saved.").wait_for()
        page.close()
    store = SQLiteStore(config.store.path)
    (saved,) = store.list_subscribers()
    store.close()
    assert (saved.hour, saved.minute, saved.timezone) == (6, 45, "Asia/Tokyo")
