"""Console tests run in service mode with a helpline secret and a quick password hasher."""

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.web.console.models import Helpline, StaffMember

from .fixtures import HELPLINE_SECRET, helpline, member


@pytest.fixture(autouse=True)
def service(settings: SettingsWrapper, db: None) -> None:
    settings.SERVICE = True
    settings.HELPLINE_SECRET = HELPLINE_SECRET
    # The password is not what these tests check; PBKDF2's million rounds would take their time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def line() -> Helpline:
    """A helpline (a test file may shadow it with its own)."""
    return helpline()


@pytest.fixture
def sam(line: Helpline) -> StaffMember:
    """A caseworker of ``line``."""
    return member(line, "sam", "caseworker")
