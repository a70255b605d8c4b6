"""axe-core (WCAG 2.2 AA and best practice) on every page in English and Arabic, with the
same pass checking that nothing is fetched from another origin and that pages reflow at 320 px."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from reclaim.web.support.content import page_paths

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
PAGES = [(code, path) for code in ("en", "ar") for path in page_paths(code)]
NARROW_PX = 320
axe = Axe()


@pytest.mark.parametrize(("code", "path"), PAGES)
def test_page_is_accessible_fetches_only_from_its_site_and_reflows_at_320_px(
    page: Page, site: str, code: str, path: str
) -> None:
    """One load per page runs the three checks (a page load costs far more than a check);
    each check's finding is reported, so one failing check hides none of the others."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(site + path, wait_until="networkidle")
    problems = []
    results = axe.run(page, options=AXE_OPTIONS)
    if results.violations_count:
        problems.append(results.generate_report())
    # Resizing lays the loaded page out again, as reloading it at this width would.
    page.set_viewport_size({"width": NARROW_PX, "height": 640})
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > NARROW_PX:
        problems.append(f"at {NARROW_PX} px the page is {width} px wide: it does not reflow")
    if not requested:
        problems.append("the page made no request at all")
    elsewhere = [url for url in requested if not url.startswith(site + "/")]
    if elsewhere:
        problems.append(f"fetched from another origin: {elsewhere}")
    assert problems == [], "\n\n".join(problems)
