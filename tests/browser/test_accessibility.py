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
def test_page_has_no_accessibility_violations(page: Page, site: str, code: str, path: str) -> None:
    page.goto(site + path)
    results = axe.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize(("code", "path"), PAGES)
def test_page_fetches_nothing_from_another_origin(
    page: Page, site: str, code: str, path: str
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(site + path, wait_until="networkidle")
    assert requested, "the page made no request at all"
    assert [url for url in requested if not url.startswith(site + "/")] == []


@pytest.mark.parametrize(("code", "path"), PAGES)
def test_page_reflows_at_320_px(page: Page, site: str, code: str, path: str) -> None:
    page.set_viewport_size({"width": NARROW_PX, "height": 640})
    page.goto(site + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW_PX
