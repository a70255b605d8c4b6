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


@pytest.fixture
def recovery_code(client: Client, data_dir: Path, db: None) -> str:
    """Set up the personal locker through the page, leaving it open; return the code."""
    response = client.post(
        "/en/locker/set-up/", {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE}
    )
    assert response.status_code == 200
    return str(response.context["code"])


@pytest.fixture
def open_locker(recovery_code: str) -> None:
    """The personal locker, set up and open in the test client."""


def png_bytes(size: tuple[int, int] = (64, 48), colour: str = "teal") -> bytes:
    """A small generated picture (never a photo of a person)."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()
