"""Console tests run in service mode with a helpline secret and a quick password hasher."""

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from .fixtures import HELPLINE_SECRET


@pytest.fixture(autouse=True)
def service(settings: SettingsWrapper, db: None) -> None:
    settings.SERVICE = True
    settings.HELPLINE_SECRET = HELPLINE_SECRET
    # The password is not what these tests check; PBKDF2's million rounds would take their time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
