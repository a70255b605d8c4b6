"""Fixtures for the locker pages: a fresh data folder per test and a fast (floor) Argon2id.

A test that needs an open locker gets a copy of the session's template locker, opened in the
test client by writing its session as the unlock page does; only the tests of setting up and
unlocking go through those pages (each costs Argon2id derivations).
"""

import io
import secrets
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.http import HttpRequest, HttpResponse
from django.test import Client
from PIL import Image
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.locker import Locker
from reclaim.web.access.models import SurvivorAccount
from reclaim.web.access.session import COOKIE, locker_folder, open_for

from ..lockers import copy_locker, template

PASSPHRASE = "purple otter under the bridge"


@pytest.fixture
def data_dir(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    settings.LOCKER_DIR = tmp_path / "locker"
    settings.LOCKERS_DIR = tmp_path / "lockers"
    settings.BANK_INDEX_DIR = tmp_path / "bank-index"
    settings.LOCKER_CALIBRATE = False  # RFC 9106's low-memory profile: the floor, and quick
    return tmp_path


def set_up_locker(client: Client, **fields: str) -> str:
    """Set up a locker through the pages, confirm the code is written down; return the code."""
    data = {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE, **fields}
    response = client.post("/en/locker/set-up/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == "/en/locker/recovery-code/"
    code = str(client.get("/en/locker/recovery-code/").context["code"])
    assert client.post("/en/locker/recovery-code/")["Location"] == "/en/locker/case/"
    return code


def open_in_client(client: Client, box: Locker, ref: str = "personal") -> None:
    """Open ``box`` in the test client as the unlock page does, without its Argon2id wait."""
    request, response = HttpRequest(), HttpResponse()
    request.session = client.session
    open_for(request, response, box, ref)
    request.session.save()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = request.session.session_key
    client.cookies[COOKIE] = response.cookies[COOKIE].value


@pytest.fixture
def recovery_code(client: Client, data_dir: Path, db: None) -> str:
    """Put a personal locker in place (a copy of the template) and open it in the client;
    return its recovery code. Tests of the set-up pages call ``set_up_locker`` instead."""
    box, code = copy_locker(locker_folder("personal"), PASSPHRASE)
    open_in_client(client, box)
    return code


def template_account(username: str) -> tuple[Locker, str, str]:
    """Put a survivor account in place (service mode) as ``lockers.create_account`` leaves one,
    its locker a copy of the template; return the locker, its recovery code and its ref.

    Its passphrase is PASSPHRASE. Tests of setting up an account go through the pages instead.
    """
    ref = secrets.token_hex(16)
    box, code = copy_locker(locker_folder(ref), PASSPHRASE)
    SurvivorAccount.objects.create(username=username, locker_id=ref)
    return box, code, ref


@pytest.fixture
def open_locker(recovery_code: str) -> None:
    """The personal locker, set up and open in the test client."""


def personal_locker(data_dir: Path) -> Locker:
    """Return the locker that ``open_locker`` put in place, opened with the template's key.

    No Argon2id wait: tests that check a passphrase opens it call ``Locker.open`` themselves.
    """
    return Locker.resume(data_dir / "locker", template(PASSPHRASE).key)


def png_bytes(size: tuple[int, int] = (64, 48), colour: str = "teal") -> bytes:
    """A small generated picture (never a photo of a person)."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()
