"""Shared set-up for the console's browser tests (test_console*.py): the live server in service
mode on the test database, one reused tab, and one look at a page that runs every check.

The console runs in pytest-django's live server (a real WSGI server on loopback), on a test
database emptied after each test, so each test makes its own rows. The tab is one per worker:
a new context and page cost more than several page loads. Each test starts it as a new context
would (no cookies, the size it asks for, nothing typed held down) and leaves it on a blank
page, so no script of a console page runs on into the next test.

A page is looked at with one call into it: axe-core (the rules and options of the other
browser tests, ``AXE_OPTIONS``), the page's language and direction and its width, together.
axe returns only its violations: its full results (every rule that passed or did not apply)
are most of what crossing from the browser would cost, and are never read.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.base import AxeResults
from playwright.sync_api import Browser, Page, ViewportSize
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.web.access import limits

from ..web.console import fixtures
from .conftest import AXE_OPTIONS, AXE_SCRIPT

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
NARROWEST = 320  # WCAG 1.4.10: content reflows at 320 CSS px
USERNAME = "Ada.Lovelace"  # capitals: typed with Shift, as a person types them
PASSWORD = "Long Enough Secret, for Staff!"

_LOOK = """async options => {
  const html = document.documentElement;
  const marked = [html.lang, html.dir, html.scrollWidth];
  const found = await axe.run(document, options);
  return [...marked, found.violations];
}"""


@pytest.fixture(scope="session")
def orm_beside_playwright() -> Iterator[None]:
    """Let the test make rows while Playwright's sync API is running.

    Playwright runs an event loop on this thread; the database calls made here do not run
    inside it, but Django cannot tell (its async-safety check looks for a running loop). Asked
    for before the browser and the test database, so that both are set up with it.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def console_origin(
    orm_beside_playwright: None,
    live_server: Any,
    transactional_db: None,
    settings: SettingsWrapper,
) -> Iterator[str]:
    """The live server's origin, serving the console; quick password hashing for the rows."""
    settings.SERVICE = True
    settings.HELPLINE_SECRET = fixtures.HELPLINE_SECRET
    settings.STAFF_IDLE_SECONDS = 15 * 60
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    limits.reset()
    yield live_server.url
    limits.reset()


@pytest.fixture(scope="session")
def _console_tab(orm_beside_playwright: None, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)
    context.add_init_script(script=AXE_SCRIPT)  # in every document, before its own scripts
    yield context.new_page()
    context.close()


@pytest.fixture
def console_tab(_console_tab: Page) -> Iterator[Page]:
    """The worker's console tab at 390 px, with no cookies (so signed out, in English).

    Console pages keep nothing in the browser but cookies (test_console.py checks that they
    keep nothing in its storage), so clearing them is what a new context would give.
    """
    page = _console_tab
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    yield page
    page.keyboard.up("Shift")  # in case a test stopped while holding it
    page.goto("about:blank")  # a draft due to be saved is sent now, while its test runs
    page.context.clear_cookies()


def sign_in_cookies(page: Page, origin: str, code: str, session: str = "") -> None:
    """Give the tab's context the language ``code`` and, if given, a signed-in session."""
    cookies: list[Any] = [{"name": "django_language", "value": code, "url": origin}]
    if session:
        cookies.append({"name": "sessionid", "value": session, "url": origin})
    page.context.add_cookies(cookies)


@dataclass(frozen=True)
class Look:
    """What one look at a loaded page found."""

    lang: str
    dir: str
    width: int  # the document's scroll width, at the page's width then
    axe: str  # axe's report of violations, "" if none


def look(page: Page) -> Look:
    """Run axe on the loaded page, and read its language, direction and width, in one call."""
    lang, direction, width, violations = page.evaluate(_LOOK, AXE_OPTIONS)
    report = AxeResults({"violations": violations}).generate_report() if violations else ""
    return Look(lang, direction, width, report)


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the page in RECLAIM_SCREENSHOTS, if that names a folder."""
    folder = os.environ.get("RECLAIM_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"console-{name}.png"), full_page=True)
