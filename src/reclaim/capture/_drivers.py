"""Playwright's driver, a Node.js process, kept from one capture to the next.

Starting the driver costs about half a second of CPU and of waiting, which every capture used
to pay. Each driver stays with a thread of its own: Playwright's sync API stays with the thread
that started it, and refuses to run where an event loop is running (an async server, a test
already driving a browser); these threads start with none. Captures run in those threads, as
many at once as there are drivers; more wait for one to be free.

Nothing of a capture stays in its driver: each capture launches its own Chromium, with its own
profile, and closes it. A driver that stops answering after a failed capture is stopped, and the
next capture in its thread starts a new one.
"""

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from playwright.sync_api import Playwright, sync_playwright

T = TypeVar("T")
DRIVERS = 4  # captures at once in one process


class Drivers:
    """Started Playwright drivers, each in a thread of its own, lent to one job at a time."""

    def __init__(self, size: int = DRIVERS) -> None:
        self._threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="capture-driver")
        self._here = threading.local()

    def run(self, job: Callable[[Playwright], T]) -> T:
        """Run ``job`` with a started driver in one of the threads; return what it returned."""
        return self._threads.submit(self._with_driver, job).result()

    def _with_driver(self, job: Callable[[Playwright], T]) -> T:
        playwright: Playwright | None = getattr(self._here, "playwright", None)
        if playwright is None:
            playwright = self._here.playwright = sync_playwright().start()
        try:
            return job(playwright)
        except BaseException:
            if not _answers(playwright):
                self._here.playwright = None
                with contextlib.suppress(Exception):
                    playwright.stop()
            raise


def _answers(playwright: Playwright) -> bool:
    """Return whether the driver still answers a request (one that starts no browser)."""
    try:
        playwright.request.new_context().dispose()
    except Exception:  # whatever went wrong, this driver is not to be reused
        return False
    return True


DRIVERS_OF_THIS_PROCESS = Drivers()
