"""axe-core (WCAG 2.2 AA and best practice) on every page in English and Arabic, with the
same pass checking that nothing is fetched from another origin and that pages reflow at 320 px."""

import pytest
from playwright.sync_api import Page

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
