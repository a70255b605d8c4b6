"""A real `reclaim serve` (cheroot, SQLite) and a real Chromium driven by Playwright.

The exit button's neutral site is a tiny server on loopback: tests never reach the internet.
Where no Chromium is installed these tests fail with a message saying how to get one.
"""

from collections.abc import Iterator
from pathlib import Path

import pyrage
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from reclaim.capture import CHROMIUM_ARGS, ChromiumNotFoundError, find_chromium

from ..loopback import QuietHandler, loopback_server, serving
from ..web.conftest import PASSPHRASE
from ..web.helpline_standin import directory_file


class NeutralPage(QuietHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><html lang='en'><title>Weather</title><h1>Weather</h1></html>"
        self.answer(200, body, "text/html")


@pytest.fixture(scope="session")
def neutral_url() -> Iterator[str]:
    with loopback_server(NeutralPage) as base:
        yield f"{base}/weather"


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, neutral_url: str) -> Iterator[str]:
    """The site with no locker set up; return its origin (one per xdist worker)."""
    with serving(tmp_path_factory.mktemp("data"), neutral_url) as origin:
        yield origin


IDLE_MINUTES = 2  # the locker site's auto-lock: the shortest there is


@pytest.fixture(scope="session")
def locker_site(tmp_path_factory: pytest.TempPathFactory, neutral_url: str) -> Iterator[str]:
    """A second site, whose locker the ``set_up`` fixture sets up, with the shortest auto-lock.

    One per session (per xdist worker), shared by the locker, removal, time and error-page
    tests: starting a site migrates its database and loads the content, and setting the
    locker up costs Argon2id. Tests there add to the one locker and check what they added.
    """
    more = {"RECLAIM_LOCKER_CALIBRATE": "false", "RECLAIM_AUTO_LOCK_MINUTES": str(IDLE_MINUTES)}
    # A helpline that takes referrals, for the sharing pages (never reached: no send is made).
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    folder = tmp_path_factory.mktemp("referral-directory")
    helplines = directory_file(folder, "https://reclaim.helpline.test", recipient)
    more["RECLAIM_REFERRAL_DIRECTORY"] = str(helplines)
    with serving(tmp_path_factory.mktemp("locker-data"), neutral_url, **more) as origin:
        yield origin


@pytest.fixture(scope="session")
def set_up(browser: Browser, locker_site: str) -> str:
    """Set the locker up as a person would; return the recovery code shown."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(locker_site + "/en/locker/")
    page.get_by_role("link", name="Set up the locker").click()
    page.get_by_label("Passphrase", exact=False).first.fill(PASSPHRASE)
    page.get_by_label("Type it again").fill(PASSPHRASE)
    page.get_by_role("button", name="Create the locker").click()
    expect(page.get_by_role("heading", name="Your recovery code")).to_be_visible()
    code = page.locator(".recovery-code code").inner_text()
    page.reload()
    assert page.locator(".recovery-code code").inner_text() == code, "a reload keeps the code"
    page.get_by_role("button", name="I have written it down").click()
    expect(page.get_by_role("heading", name="Your case")).to_be_visible()
    context.close()
    return code


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    try:
        return find_chromium()
    except ChromiumNotFoundError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path), args=[*CHROMIUM_ARGS, "--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
