"""Removal requests in a real Chromium: writing one from an address, and every page of it
accessible in English and Arabic (axe), with nothing fetched from another site; a draft
finished, another withdrawn, and a second request for one address, at phone width.

Set RECLAIM_SCREENSHOTS to a folder to keep a picture of each page the flow passes.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import axe_report, requests_made


def _start(page: Page, site: str, code: str, url: str) -> None:
    page.goto(f"{site}/{code}/locker/requests/new/")
    page.locator("#id_url").fill(url)
    page.locator("#id_country").select_option("us")
    with page.expect_navigation():  # the next step may look at the page before it is replaced
        page.locator("form[action$='/new/write/'] button[type=submit]").click()


def _fill(page: Page, name: str = "Jo Example") -> None:
    page.locator("#id_signer").fill(name)
    page.locator("#id_email").fill("jo.safe@example.org")
    for box in ("consent_statement", "intimate_statement", "accuracy_statement"):
        page.locator(f"#id_{box}").check()


def _write_request(page: Page, site: str, code: str, url: str) -> None:
    _start(page, site, code, url)
    _fill(page)
    page.locator("button[name=action][value=ready]").click()


@pytest.mark.parametrize("code", ["en", "ar"])
def test_writing_a_request_and_its_pages_are_accessible(
    unlocked: Page,
    locker_site: str,
    code: str,
) -> None:
    with requests_made(unlocked) as requested:  # axe is in each page (see ``unlocked``)
        unlocked.goto(f"{locker_site}/{code}/locker/requests/")
        _check(unlocked, "overview")
        unlocked.goto(f"{locker_site}/{code}/locker/requests/new/")
        _check(unlocked, "start")
        _start(unlocked, locker_site, code, f"https://x.com/a/{code}")
        assert "x.com" not in unlocked.url, "the address stays out of the page's URL"
        _check(unlocked, "compose")
        _write_request(unlocked, locker_site, code, f"https://x.com/someone/status/{code}")
        signature = unlocked.locator("textarea").first
        expect(signature).to_have_value(
            re.compile(r"^/Jo Example/, the person shown in the images")
        )
        assert f"https://x.com/someone/status/{code}" in unlocked.content()
        _check(unlocked, "detail")
        assert "help.x.com/forms/safety-and-sensitive-content/take-it-down" in unlocked.content()
    elsewhere = [url for url in requested if not url.startswith(locker_site)]
    assert elsewhere == [], "the pages fetch nothing from another site"


def _check(page: Page, name: str) -> None:
    report = axe_report(page)
    assert report == "", name + "\n" + report


@pytest.mark.parametrize("code", ["en", "ar"])
def test_a_draft_is_finished_another_withdrawn_and_a_second_ask_keeps_the_text(
    unlocked: Page,
    locker_site: str,
    code: str,
) -> None:
    unlocked.set_viewport_size({"width": 390, "height": 844})
    url = f"https://x.com/draft/status/{code}"
    _start(unlocked, locker_site, code, url)
    _fill(unlocked, name="")
    unlocked.locator("button[name=action][value=draft]").click()
    edit = unlocked.locator("main a[href$='/edit/']")
    expect(edit).to_be_visible()
    _shot(unlocked, code, "draft")
    edit.click()
    expect(unlocked.locator("#id_email")).to_have_value("jo.safe@example.org")
    unlocked.locator("button[name=action][value=ready]").click()
    expect(unlocked.locator(".error-summary a[href='#id_signer']")).to_be_visible()
    _shot(unlocked, code, "edit-needs-name")
    unlocked.locator(".error-summary a[href='#id_signer']").click()
    expect(unlocked.locator("#id_signer")).to_be_focused()
    unlocked.locator("#id_signer").fill("Jo Example")
    unlocked.locator("button[name=action][value=ready]").click()
    expect(unlocked.locator("textarea").first).to_have_value(re.compile(r"^/Jo Example/"))
    _check(unlocked, "ready")

    _start(unlocked, locker_site, code, url)
    _fill(unlocked)
    unlocked.locator("#id_description").fill("The third photo, at night")
    unlocked.locator("button[name=action][value=ready]").click()
    summary = unlocked.locator(".error-summary")
    expect(summary.locator("a[href$='/']").first).to_be_visible()
    expect(unlocked.locator("#id_description")).to_have_value("The third photo, at night")
    _shot(unlocked, code, "second-ask")
    _check(unlocked, "second ask")
    summary.locator("a").first.click()
    expect(unlocked.locator("textarea").first).to_have_value(re.compile(r"^/Jo Example/"))

    unlocked.locator("main details.withdraw summary").click()
    _shot(unlocked, code, "withdraw")
    unlocked.locator("form[action$='/withdraw/'] button").click()
    expect(unlocked.locator("form[action$='/withdraw/']")).to_have_count(0)
    expect(unlocked.locator("main a[href$='/edit/']")).to_have_count(0)
    _shot(unlocked, code, "withdrawn")


def _shot(page: Page, code: str, name: str) -> None:
    folder = os.environ.get("RECLAIM_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"removals-{name}-{code}.png"), full_page=True)
