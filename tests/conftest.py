"""Fixtures shared by the web and browser tests."""

import pytest

from reclaim.languages import LANGUAGE_CODES

from .lockers import remove_templates


@pytest.fixture(params=LANGUAGE_CODES)
def language_code(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def pytest_sessionfinish(session: pytest.Session) -> None:
    remove_templates()
