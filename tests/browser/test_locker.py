"""The evidence locker in a real Chromium against a real `reclaim serve`: set-up, a picture
shown blurred until asked, the auto-lock warning, accessibility, and nothing leaving the site."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ..web.conftest import PASSPHRASE, png_bytes
from .conftest import IDLE_MINUTES, axe_report, requests_made


def test_set_up_shows_a_recovery_code(set_up: str) -> None:
    assert len(set_up.replace("-", "")) == 32


def test_a_picture_stays_blurred_until_the_person_asks(
    unlocked: Page, locker_site: str, tmp_path: Path
) -> None:
    page = unlocked
    picture = tmp_path / "screenshot.png"
    picture.write_bytes(png_bytes((320, 200), "orange"))
    with requests_made(page) as requested:
        page.get_by_role("link", name="Add a file").first.click()
        page.get_by_label("File").set_input_files(str(picture))
        page.get_by_role("button", name="Add to the locker").click()
        image = page.locator("[data-preview-image]")
        expect(image).to_be_visible()
        assert "blur" in image.evaluate("element => getComputedStyle(element).filter")
        page.get_by_role("link", name="Show the picture").click()
        assert image.evaluate("element => getComputedStyle(element).filter") == "none"
        page.get_by_role("link", name="Blur the picture again").click()
        assert "blur" in image.evaluate("element => getComputedStyle(element).filter")
    assert [url for url in requested if not url.startswith(locker_site + "/")] == []


def test_auto_lock_warns_a_minute_before_and_staying_keeps_it_open(
    freshly_unlocked: Page, locker_site: str
) -> None:
    page = freshly_unlocked
    page.clock.install()
    page.reload()
    page.clock.fast_forward((IDLE_MINUTES * 60 - 59) * 1000)
    warning = page.get_by_role("alertdialog", name="Your locker will lock soon")
    expect(warning).to_be_visible()
    stay = warning.get_by_role("button", name="Stay unlocked")
    expect(stay).to_be_focused()
    with page.expect_response(lambda response: "/stay/" in response.url) as answer:
        stay.click()
    assert answer.value.status == 204
    expect(warning).to_be_hidden()
    page.clock.fast_forward(IDLE_MINUTES * 60 * 1000)
    expect(page.get_by_role("heading", name="Your locker is locked")).to_be_visible()
    page.goto(locker_site + "/en/locker/case/")
    expect(page.get_by_role("heading", name="Unlock your evidence locker")).to_be_visible()


@pytest.mark.parametrize("code", ["en", "ar"])
def test_the_caption_no_longer_says_blurred_once_the_picture_is_shown(
    unlocked: Page, locker_site: str, code: str, tmp_path: Path
) -> None:
    page = unlocked
    picture = tmp_path / "shot.png"
    picture.write_bytes(png_bytes((200, 120), "purple"))
    page.goto(f"{locker_site}/{code}/locker/evidence/upload/")
    page.locator("input[type=file]").set_input_files(str(picture))
    page.locator("main form[enctype] button[type=submit]").click()
    caption, toggle = page.locator("figcaption"), page.locator("[data-preview-toggle]")
    says_blurred = caption.inner_text().replace(toggle.inner_text(), "").strip()
    assert says_blurred, "a blurred picture's caption says so"
    toggle.click()
    expect(caption).not_to_contain_text(says_blurred, use_inner_text=True)  # shown
    toggle.click()
    expect(caption).to_contain_text(says_blurred, use_inner_text=True)
    report = axe_report(page)  # the page, with its new link control
    assert report == "", report


@pytest.mark.parametrize("code", ["en", "ar"])
def test_text_typed_as_the_locker_locks_itself_is_back_after_unlocking(
    freshly_unlocked: Page, locker_site: str, code: str
) -> None:
    page = freshly_unlocked
    words = "He Said Pay by Friday" if code == "en" else "قال ادفع يوم الجمعة"
    page.clock.install()
    page.goto(f"{locker_site}/{code}/locker/evidence/message/")
    page.locator("textarea[name=text]").fill(words)
    page.locator("input[name=sender]").fill("an account")
    page.clock.fast_forward((IDLE_MINUTES * 60 - 59) * 1000)
    expect(page.locator("[data-auto-lock-warning]")).to_be_visible()  # the warning stays
    with page.expect_navigation():
        page.clock.fast_forward(60 * 1000)
    expect(page.locator("main .note")).to_be_visible()  # what was typed is kept
    page.goto(f"{locker_site}/{code}/locker/unlock/")
    page.locator("input[name=passphrase]").fill(PASSPHRASE)
    page.locator("input[name=passphrase]").press("Enter")
    page.wait_for_url(f"{locker_site}/{code}/locker/evidence/message/")
    expect(page.locator("textarea[name=text]")).to_have_value(words)
    expect(page.locator("input[name=sender]")).to_have_value("an account")
    page.goto(f"{locker_site}/{code}/locker/case/")
    expect(page.locator("main")).not_to_contain_text(words)  # kept, never saved silently


LOCKER_PAGES = [
    "/locker/case/",
    "/locker/case/not-linked/",
    "/locker/incidents/new/",
    "/locker/evidence/upload/",
    "/locker/evidence/message/",
    "/locker/evidence/capture/",
    "/locker/export/",
]


@pytest.mark.parametrize("code", ["en", "ar"])
def test_locker_pages_have_no_accessibility_violations(
    unlocked: Page, locker_site: str, code: str
) -> None:
    for path in LOCKER_PAGES:  # axe is in each page already (see ``unlocked``)
        unlocked.goto(f"{locker_site}/{code}{path}")
        report = axe_report(unlocked)
        assert report == "", path + "\n" + report
    unlocked.goto(f"{locker_site}/{code}/locker/export/")
    with unlocked.expect_navigation():  # axe must not run on the page being replaced
        unlocked.get_by_role("button").last.click()  # an empty form: the error summary
    report = axe_report(unlocked)
    assert report == "", report


@pytest.mark.parametrize("code", ["en", "ar"])
def test_locker_entry_pages_have_no_accessibility_violations(
    reused_page: Page, site: str, code: str
) -> None:
    for path in ("/locker/", "/locker/set-up/"):
        reused_page.goto(f"{site}/{code}{path}")
        report = axe_report(reused_page)
        assert report == "", path + "\n" + report
