"""The web app has the locker's key timestamped at set-up and each item as it arrives, by the
configured authorities only; with none configured, nothing is sent."""

from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.locker import Locker
from reclaim.web.access import lockers

from ..integration.conftest import Authority, authority  # noqa: F401  # the real authority fixture
from ..loopback import QuietHandler, loopback_server
from .conftest import PASSPHRASE, png_bytes, set_up_locker
from .test_locker import upload

pytestmark = pytest.mark.django_db


def set_up(client: Client) -> None:
    set_up_locker(client)


def test_set_up_and_uploads_are_timestamped_by_the_configured_authority(
    client: Client,
    data_dir: Path,
    settings: SettingsWrapper,
    authority: Authority,  # noqa: F811
) -> None:
    settings.TIMESTAMP_AUTHORITIES = (authority.url,)
    set_up(client)
    assert upload(client, png_bytes()).status_code == 302  # type: ignore[attr-defined]
    box = Locker.open(data_dir / "locker", PASSPHRASE)
    assert [stamp.authority for stamp in box.key_anchors()] == [authority.url]
    (batch,) = box.item_batches()
    assert batch.items == tuple(item.id for item in box.items())


def test_with_no_authority_configured_nothing_is_timestamped(
    client: Client, data_dir: Path, settings: SettingsWrapper
) -> None:
    settings.TIMESTAMP_AUTHORITIES = ()
    set_up(client)
    assert upload(client, png_bytes()).status_code == 302  # type: ignore[attr-defined]
    box = Locker.open(data_dir / "locker", PASSPHRASE)
    assert box.key_anchors() == [] and box.item_batches() == []
    assert not (data_dir / "locker/timestamps/anchors-pending").exists()


def test_an_authority_that_answers_nonsense_does_not_lose_the_upload(
    client: Client, data_dir: Path, settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    class Nonsense(QuietHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.answer(200, b"not a timestamp", "application/timestamp-reply")

    set_up(client)
    with loopback_server(Nonsense) as base:
        settings.TIMESTAMP_AUTHORITIES = (base + "/tsa",)
        response = upload(client, png_bytes())
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert len(Locker.open(data_dir / "locker", PASSPHRASE).items()) == 1
    assert "not a valid timestamp token" in caplog.text


def test_changes_leave_an_unreachable_authority_alone_for_a_while(
    client: Client, data_dir: Path, settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each ask of an authority that is away costs its time-out: not on every change."""
    asked = []

    class Away(QuietHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            asked.append(self.path)
            self.answer(503, b"away", "text/plain")

    now = [1000.0]
    monkeypatch.setattr(lockers.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(lockers, "_resting_until", {})
    with loopback_server(Away) as base:
        settings.TIMESTAMP_AUTHORITIES = (base + "/tsa",)
        set_up(client)  # the key: asked once, queued
        upload(client, png_bytes())  # the key again and the item: both still pending
        count = len(asked)
        upload(client, png_bytes())
        assert client.post("/en/locker/case/keep-arrived/").status_code == 302
        assert len(asked) == count, "asked again within the rest"
        assert client.get("/en/locker/case/").status_code == 200
        assert len(asked) == count, "a page asks nobody: it writes nothing"
        now[0] += lockers.AUTHORITY_REST_SECONDS + 1
        assert client.get("/en/locker/case/").status_code == 200
        assert len(asked) == count, "a page asks nobody, after the rest too"
        assert client.post("/en/locker/case/keep-arrived/").status_code == 302
        assert len(asked) > count, "asked again once the rest is over"
    box = Locker.open(data_dir / "locker", PASSPHRASE)
    assert len(box.items()) == 2 and box.item_batches() == []


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_export_page_shows_the_key_to_read_aloud(
    client: Client, data_dir: Path, settings: SettingsWrapper, language: str
) -> None:
    """The survivor can read the fingerprint an officer finds in VERIFY.md to them."""
    settings.TIMESTAMP_AUTHORITIES = ()
    set_up(client)
    page = client.get(f"/{language}/locker/export/").content.decode()
    spoken = Locker.open(data_dir / "locker", PASSPHRASE).spoken_key_fingerprint()
    assert f"<code>{spoken}</code>" in page
    assert len(spoken.split()) == 8
