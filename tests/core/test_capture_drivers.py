"""Playwright drivers kept between captures (reclaim.capture._drivers): one job at a time per
driver, the same driver for the next job after a failure it survived, a new one after a failure
it did not. No browser is started: the jobs only ask the driver something."""

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Playwright

from reclaim.capture._drivers import Drivers


@pytest.fixture
def drivers() -> Iterator[Drivers]:
    made = Drivers(size=1)
    yield made
    made.run(lambda playwright: playwright.stop())


def _answer(playwright: Playwright) -> Playwright:
    playwright.request.new_context().dispose()  # a request the driver must answer
    return playwright


def test_the_next_capture_reuses_the_driver(drivers: Drivers) -> None:
    assert drivers.run(_answer) is drivers.run(_answer)


def test_a_capture_asked_for_where_an_event_loop_runs_still_runs(drivers: Drivers) -> None:
    """Playwright's sync API refuses to start in a thread whose event loop is running (an
    async server's, a test's that drives a browser); the drivers' threads have none of theirs."""

    async def asked_in_a_loop() -> Playwright:
        return drivers.run(_answer)

    # asyncio.run in a thread of its own: a browser test that ran earlier in this xdist worker
    # leaves Playwright's loop marked as running on the test's thread (tests/conftest.py),
    # where asyncio.run refuses to start another (seen when the worker's order put one first).
    with ThreadPoolExecutor(max_workers=1) as thread:
        in_a_loop = thread.submit(asyncio.run, asked_in_a_loop()).result()
    assert in_a_loop is drivers.run(_answer)


def test_a_failure_the_driver_survived_keeps_it(drivers: Drivers) -> None:
    first = drivers.run(_answer)

    def fail(playwright: Playwright) -> None:
        raise ValueError("the page could not be captured")

    with pytest.raises(ValueError, match="could not be captured"):
        drivers.run(fail)
    assert drivers.run(_answer) is first


def test_a_driver_that_stopped_answering_is_replaced(drivers: Drivers) -> None:
    first = drivers.run(_answer)

    def break_it(playwright: Playwright) -> None:
        playwright.stop()  # the driver is gone, as if its process had died mid-capture
        raise RuntimeError("the connection to the driver closed")

    with pytest.raises(RuntimeError, match="closed"):
        drivers.run(break_it)
    second = drivers.run(_answer)
    assert second is not first, "a new driver, which answers"
