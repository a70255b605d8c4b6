"""Removal requests in a real Chromium: writing one from an address, and every page of it
accessible in English and Arabic (axe), with nothing fetched from another site."""

import re

import pytest
from playwright.sync_api import Page, Request, expect

from .test_accessibility import AXE_OPTIONS
from .test_locker import axe, locker_site, set_up, unlocked  # noqa: F401  (fixtures)


def _write_request(page: Page, site: str, code: str, url: str) -> None:
    page.goto(f"{site}/{code}/locker/requests/new/")
    page.locator("#id_url").fill(url)
    page.locator("#id_country").select_option("us")
    page.locator("form[method=get] button").click()
    page.locator("#id_signer").fill("Jo Example")
    page.locator("#id_email").fill("jo.safe@example.org")
    for name in ("consent_statement", "intimate_statement", "accuracy_statement"):
        page.locator(f"#id_{name}").check()
    page.locator("main form[method=post] button[type=submit]").last.click()


@pytest.mark.parametrize("code", ["en", "ar"])
def test_writing_a_request_and_its_pages_are_accessible(
    unlocked: Page,  # noqa: F811
    locker_site: str,  # noqa: F811
    code: str,
) -> None:
    elsewhere: list[str] = []

    def note(request: Request) -> None:
        if not request.url.startswith(locker_site):
            elsewhere.append(request.url)

    unlocked.on("request", note)
    unlocked.goto(f"{locker_site}/{code}/locker/requests/")
    _check(unlocked, "overview")
    unlocked.goto(f"{locker_site}/{code}/locker/requests/new/")
    _check(unlocked, "start")
    unlocked.goto(
        f"{locker_site}/{code}/locker/requests/new/write/?url=https://x.com/a/{code}&country=us"
    )
    _check(unlocked, "compose")
    _write_request(unlocked, locker_site, code, f"https://x.com/someone/status/{code}")
    signature = unlocked.locator("textarea").first
    expect(signature).to_have_value(re.compile(r"^/Jo Example/, the person shown in the images"))
    assert f"https://x.com/someone/status/{code}" in unlocked.content()
    _check(unlocked, "detail")
    assert "help.x.com/forms/safety-and-sensitive-content/take-it-down" in unlocked.content()
    assert elsewhere == [], "the pages fetch nothing from another site"


def _check(page: Page, name: str) -> None:
    results = axe.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, name + "\n" + results.generate_report()
