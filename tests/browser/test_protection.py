"""Protection in a real Chromium: pictures hashed in the page, only hashes sent, a case number
and PIN shown once; the pages accessible (axe) in English and Arabic."""

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, Request, Route, ViewportSize, expect

from .conftest import axe_report

HASH_LINE = re.compile(r"^ImagePDQ [0-9a-f]{64} \d+$")


def _picture(folder: Path, seed: int = 8) -> Path:
    """Write a generated picture (smoothed noise, detailed enough to hash) into ``folder``."""
    noise = np.random.default_rng(seed).integers(0, 255, (48, 48, 3), dtype=np.uint8)
    picture = folder / "generated-picture.png"
    Image.fromarray(noise).resize((256, 256), Image.Resampling.BICUBIC).save(picture)
    return picture


def _choose(page: Page, site: str, picture: Path, code: str = "en") -> None:
    """Answer the protection questions yes in ``code``, and choose ``picture`` once the chooser
    is shown (the hashing scripts show it when they have run: a person cannot pick before)."""
    page.goto(f"{site}/{code}/protect/")
    for name in ("is_subject", "is_intimate", "was_adult"):
        page.locator(f"input[name={name}][value=yes]").check()
    page.locator("main form button[type=submit]").last.click()
    chooser = page.locator("[data-hasher]:not([hidden]) input[type=file]")
    expect(chooser).to_be_visible()
    chooser.set_input_files(str(picture))


def test_only_hashes_leave_the_browser(reused_page: Page, site: str, tmp_path: Path) -> None:
    page = reused_page
    picture = _picture(tmp_path)
    sent: list[bytes] = []

    def note(request: Request) -> None:
        assert request.url.startswith(site), "nothing goes to another site"
        if request.post_data_buffer:
            sent.append(request.post_data_buffer)

    page.on("request", note)
    try:
        _choose(page, site, picture)
        expect(page.get_by_label("Choose pictures or videos")).to_be_visible()
        hashes = page.get_by_label("The hashes that will be sent")
        expect(hashes).to_have_value(HASH_LINE)
        page.get_by_role("button", name="Review what will be sent").click()
        expect(page.get_by_role("heading", name="Check what will be sent")).to_be_visible()
        page.get_by_role("button", name="Send the hashes").click()
        expect(page.get_by_role("heading", name="Your case number and PIN")).to_be_visible()
    finally:
        page.remove_listener("request", note)
    image = picture.read_bytes()
    assert sent and all(
        image[:64] not in body and b"generated-picture" not in body for body in sent
    )


def test_hashes_made_before_the_page_script_arrives_are_still_copied(
    reused_page: Page, site: str, tmp_path: Path
) -> None:
    """On a slow connection the hasher can run, and a person choose and hash a picture, before
    protect.js (which copies the hashes into the form) has arrived: it is held back here until
    the picture is hashed. CI once picked the file in that gap, and no hash ever came."""
    page = reused_page
    held: list[Route] = []
    page.route("**/protection/protect.js*", lambda route: held.append(route))
    try:
        _choose(page, site, _picture(tmp_path))
        page.locator("[data-hasher-results][data-done='1']").wait_for()
        assert len(held) == 1, "protect.js is still on its way"
        held[0].continue_()
        expect(page.get_by_label("The hashes that will be sent")).to_have_value(HASH_LINE)
    finally:
        page.unroute("**/protection/protect.js*")


def test_what_the_hashes_box_holds_survives_a_reload_and_back_until_it_is_sent(
    reused_page: Page, site: str, tmp_path: Path
) -> None:
    """A line typed with capitals (Shift with other keys: the exit must not fire) beside a
    picture's hash; a reload and a Back from the review keep both; sending forgets them."""
    page = reused_page
    _choose(page, site, _picture(tmp_path, seed=11))
    hashes = page.get_by_label("The hashes that will be sent")
    expect(hashes).to_have_value(HASH_LINE)
    typed = "VideoMD5 " + "0123456789abcdef" * 2
    hashes.press("End")
    hashes.press_sequentially("\n" + typed)
    held = hashes.input_value()
    assert held.splitlines()[-1] == typed and HASH_LINE.match(held.splitlines()[0])
    page.reload()
    expect(page.get_by_label("The hashes that will be sent")).to_have_value(held)
    page.get_by_role("button", name="Review what will be sent").click()
    expect(page.get_by_role("heading", name="Check what will be sent")).to_be_visible()
    page.go_back()
    expect(page.get_by_label("The hashes that will be sent")).to_have_value(held)
    page.get_by_role("button", name="Review what will be sent").click()
    page.get_by_role("button", name="Send the hashes").click()
    expect(page.get_by_role("heading", name="Your case number and PIN")).to_be_visible()
    kept = page.evaluate("() => sessionStorage.getItem('reclaim-protect-hashes')")
    assert kept is None, "once sent, the tab keeps no hashes"


@pytest.mark.parametrize("code", ["en", "ar"])
def test_protection_pages_have_no_accessibility_violations(
    reused_page: Page, site: str, code: str
) -> None:
    page = reused_page
    for path in ("/protect/", "/protect/case/"):
        page.goto(f"{site}/{code}{path}")
        report = axe_report(page)
        assert report == "", path + "\n" + report
    page.goto(f"{site}/{code}/protect/")
    for name in ("is_subject", "is_intimate", "was_adult"):
        page.locator(f"input[name={name}][value=yes]").check()
    page.locator("main form button[type=submit]").click()
    page.locator("[data-hasher]:not([hidden])").wait_for()
    report = axe_report(page)
    assert report == "", "hash page\n" + report


PHONE: ViewportSize = {"width": 390, "height": 844}


def _make_case_in(page: Page, site: str, code: str, picture: Path) -> tuple[str, str]:
    """Go through the protection pages in ``code``; return the case number and PIN shown."""
    _choose(page, site, picture, code)
    expect(page.locator("textarea[name=hashes]")).to_have_value(re.compile(r"^ImagePDQ "))
    page.locator("form[data-protect-form] button[type=submit]").click()
    page.locator("main form:has(input[name=step][value=send]) button[type=submit]").click()
    number = page.locator("dd.recovery-code code").first.inner_text()
    pin = page.locator("dd.recovery-code code").nth(1).inner_text()
    return number, pin


def _lines_of(page: Page, selector: str) -> int:
    """Return how many line boxes the element's text is laid out in."""
    return int(page.locator(selector).evaluate("e => e.getClientRects().length"))


def test_the_case_number_stays_on_one_line_in_arabic_on_a_phone(
    reused_page: Page, site: str, tmp_path: Path
) -> None:
    page = reused_page
    page.set_viewport_size(PHONE)
    number, pin = _make_case_in(page, site, "ar", _picture(tmp_path, seed=11))
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", number)
    assert _lines_of(page, "dd.recovery-code code >> nth=0") == 1
    page.goto(f"{site}/ar/protect/case/")
    page.locator("input[name=number]").fill(number)
    page.locator("input[name=pin]").fill(pin)
    page.locator("main form button[type=submit]").click()
    heading_number = page.locator("h1 code")
    expect(heading_number).to_have_text(number)
    assert _lines_of(page, "h1 code") == 1, "the number must not break across lines"
    assert heading_number.evaluate("e => getComputedStyle(e).direction") == "ltr"
    page.screenshot(path=str(tmp_path / "case-ar-390.png"), full_page=True)
