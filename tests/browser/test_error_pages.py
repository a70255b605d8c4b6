"""Error pages and the printable removal request in a real Chromium: the exit button, the
Shift shortcut and the page's language are there too; printing leaves them out."""

import pytest
from playwright.sync_api import Page, expect

from .conftest import axe_report
from .test_removals import _write_request

DIRECTIONS = {"en": "ltr", "ar": "rtl"}


@pytest.mark.parametrize("code", ["en", "ar"])
def test_not_found_page_has_the_exit_and_the_shortcut(
    reused_page: Page, site: str, neutral_url: str, code: str
) -> None:
    page = reused_page
    response = page.goto(f"{site}/{code}/no-such-page/")
    assert response is not None and response.status == 404
    assert page.evaluate("[document.documentElement.lang, document.dir]") == [
        code,
        DIRECTIONS[code],
    ]
    expect(page.locator("a.exit-button")).to_be_visible()
    report = axe_report(page)
    assert report == "", report
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(neutral_url)


@pytest.mark.parametrize("code", ["en", "ar"])
def test_printable_request_has_the_exit_but_prints_only_the_request(
    unlocked: Page,
    locker_site: str,
    code: str,
) -> None:
    _write_request(unlocked, locker_site, code, f"https://x.com/someone/status/print-{code}")
    unlocked.goto(unlocked.url.split("?")[0].rstrip("/") + "/print/")
    assert unlocked.evaluate("document.dir") == DIRECTIONS[code]
    expect(unlocked.locator("a.exit-button")).to_be_visible()
    request = unlocked.locator("article.printable-request")
    expect(request).to_contain_text(f"https://x.com/someone/status/print-{code}")
    unlocked.emulate_media(media="print")
    expect(unlocked.locator("a.exit-button")).to_be_hidden()
    expect(request).to_be_visible()
