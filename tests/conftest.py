"""Fixtures shared by the web and browser tests."""

import pytest

from reclaim.languages import LANGUAGE_CODES

from .lockers import remembered_hash, remove_templates


@pytest.fixture(params=LANGUAGE_CODES)
def language_code(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def pytest_sessionfinish(session: pytest.Session) -> None:
    remove_templates()


@pytest.fixture
def remembered_derivations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each locker key Argon2id derives once a session (tests/lockers.py's remembered_hash).

    For tests of what a command or page does with a locker, not of the derivation: opening a
    copy of the template with its passphrase again and again, or trying the same wrong
    passphrase five times, waits for Argon2id once. KdfParams.derive still runs every time
    (tests that count derivations count the same); only the repeated hash is not recomputed.
    """
    from reclaim.locker import _keys

    monkeypatch.setattr(_keys, "hash_secret_raw", remembered_hash)
