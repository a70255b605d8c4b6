"""A real `reclaim serve` (cheroot, SQLite) and a real Chromium driven by Playwright.

The exit button's neutral site is a tiny server on loopback: tests never reach the internet.
Where no Chromium is installed these tests fail with a message saying how to get one.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
import pytest
from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Frame,
    Page,
    Playwright,
    Request,
    ViewportSize,
    expect,
    sync_playwright,
)

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


IDLE_MINUTES = 2  # the locker site's auto-lock: the shortest there is


@contextmanager
def _together(*starts: AbstractContextManager[str]) -> Iterator[list[str]]:
    """Enter the servers' contexts at once, each in a thread; yield their origins.

    Starting a site sets Django up and checks its database (a copy of the migrated one, so
    there is nothing to build) and content, waiting as much as it computes: side by side,
    both are up sooner.
    """
    with ExitStack() as stack:
        with ThreadPoolExecutor(len(starts)) as pool:
            started = [pool.submit(start.__enter__) for start in starts]
        for start, future in zip(starts, started, strict=True):
            if future.exception() is None:
                stack.push(start.__exit__)  # stopped even when another failed to start
        yield [future.result() for future in started]


@pytest.fixture(scope="session")
def _sites(
    tmp_path_factory: pytest.TempPathFactory, neutral_url: str, migrated_sqlite: Path
) -> Iterator[list[str]]:
    more = {"RECLAIM_LOCKER_CALIBRATE": "false", "RECLAIM_AUTO_LOCK_MINUTES": str(IDLE_MINUTES)}
    # A helpline that takes referrals, for the sharing pages (never reached: no send is made).
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    folder = tmp_path_factory.mktemp("referral-directory")
    helplines = directory_file(folder, "https://reclaim.helpline.test", recipient)
    more["RECLAIM_REFERRAL_DIRECTORY"] = str(helplines)
    with _together(
        serving(tmp_path_factory.mktemp("data"), neutral_url, migrated_sqlite),
        serving(tmp_path_factory.mktemp("locker-data"), neutral_url, migrated_sqlite, **more),
    ) as origins:
        yield origins


@pytest.fixture(scope="session")
def site(_sites: list[str]) -> str:
    """The site with no locker set up; return its origin (one per xdist worker)."""
    return _sites[0]


@pytest.fixture(scope="session")
def locker_site(_sites: list[str]) -> str:
    """A second site, whose locker the ``set_up`` fixture sets up, with the shortest auto-lock.

    One per session (per xdist worker), shared by the locker, removal, time and error-page
    tests: starting a site migrates its database and loads the content, and setting the
    locker up costs Argon2id. Tests there add to the one locker and check what they added.
    Both sites start together (see ``_together``).
    """
    return _sites[1]


@dataclass
class LockerSession:
    """The recovery code shown at set-up, and the browser state of the session it opened."""

    code: str
    state: Any  # Playwright's storage state: the unlocked session's cookie


@pytest.fixture(scope="session")
def locker_session(browser: Browser, locker_site: str) -> LockerSession:
    """Set the locker up as a person would; keep the code shown and the session it opened.

    Tests that need an unlocked locker (not the act of unlocking) start from this session's
    cookie instead of deriving the key again (see ``unlocked``).
    """
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
    state = context.storage_state()
    context.close()
    return LockerSession(code, state)


@pytest.fixture(scope="session")
def set_up(locker_session: LockerSession) -> str:
    """Set the locker up as a person would; return the recovery code shown."""
    return locker_session.code


def unlock(page: Page, locker_site: str) -> None:
    """Unlock the locker with its passphrase, as a person does."""
    page.goto(locker_site + "/en/locker/unlock/")
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_role("heading", name="Your case")).to_be_visible()


def open_unlocked(browser: Browser, locker_site: str, **options: Any) -> Page:
    """Return a page on the case page, unlocked with the passphrase, in a new context (with
    ``options``): a session of its own."""
    page = browser.new_context(**options).new_page()
    unlock(page, locker_site)
    return page


@pytest.fixture
def freshly_unlocked(page: Page, locker_site: str, set_up: str) -> Page:
    """A page that has unlocked the locker with its passphrase, in a session of its own."""
    unlock(page, locker_site)
    return page


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """The Chromium that captures use: Debian's headless shell where it is installed."""
    try:
        return find_chromium()
    except ChromiumNotFoundError as error:
        pytest.fail(str(error))


# V8's optimizing compilers (Maglev and TurboFan) compile a hot function again in each new
# document. axe-core's functions are hot in every page it checks, and each page is left as
# soon as it is checked, so that work was thrown away: with axe-core, a page cost 300-310 ms
# of CPU with them and 209-239 ms without (70 pages, three rounds interleaved), and the
# accessibility, console-language and locker tests took 120-124 s of CPU against 99-112 s
# (three runs each, interleaved). Without them V8 runs the same JavaScript, to the same
# results, in its interpreter and baseline compiler. Only the hasher's PDQ, one long
# computation, was slower that way (11 s more), so it has a browser with every compiler.
WITHOUT_OPTIMIZING_COMPILERS = "--js-flags=--no-opt --no-maglev"


