"""The time zone on forms with a time, in a real Chromium: the script fills in the browser's
zone and shows it to confirm; without script the person picks from the list."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .conftest import open_unlocked

NEW_YORK = "America/New_York"
SHOTS = os.environ.get("RECLAIM_SCREENSHOTS", "")  # a folder to keep screenshots in, if set


@pytest.fixture
def in_new_york(browser: Browser, locker_site: str, set_up: str) -> Iterator[BrowserContext]:
    """A phone-width browser whose clock is in New York, with the locker unlocked.

    Its session is its own: the site remembers the time zone chosen in a session.
    """
    viewport = {"width": 390, "height": 844}
    page = open_unlocked(browser, locker_site, timezone_id=NEW_YORK, viewport=viewport)
    page.close()
    yield page.context
    page.context.close()


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_script_fills_in_the_browsers_zone_and_the_time_is_kept_there(
    in_new_york: BrowserContext,
    locker_site: str,
    language: str,
) -> None:
    page = in_new_york.new_page()
    page.goto(f"{locker_site}/{language}/locker/evidence/message/")
    zone = page.locator("select[data-time-zone]")
    expect(zone).to_have_value(NEW_YORK)
    expect(zone).to_be_hidden()
    summary = page.locator("[data-time-zone-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("America/New York")
    _shot(page, f"time-zone-form-{language}.png")
    summary.get_by_role("button").click()  # "Change" shows the list again
    expect(zone).to_be_visible()
    expect(zone).to_be_focused()
    page.locator("textarea[name=text]").fill("Pay by Friday")
    page.locator("input[name=sender]").fill("@someone")
    page.locator("input[name=sent_at]").fill("2026-11-20T21:15")
    page.locator("form button[type=submit]").last.click()
    shown = page.locator("main")
    expect(shown).to_contain_text("21:15")
    expect(shown).to_contain_text("(UTC-05:00)")
    _shot(page, f"time-zone-item-{language}.png")


def test_without_script_the_list_starts_on_the_sites_zone(
    browser: Browser,
    locker_site: str,
    set_up: str,
) -> None:
    options = {"timezone_id": NEW_YORK, "java_script_enabled": False}
    page = open_unlocked(browser, locker_site, **options)  # a session of its own
    context = page.context
    page.goto(locker_site + "/en/locker/evidence/message/")
    zone = page.get_by_label("Time zone")
    expect(zone).to_be_visible()
    expect(zone).to_have_value("Europe/London")
    _shot(page, "time-zone-form-no-script.png")
    context.close()
