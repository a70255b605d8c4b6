"""A real `reclaim serve` (cheroot, SQLite) and a real Chromium driven by Playwright.

The exit button's neutral site is a tiny server on loopback: tests never reach the internet.
Where no Chromium is installed these tests fail with a message saying how to get one.
"""

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from reclaim.capture import CHROMIUM_ARGS, ChromiumNotFoundError, find_chromium

from ..loopback import QuietHandler, loopback_server, wait_until_listening


class NeutralPage(QuietHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><html lang='en'><title>Weather</title><h1>Weather</h1></html>"
        self.answer(200, body, "text/html")


@pytest.fixture(scope="session")
def neutral_url() -> Iterator[str]:
    with loopback_server(NeutralPage) as base:
        yield f"{base}/weather"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, neutral_url: str) -> Iterator[str]:
    """Start the site as a person would (`reclaim serve`) and return its origin."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env |= {
        "RECLAIM_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        "RECLAIM_EXIT_URL": neutral_url,
    }
    command = [sys.executable, "-m", "reclaim.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    origin = f"http://127.0.0.1:{port}"
    try:
        wait_until_listening(port, process)
        yield origin
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


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