@pytest.fixture(scope="session")
def _playwright() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


def _launch(playwright: Playwright, chromium_path: Path, *more: str) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(chromium_path), args=[*CHROMIUM_ARGS, "--no-sandbox", *more]
    )


@pytest.fixture(scope="session")
def browser(_playwright: Playwright, chromium_path: Path) -> Iterator[Browser]:
    """The browser the pages are tried in: the one captures use (``chromium_path``), without
    V8's optimizing compilers (see WITHOUT_OPTIMIZING_COMPILERS).

    Where Debian's headless shell is installed, that is the shell: the same Blink as Chromium
    without the desktop browser around it, which is what Playwright itself runs headless; the
    pages cost about a third less CPU in it than in the desktop Chromium.
    """
    browser = _launch(_playwright, chromium_path, WITHOUT_OPTIMIZING_COMPILERS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def optimizing_browser(_playwright: Playwright, chromium_path: Path) -> Iterator[Browser]:
    """The same browser with all of V8's compilers, as a person's has: for long computations
    in the page (the hasher's PDQ), which those compilers make several times faster."""
    browser = _launch(_playwright, chromium_path)
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


AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
AXE_SCRIPT = Axe().axe_script
DEFAULT_VIEWPORT: ViewportSize = {"width": 1280, "height": 720}  # Playwright's own default
_AXE_RUN = "options => axe.run(document, options)"


def axe_report(page: Page) -> str:
    """Run axe-core (WCAG 2.2 AA and best practice) on the page; return its violations' report
    ("" when there are none). axe is put in the page unless a context's init script did."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    results = AxeResults(page.evaluate(_AXE_RUN, AXE_OPTIONS))
    return results.generate_report() if results.violations_count else ""


@dataclass
class _ReusedPage:
    page: Page
    origins: set[str]  # every origin the page has shown, to empty their storage after a test


@pytest.fixture(scope="session")
def _reused_page(browser: Browser) -> Iterator[_ReusedPage]:
    context = browser.new_context()
    context.add_init_script(script=AXE_SCRIPT)  # in every document, before its own scripts
    page = context.new_page()
    reused = _ReusedPage(page, set())

    def note(frame: Frame) -> None:
        if frame.url.startswith("http"):
            reused.origins.add("/".join(frame.url.split("/")[:3]))

    page.on("framenavigated", note)
    yield reused
    context.close()


@pytest.fixture
def reused_page(_reused_page: _ReusedPage) -> Iterator[Page]:
    """One page per worker, with axe loaded, for tests that need no context of their own.

    A new context and page cost far more than a page load. What a test leaves (cookies,
    stored values, the page's size, a held Shift key) is put back after it, so each test
    starts as in a new context: with nothing stored. Tests that change the context itself
    (its clock, script turned off, its time zone) use contexts of their own.
    """
    page = _reused_page.page
    page.set_viewport_size(DEFAULT_VIEWPORT)
    yield page
    page.keyboard.up("Shift")  # in case a test stopped while holding it
    page.context.clear_cookies()
    _clear_local_storage(page, _reused_page.origins)


def _clear_local_storage(page: Page, origins: set[str]) -> None:
    devtools = page.context.new_cdp_session(page)
    for origin in origins:
        storage = {"origin": origin, "storageTypes": "local_storage"}
        devtools.send("Storage.clearDataForOrigin", storage)
    devtools.detach()


@pytest.fixture(scope="session")
def _unlocked_page(browser: Browser, locker_session: LockerSession) -> Iterator[Page]:
    context = browser.new_context(storage_state=locker_session.state)
    context.add_init_script(script=AXE_SCRIPT)  # in every document, before its own scripts
    yield context.new_page()
    context.close()


@pytest.fixture
def unlocked(_unlocked_page: Page, locker_site: str) -> Iterator[Page]:
    """The case page, the locker unlocked, with axe loaded: one page per worker.

    It carries the worker's unlocked session (unlocked again if it locked itself). Tests that
    change what the session holds (lock it, choose a time zone) use sessions of their own
    (``freshly_unlocked``, ``open_unlocked``), so no test sees another's choices. A new
    context and page cost more than most of these tests' checks; what a test could leave in
    the page (its size, print media, a held Shift key, stored values) is put back after it,
    as ``reused_page`` does, keeping the session's cookie.
    """
    page = _unlocked_page
    page.goto(locker_site + "/en/locker/case/")
    if not page.get_by_role("heading", name="Your case").is_visible():
        unlock(page, locker_site)  # the site's auto-lock is two idle minutes
    yield page
    page.keyboard.up("Shift")
    page.emulate_media(media="null")
    page.set_viewport_size(DEFAULT_VIEWPORT)
    _clear_local_storage(page, {locker_site})


@contextmanager
def requests_made(page: Page) -> Iterator[list[str]]:
    """Yield the list of addresses the page requests while the block runs."""
    requested: list[str] = []

    def note(request: Request) -> None:
        requested.append(request.url)

    page.on("request", note)
    try:
        yield requested
    finally:
        page.remove_listener("request", note)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
