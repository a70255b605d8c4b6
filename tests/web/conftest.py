"""Fixtures for the locker pages: a fresh data folder per test and a fast (floor) Argon2id."""

import io
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image
from pytest_django.fixtures import Settings as SettingsWrapper

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


@pytest.fixture
def recovery_code(client: Client, data_dir: Path, db: None) -> str:
    """Set up the personal locker through the page, leaving it open; return the code."""
    return set_up_locker(client)


@pytest.fixture
def open_locker(recovery_code: str) -> None:
    """The personal locker, set up and open in the test client."""


def png_bytes(size: tuple[int, int] = (64, 48), colour: str = "teal") -> bytes:
    """A small generated picture (never a photo of a person)."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()
