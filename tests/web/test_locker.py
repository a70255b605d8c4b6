"""The evidence locker's pages through Django's test client: set-up, unlock, recovery,
auto-lock, incidents, files, messages, deletion and packs."""

import hashlib
import io
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.locker import CorruptLockerError, Locker
from reclaim.locker._scratch import Scratch
from reclaim.packs import FAIL, verify_pack
from reclaim.web.access.session import COOKIE

from .conftest import PASSPHRASE, personal_locker, png_bytes, set_up_locker

# The personal locker is a copy of the template: unlocking it with PASSPHRASE derives the
# template's key, once a session (tests/conftest.py); a wrong secret is derived for real.
pytestmark = pytest.mark.django_db


def add_incident(client: Client, **fields: str) -> str:
    data = {"kind": "shared", "summary": "Posted on a forum", "under_18": "no", **fields}
    response = client.post("/en/locker/incidents/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response["Location"]).rstrip("/").rsplit("/", 1)[-1]


def upload(client: Client, data: bytes, name: str = "shot.png", **fields: str) -> object:
    return client.post(
        "/en/locker/evidence/upload/", {**fields, "file": SimpleUploadedFile(name, data)}
    )


def test_first_visit_explains_the_locker_and_offers_set_up(client: Client, data_dir: Path) -> None:
    response = client.get("/en/locker/")
    assert response.status_code == 200
    assert "/en/locker/set-up/" in response.content.decode()
    assert not response.cookies, "nothing is stored before the person chooses to set up"


def test_set_up_refuses_a_short_or_mistyped_passphrase(client: Client, data_dir: Path) -> None:
    short = client.post("/en/locker/set-up/", {"passphrase": "short", "passphrase_again": "short"})
    assert short.status_code == 400
    assert "Use at least 10 characters." in short.content.decode()
    mismatch = client.post(
        "/en/locker/set-up/", {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE + "x"}
    )
    assert "The two passphrases are not the same." in mismatch.content.decode()
    assert not (data_dir / "locker").exists()


def test_set_up_shows_the_recovery_code_once_and_opens_the_locker(
    client: Client, data_dir: Path, db: None
) -> None:
    recovery_code = set_up_locker(client)
    assert len(recovery_code.replace("-", "")) == 32
    assert client.cookies[COOKIE].value
    assert client.get("/en/locker/case/").status_code == 200
    assert client.get("/en/locker/set-up/").status_code == 302, "never a second set-up"
    on_disk = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    assert recovery_code.encode() not in on_disk


def test_wrong_passphrase_is_refused_kindly_and_right_one_opens(
    client: Client, open_locker: None
) -> None:
    client.post("/en/locker/lock/")
    assert client.get("/en/locker/case/")["Location"] == "/en/locker/unlock/"
    wrong = client.post("/en/locker/unlock/", {"passphrase": "not the passphrase"})
    assert wrong.status_code == 400
    assert "That passphrase does not open the locker." in wrong.content.decode()
    right = client.post("/en/locker/unlock/", {"passphrase": PASSPHRASE})
    assert right["Location"] == "/en/locker/case/"
    assert client.get("/en/locker/case/").status_code == 200


def test_recovery_code_opens_the_locker_and_replaces_the_passphrase(
    client: Client, recovery_code: str
) -> None:
    client.post("/en/locker/lock/")
    new = "a brand new passphrase"
    response = client.post(
        "/en/locker/recover/",
        {"recovery_code": recovery_code.lower(), "passphrase": new, "passphrase_again": new},
    )
    assert response.status_code == 200
    assert client.get("/en/locker/case/").status_code == 200
    client.post("/en/locker/lock/")
    assert client.post("/en/locker/unlock/", {"passphrase": PASSPHRASE}).status_code == 400
    assert client.post("/en/locker/unlock/", {"passphrase": new}).status_code == 302


def test_a_wrong_recovery_code_changes_nothing(client: Client, open_locker: None) -> None:
    client.post("/en/locker/lock/")
    response = client.post(
        "/en/locker/recover/",
        {"recovery_code": "AAAA-" * 8, "passphrase": "x" * 12, "passphrase_again": "x" * 12},
    )
    assert response.status_code == 400
    assert "That recovery code does not open the locker." in response.content.decode()
    assert client.post("/en/locker/unlock/", {"passphrase": PASSPHRASE}).status_code == 302


def test_locker_locks_itself_after_the_idle_time(
    client: Client, open_locker: None, settings: SettingsWrapper
) -> None:
    page = client.get("/en/locker/case/").content.decode()
    assert f'data-auto-lock="{settings.LOCKER_IDLE_SECONDS}"' in page
    assert 'http-equiv="refresh"' in page, "without JavaScript the page still locks"
    session = client.session
    session["locker"]["seen"] = time.time() - settings.LOCKER_IDLE_SECONDS - 1
    session.save()
    response = client.get("/en/locker/case/")
    assert response["Location"] == "/en/locker/unlock/?idle=1"
    assert "locked itself" in client.get(response["Location"]).content.decode()
    assert client.get("/en/locker/case/").status_code == 302, "still locked afterwards"


def test_staying_unlocked_restarts_the_idle_clock(
    client: Client, open_locker: None, settings: SettingsWrapper
) -> None:
    session = client.session
    session["locker"]["seen"] = time.time() - settings.LOCKER_IDLE_SECONDS + 30
    session.save()
    assert client.post("/en/locker/stay/", HTTP_X_REQUESTED_WITH="fetch").status_code == 204
    assert time.time() - client.session["locker"]["seen"] < 5


def test_the_session_alone_cannot_open_the_locker(client: Client, open_locker: None) -> None:
    del client.cookies[COOKIE]
    assert client.get("/en/locker/case/").status_code == 302


def test_leaving_with_the_exit_button_locks_the_locker(client: Client, open_locker: None) -> None:
    client.get("/exit/")
    assert client.get("/en/locker/case/").status_code == 302


def test_incidents_appear_on_the_timeline_in_date_order(client: Client, open_locker: None) -> None:
    add_incident(client, summary="Second thing", happened_on="2026-10-02")
    add_incident(client, summary="First thing", happened_on="2026-09-01", platform="Forum")
    page = client.get("/en/locker/case/").content.decode()
    assert page.index("First thing") < page.index("Second thing")


def test_incident_form_names_what_is_missing(client: Client, open_locker: None) -> None:
    response = client.post("/en/locker/incidents/new/", {"urls": "not-a-url"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Each web address starts with https:// or http://" in html


def test_correcting_an_incident_keeps_the_reason_in_the_custody_log(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    incident_id = add_incident(client)
    response = client.post(
        f"/en/locker/incidents/{incident_id}/correct/",
        {
            "kind": "shared",
            "summary": "Posted on a forum",
            "under_18": "no",
            "happened_on": "2026-11-02",
            "reason": "found the right date",
        },
    )
    assert response.status_code == 302
    entry = personal_locker(data_dir).custody()[-1]
    assert entry.action == "incident-corrected"
    assert entry.details["fields"] == "happened_on"
    assert entry.details["reason"] == "found the right date"


def test_an_upload_records_the_original_file_name_in_its_custody_entry(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    upload(client, png_bytes(), "screenshot 20 Nov.png")
    entry = personal_locker(data_dir).custody()[-1]
    assert entry.action == "item-added"
    assert entry.details["original_name"] == "screenshot 20 Nov.png"


def test_an_uploaded_picture_is_kept_byte_for_byte_and_shown_blurred(
    client: Client, open_locker: None
) -> None:
    picture = png_bytes()
    response = upload(client, picture, note="from their profile")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'class="preview is-blurred"' in page
    assert hashlib.sha256(picture).hexdigest() in page
    assert "64 × 48" in page
    shown = client.get(response["Location"] + "?show=1").content.decode()
    assert 'class="preview"' in shown
    original = client.get(response["Location"] + "file/?download=1")
    assert b"".join(original.streaming_content) == picture  # type: ignore[attr-defined]
    assert original["Content-Disposition"].startswith("attachment")


def test_an_oversized_upload_is_refused_and_keeps_what_was_typed(
    client: Client, open_locker: None, settings: SettingsWrapper, data_dir: Path
) -> None:
    settings.MAX_UPLOAD_BYTES = 100_000
    response = upload(client, b"\xff\xd8\xff" + bytes(200_000), "video.jpg", note="keep me")
    assert response.status_code == 413
    html = response.content.decode()
    assert "larger than 97.7\xa0KB" in html
    assert "Nothing was saved" in html
    assert "keep me" in html, "the note the person typed is still in the form"
    assert personal_locker(data_dir).items() == []


def test_a_file_of_an_unknown_kind_is_refused_clearly(client: Client, open_locker: None) -> None:
    response = upload(client, b"\x7fELF" + bytes(100), "program.png")
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_a_decompression_bomb_is_refused_and_nothing_is_kept(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    response = upload(client, huge_png_header(100_000, 100_000), "bomb.png")
    assert response.status_code == 400
    assert personal_locker(data_dir).items() == []


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG that claims to be enormous (its pixels are never there)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_under_18_incident_takes_messages_but_no_files_or_captures(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    incident_id = add_incident(client, under_18="not-sure")
    detail = client.get(f"/en/locker/incidents/{incident_id}/").content.decode()
    assert "iwf.org.uk" in detail and "takeitdown.ncmec.org" in detail
    refused = upload(client, png_bytes(), incident=incident_id)
    assert refused.status_code == 400
    assert "under 18" in refused.content.decode()
    capture = client.post(
        "/en/locker/evidence/capture/", {"url": "https://example.org/", "incident": incident_id}
    )
    assert capture.status_code == 400
    message = client.post(
        "/en/locker/evidence/message/",
        {"text": "delete it or else", "sender": "@someone", "sent_at": "2026-11-20T21:30"},
    )
    assert message.status_code == 302
    kinds = [item.kind for item in personal_locker(data_dir).items()]
    assert kinds == ["message"]


def test_a_message_is_kept_word_for_word(client: Client, open_locker: None) -> None:
    text = "Pay by Friday.\nOr everyone sees it."
    response = client.post(
        "/en/locker/evidence/message/",
        {"text": text, "sender": "unknown number", "sent_at": "2026-11-20T21:30"},
    )
    page = client.get(response["Location"]).content.decode()
    assert "Pay by Friday.<br>Or everyone sees it." in page
    assert "2026-11-20T21:30:00" in page


def test_deleting_an_item_leaves_a_tombstone(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    item_url = upload(client, png_bytes())["Location"]
    assert client.post(item_url + "delete/", {"reason": "wrong file"}).status_code == 302
    assert client.get(item_url).status_code == 404
    box = personal_locker(data_dir)
    assert box.items() == []
    assert box.custody()[-1].action == "item-deleted"
    assert box.custody()[-1].details["reason"] == "wrong file"


def test_export_hands_over_a_pack_that_verifies(
    client: Client, open_locker: None, tmp_path: Path
) -> None:
    first = add_incident(client, summary="First")
    add_incident(client, summary="Second")
    upload(client, png_bytes(colour="red"), "first.png", incident=first)
    upload(client, png_bytes(colour="blue"), "other.png")
    response = client.post(
        "/en/locker/export/", {"title": "Case", "initials": "js", "incidents": [first]}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    archive.extractall(tmp_path / "out")
    (pack,) = (tmp_path / "out").iterdir()
    checks = verify_pack(pack)
    assert [c for c in checks if c.status == FAIL] == []
    exhibits = sorted(p.name for p in (pack / "data" / "exhibits").iterdir())
    assert exhibits == ["JS-1_first.png"], "only the chosen incident's evidence"


def test_export_can_encrypt_the_pack_for_a_recipient(client: Client, open_locker: None) -> None:
    import pyrage

    identity = pyrage.x25519.Identity.generate()
    upload(client, png_bytes())
    response = client.post(
        "/en/locker/export/",
        {"title": "Case", "initials": "JS", "encrypt_to": str(identity.to_public())},
    )
    assert response["Content-Disposition"].endswith('.tar.age"')
    sealed = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert pyrage.decrypt(sealed, [identity])[:100]


def test_an_export_removes_what_a_killed_export_left_and_leaves_nothing(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    killed = Scratch(data_dir / "exports", "export")
    (killed.path / "JS-1_shot.png").write_bytes(png_bytes())
    killed._release()  # what the kernel does when the process is killed
    upload(client, png_bytes())
    response = client.post("/en/locker/export/", {"title": "Case", "initials": "JS"})
    assert response.status_code == 200
    b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert list((data_dir / "exports").iterdir()) == []


def test_export_with_nothing_chosen_says_so(client: Client, open_locker: None) -> None:
    response = client.post(
        "/en/locker/export/", {"title": "Case", "initials": "JS", "since": "2030-01-01"}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_a_damaged_locker_is_not_called_a_wrong_passphrase(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    client.post("/en/locker/lock/")
    log = data_dir / "locker" / "custody.log"
    data = bytearray(log.read_bytes())
    data[10] ^= 0x01  # a flipped bit always changes the byte; the rest of the log is intact
    log.write_bytes(bytes(data))
    with pytest.raises(CorruptLockerError, match=r"custody entry 0 is damaged \(line 1 "):
        Locker.open(data_dir / "locker", PASSPHRASE)
    response = client.post("/en/locker/unlock/", {"passphrase": PASSPHRASE})
    assert response.status_code == 400
    html = response.content.decode()
    assert "seem damaged" in html and "does not open" not in html


def test_a_custody_log_whose_chain_is_broken_is_called_damaged(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    client.post("/en/locker/lock/")
    log = data_dir / "locker" / "custody.log"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines) + lines[0])  # every line intact, the chain not
    response = client.post("/en/locker/unlock/", {"passphrase": PASSPHRASE})
    assert response.status_code == 400
    assert "seem damaged" in response.content.decode()


def test_a_damaged_record_crashes_no_page(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    upload(client, png_bytes(colour="red"), "kept.png")
    upload(client, png_bytes(colour="blue"), "hurt.png")
    kept, hurt = personal_locker(data_dir).items()
    record = data_dir / "locker" / "records" / hurt.id
    record.write_bytes(record.read_bytes()[:-1] + b"x")
    case = client.get("/en/locker/case/")
    assert case.status_code == 200 and kept.name in case.content.decode()
    page = client.get(f"/en/locker/items/{hurt.id}/")
    assert page.status_code == 200 and hurt.sha256 in page.content.decode()
    assert client.get(f"/en/locker/items/{hurt.id}/file/").status_code == 404
    assert client.get(f"/en/locker/items/{kept.id}/file/").status_code == 200
    export = client.post("/en/locker/export/", {"title": "Case", "initials": "JS"})
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(export.streaming_content))) as pack:
        damage = next(name for name in pack.namelist() if name.endswith("DAMAGE.txt"))
        assert hurt.id in pack.read(damage).decode()
    export.close()


def test_loose_evidence_can_be_linked_to_an_incident_later_and_unlinked(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    incident_id = add_incident(client)
    item_id = str(upload(client, png_bytes())["Location"]).rstrip("/").rsplit("/", 1)[-1]
    page = client.get(f"/en/locker/items/{item_id}/").content.decode()
    assert f"/en/locker/items/{item_id}/link/" in page and 'name="incident"' in page
    linked = client.post(f"/en/locker/items/{item_id}/link/", {"incident": incident_id})
    assert linked["Location"] == f"/en/locker/items/{item_id}/"
    assert item_id in client.get(f"/en/locker/incidents/{incident_id}/").content.decode()
    client.post(f"/en/locker/items/{item_id}/link/", {"incident": ""})
    box = personal_locker(data_dir)
    assert box.items()[0].incident is None
    changes = [
        (e.details["incident"], e.details["was"])
        for e in box.custody()
        if e.action == "item-linked"
    ]
    assert changes == [(incident_id, ""), ("", incident_id)]


def test_a_picture_cannot_be_linked_to_an_under_18_incident_but_a_message_can(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    young = add_incident(client, under_18="yes")
    picture = str(upload(client, png_bytes())["Location"]).rstrip("/").rsplit("/", 1)[-1]
    refused = client.post(f"/en/locker/items/{picture}/link/", {"incident": young})
    assert refused.status_code == 400
    assert "no pictures, videos or page captures are kept" in refused.content.decode()
    message = client.post(
        "/en/locker/evidence/message/",
        {"text": "pay or else", "sender": "someone", "sent_at": "2026-11-20T21:30"},
    )
    message_id = str(message["Location"]).rstrip("/").rsplit("/", 1)[-1]
    assert (
        client.post(f"/en/locker/items/{message_id}/link/", {"incident": young}).status_code == 302
    )
    box = personal_locker(data_dir)
    assert {i.id: i.incident for i in box.items()} == {picture: None, message_id: young}


def test_a_pack_of_an_item_linked_later_verifies(
    client: Client, open_locker: None, tmp_path: Path
) -> None:
    first = add_incident(client, summary="First")
    item_id = str(upload(client, png_bytes(), "later.png")["Location"]).rstrip("/").rsplit("/")[-1]
    client.post(f"/en/locker/items/{item_id}/link/", {"incident": first})
    response = client.post(
        "/en/locker/export/", {"title": "Case", "initials": "js", "incidents": [first]}
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    archive.extractall(tmp_path / "out")
    (pack,) = (tmp_path / "out").iterdir()
    assert [c for c in verify_pack(pack) if c.status == FAIL] == []
    assert sorted(p.name for p in (pack / "data" / "exhibits").iterdir()) == ["JS-1_later.png"]


def test_with_no_incident_yet_the_item_page_says_to_add_one_first(
    client: Client, open_locker: None
) -> None:
    item_id = str(upload(client, png_bytes())["Location"]).rstrip("/").rsplit("/")[-1]
    page = client.get(f"/en/locker/items/{item_id}/").content.decode()
    assert "add the incident first" in page and "/link/" not in page
