"""axe-core (WCAG 2.2 AA and best practice) on every page in English and Arabic, with the
same pass checking that nothing is fetched from another origin and that pages reflow at 320 px."""

import pytest
from playwright.sync_api import Page, expect

from reclaim.web.support.content import page_paths

from .conftest import AXE_OPTIONS, axe_report, requests_made

__all__ = ["AXE_OPTIONS"]  # other browser tests have imported the options from here

PAGES = [(code, path) for code in ("en", "ar") for path in page_paths(code)]
NARROW_PX = 320


@pytest.mark.parametrize(("code", "path"), PAGES)
def test_page_is_accessible_fetches_only_from_its_site_and_reflows_at_320_px(
    reused_page: Page, site: str, code: str, path: str
) -> None:
    """One load per page runs the three checks (a page load costs far more than a check);
    each check's finding is reported, so one failing check hides none of the others.

    The page is one reused page with axe already in it (see ``reused_page``): a new browser
    context per page cost more than the checks. The checks start once the page has loaded
    (its scripts have run: none fetches anything later); the network is then awaited to be
    idle for half a second, as before, so a late request is still seen and counted.
    """
    page = reused_page
    with requests_made(page) as requested:
        page.goto(site + path, wait_until="load")
        problems = []
        report = axe_report(page)
        if report:
            problems.append(report)
        # Resizing lays the loaded page out again, as reloading it at this width would.
        page.set_viewport_size({"width": NARROW_PX, "height": 640})
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > NARROW_PX:
            problems.append(f"at {NARROW_PX} px the page is {width} px wide: it does not reflow")
        page.wait_for_load_state("networkidle")
    if not requested:
        problems.append("the page made no request at all")
    elsewhere = [url for url in requested if not url.startswith(site + "/")]
    if elsewhere:
        problems.append(f"fetched from another origin: {elsewhere}")
    assert problems == [], "\n\n".join(problems)


def _checked(page: Page, site: str) -> list[str]:
    """Return what axe, the reflow at 320 px and the origin check find on the loaded page."""
    problems = []
    report = axe_report(page)
    if report:
        problems.append(page.url + "\n" + report)
    page.set_viewport_size({"width": NARROW_PX, "height": 640})
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > NARROW_PX:
        problems.append(f"{page.url}: at {NARROW_PX} px the page is {width} px wide")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone, for the next page
    return problems


@pytest.mark.parametrize("code", ["en", "ar"])
def test_sharing_pages_are_accessible_and_reflow(
    unlocked: Page, locker_site: str, code: str
) -> None:
    """The pages of asking a helpline for help, each loaded once: the list, the form, the
    confirmation, a referral made as a file, and stopping it.

    The page starts from the worker's unlocked session (``unlocked``): unlocking is not what
    is checked here, and deriving the key again cost more than all the checks."""
    page = unlocked  # axe is in each page already (see ``unlocked``)
    page.set_viewport_size({"width": 390, "height": 844})
    with requests_made(page) as requested:
        page.goto(f"{locker_site}/{code}/locker/helplines/")
        problems = _checked(page, locker_site)
        page.goto(f"{locker_site}/{code}/locker/helplines/ask/")
        problems += _checked(page, locker_site)
        page.locator("input[name=helpline]").first.check()
        page.locator("input[name=under_18][value=no]").check()
        page.locator("textarea[name=message]").fill("Please help")
        page.locator("button[value=check]").click()
        expect(page.locator("button[value=file]")).to_be_visible()
        problems += _checked(page, locker_site)
        page.locator("button[value=file]").click()
        expect(page.locator("a[href$='/file/']")).to_be_visible()
        problems += _checked(page, locker_site)
        page.locator("a[href$='/stop/']").click()
        expect(page.locator("input[name=confirm]")).to_be_attached()
        problems += _checked(page, locker_site)
    elsewhere = [url for url in requested if not url.startswith(locker_site + "/")]
    assert elsewhere == [], "the pages fetch nothing from another site"
    assert problems == [], "\n\n".join(problems)
