"""Referrals: made from a locker, sealed to a helpline's key, opened and checked on its side."""

import datetime
import functools
import hashlib
import io
import struct
from pathlib import Path

import numpy as np
import pyrage
import pytest
from PIL import Image
from skimage import data

from reclaim.content import DEFAULT_CONTENT_DIR, ContentError, Helpline, load_library
from reclaim.locker import Incident, Locker, NotFoundError, Under18Error, check_locker
from reclaim.notices import LockerRequestStore, RequestFacts, add, new_request
from reclaim.referrals import (
    Contact,
    Opening,
    ReferralError,
    ReferralExpiredError,
    ReferralFormatError,
    Selection,
    TamperedReferralError,
    TruncatedReferralError,
    WrongReferralKeyError,
    consent_matches,
    join_container,
    make_referral,
    open_manifest,
    open_referral,
    read_sealed_item,
    record_openings,
    record_sent,
    record_withdrawal,
    referral_helpline,
    referral_helplines,
    shared_referral,
    shared_referrals,
    split_container,
)

from ..lockers import copy_locker

PASSPHRASE = "correct horse battery staple"
IDENTITY = pyrage.x25519.Identity.generate()
OTHER = pyrage.x25519.Identity.generate()

ENTRY = """
[[helpline]]
id = "{id}"
country = "gb"
area = "UK"
name = "Test Helpline"
audience = "adults"
website = "https://helpline.test/"
source = "https://helpline.test/"
last_checked = 2026-11-01
verified = false
{referrals}
"""


def entry(helpline_id: str = "test-helpline", referrals: str = "") -> str:
    if not referrals:
        referrals = (
            '[helpline.referrals]\naddress = "https://reclaim.helpline.test/"\n'
            f'recipient = "{IDENTITY.to_public()}"'
        )
    return ENTRY.format(id=helpline_id, referrals=referrals)


@pytest.fixture(scope="module")
def helpline(tmp_path_factory: pytest.TempPathFactory) -> Helpline:
    extra = tmp_path_factory.mktemp("directory") / "helplines.toml"
    extra.write_text(entry())
    return referral_helpline(referral_helplines((), extra), "test-helpline")


@pytest.fixture
def box(tmp_path: Path) -> Locker:
    return copy_locker(tmp_path / "locker", PASSPHRASE)[0]


@functools.cache  # the same PNG each time: encoding it was 60 ms
def photo(name: str = "astronaut") -> bytes:
    pixels = getattr(data, name)()
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels)).save(buffer, format="PNG")
    return buffer.getvalue()


def request_in(box: Locker, url: str, incident: str = "") -> str:
    facts = RequestFacts(locations=(url,), description="shared without consent")
    request = new_request(url, facts, "x", 0, "general", "gb", "person", incident_id=incident)
    add(LockerRequestStore(box), request)
    return request.id


# The directory -----------------------------------------------------------------------------


def test_only_helplines_with_a_referrals_table_take_referrals(tmp_path: Path) -> None:
    extra = tmp_path / "helplines.toml"
    extra.write_text(entry("takes-them") + entry("does-not", referrals="# none"))
    library = load_library(DEFAULT_CONTENT_DIR)
    found = referral_helplines(library.helplines, extra)
    assert [helpline.id for helpline in found] == ["takes-them"]
    assert found[0].referrals is not None
    assert found[0].referrals.address == "https://reclaim.helpline.test"
    assert found[0].referrals.recipient == str(IDENTITY.to_public())


@pytest.mark.parametrize(
    ("referrals", "problem"),
    [
        ('[helpline.referrals]\naddress = "http://h.test"\nrecipient = "{key}"', "https://"),
        ('[helpline.referrals]\naddress = "https://u@h.test"\nrecipient = "{key}"', "user"),
        ('[helpline.referrals]\naddress = "https://h.test/?a=1"\nrecipient = "{key}"', "query"),
        ('[helpline.referrals]\naddress = "https://h.test"\nrecipient = "age1nope"', "age"),
        ('[helpline.referrals]\naddress = "https://h.test"\nrecipient = "{key}"\nx = 1', "x"),
        ('[helpline.referrals]\naddress = "https://h.test"', "recipient"),
    ],
)
def test_a_referrals_table_is_checked_on_load(tmp_path: Path, referrals: str, problem: str) -> None:
    extra = tmp_path / "helplines.toml"
    extra.write_text(entry(referrals=referrals.format(key=IDENTITY.to_public())))
    with pytest.raises(ContentError, match=problem):
        referral_helplines((), extra)


def test_an_extra_helpline_may_not_take_a_directory_id(tmp_path: Path) -> None:
    extra = tmp_path / "helplines.toml"
    extra.write_text(entry("revenge-porn-helpline"))
    with pytest.raises(ContentError, match="already in the directory"):
        referral_helplines(load_library(DEFAULT_CONTENT_DIR).helplines, extra)


# Making and opening ------------------------------------------------------------------------


def test_round_trip_gives_back_exactly_what_was_chosen(
    box: Locker, helpline: Helpline, tmp_path: Path
) -> None:
    incident = box.add_incident(Incident("shared", "Posted on a forum", urls=("https://x.com/a",)))
    picture = box.add(photo(), "astronaut.png", "image/png", incident=incident.id)
    message = box.add_message("I will post them", "ex", "", incident=incident.id)
    left_out = box.add(photo("camera"), "camera.png", "image/png")
    request = request_in(box, "https://x.com/a", incident.id)
    request_in(box, "https://x.com/b")
    contact = Contact("email", "me@example.test", "after 6pm")
    chosen = Selection((incident.id,), (picture.id, message.id), (request,), 14, contact, "Help")
    made = make_referral(box, helpline, chosen, tmp_path / "r.reclaim-referral")

    opened = open_referral(tmp_path / "r.reclaim-referral", str(IDENTITY))
    manifest = opened.manifest
    assert manifest.id == made.id and manifest.helpline == "test-helpline"
    assert [i.id for i in manifest.incidents] == [incident.id]
    assert [i.id for i in manifest.items] == [picture.id, message.id]
    assert left_out.id not in {i.id for i in manifest.items}
    assert [r.id for r in manifest.requests] == [request]
    assert manifest.contact == contact and manifest.message == "Help"
    for item in (picture, message):
        assert b"".join(opened.read_item(item.id)) == b"".join(box.read(item.id))
    assert manifest.item(picture.id).incident == incident.id
    opened.verify_items()
    assert consent_matches(manifest, made.consent_token)
    assert not consent_matches(manifest, made.consent_token + "x")


def test_an_items_incident_is_not_named_unless_shared(
    box: Locker, helpline: Helpline, tmp_path: Path
) -> None:
    incident = box.add_incident(Incident("shared", "Posted"))
    picture = box.add(photo(), "a.png", "image/png", incident=incident.id)
    request = request_in(box, "https://x.com/a", incident.id)
    make_referral(
        box, helpline, Selection(items=(picture.id,), requests=(request,)), tmp_path / "r"
    )
    manifest = open_referral(tmp_path / "r", str(IDENTITY)).manifest
    assert manifest.item(picture.id).incident is None
    assert manifest.requests[0].incident_id == ""


def test_the_master_key_appears_nowhere_in_the_referral(
    box: Locker, helpline: Helpline, tmp_path: Path
) -> None:
    items = [box.add(photo(name), f"{name}.png", "image/png") for name in ("astronaut", "coffee")]
    chosen = Selection(items=tuple(item.id for item in items))
    make_referral(box, helpline, chosen, tmp_path / "r")
    master = box.session_key()
    bundle = (tmp_path / "r").read_bytes()
    opened = open_referral(tmp_path / "r", str(IDENTITY))
    manifest = pyrage.decrypt(bundle[12 : 12 + struct.unpack(">I", bundle[8:12])[0]], [IDENTITY])
    for where in (bundle, manifest, *(item.key for item in opened.manifest.items)):
        assert master not in where
        assert master.hex().encode() not in where
    assert len({item.key for item in opened.manifest.items}) == 2, "each item has its own key"
    assert photo()[:4096] not in bundle, "no plaintext in the bundle"


def test_under_18_carries_no_media(box: Locker, helpline: Helpline, tmp_path: Path) -> None:
    incident = box.add_incident(Incident("shared", "A picture of me at 16", under_18=True))
    message = box.add_message("send more or else", "someone", "", incident=incident.id)
    picture = box.add(photo(), "a.png", "image/png")
    with pytest.raises(Under18Error):
        make_referral(
            box, helpline, Selection((incident.id,), (message.id, picture.id)), tmp_path / "r"
        )
    assert not (tmp_path / "r").exists() and shared_referrals(box) == []
    with pytest.raises(Under18Error):
        make_referral(box, helpline, Selection(items=(picture.id,), under_18=True), tmp_path / "r")
    made = make_referral(box, helpline, Selection((incident.id,), (message.id,)), tmp_path / "r")
    manifest = open_referral(tmp_path / "r", str(IDENTITY)).manifest
    assert made.under_18 and manifest.under_18
    assert [item.kind for item in manifest.items] == ["message"]


def test_nothing_missing_or_unchosen_is_shared(
    box: Locker, helpline: Helpline, tmp_path: Path
) -> None:
    with pytest.raises(ReferralError, match="choose"):
        make_referral(box, helpline, Selection(), tmp_path / "r")
    with pytest.raises(NotFoundError):
        make_referral(box, helpline, Selection(items=("0" * 32,)), tmp_path / "r")
    with pytest.raises(ReferralError, match="removal request"):
        make_referral(box, helpline, Selection(requests=("0" * 32,)), tmp_path / "r")
    with pytest.raises(ReferralError, match="days"):
        make_referral(box, helpline, Selection(message="hi", days=366), tmp_path / "r")
    assert not (tmp_path / "r").exists()


@pytest.fixture
def referral(box: Locker, helpline: Helpline, tmp_path: Path) -> Path:
    items = (box.add(photo(), "a.png", "image/png").id, box.add(b"words", "b.txt", "text/plain").id)
    make_referral(box, helpline, Selection(items=items), tmp_path / "r.reclaim-referral")
    return tmp_path / "r.reclaim-referral"


def test_a_referral_for_another_key_is_refused(referral: Path) -> None:
    with pytest.raises(WrongReferralKeyError):
        open_referral(referral, str(OTHER))


@pytest.mark.parametrize("cut", [3, 10, 200, -20000, -1])
def test_a_truncated_referral_is_refused(referral: Path, cut: int) -> None:
    referral.write_bytes(referral.read_bytes()[:cut])
    with pytest.raises((TruncatedReferralError, TamperedReferralError)):
        open_referral(referral, str(IDENTITY))


def test_a_cut_in_an_item_says_truncated(referral: Path) -> None:
    referral.write_bytes(referral.read_bytes()[:-1])
    with pytest.raises(TruncatedReferralError):
        open_referral(referral, str(IDENTITY))


@pytest.mark.parametrize("where", [60, 400, -5000, -3])
def test_a_changed_byte_is_refused(referral: Path, where: int) -> None:
    changed = bytearray(referral.read_bytes())
    changed[where] ^= 0x01
    referral.write_bytes(bytes(changed))
    with pytest.raises((TamperedReferralError, WrongReferralKeyError)):
        open_referral(referral, str(IDENTITY))


def test_an_appended_byte_is_refused(referral: Path) -> None:
    referral.write_bytes(referral.read_bytes() + b"\0")
    with pytest.raises(TamperedReferralError, match="after its last item"):
        open_referral(referral, str(IDENTITY))


def test_other_files_and_versions_are_refused(referral: Path, tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(photo())
    with pytest.raises(ReferralFormatError, match="not a Reclaim referral"):
        open_referral(tmp_path / "photo.png", str(IDENTITY))
    bundle = bytearray(referral.read_bytes())
    bundle[7] = 2
    referral.write_bytes(bytes(bundle))
    with pytest.raises(ReferralFormatError, match="version 2"):
        open_referral(referral, str(IDENTITY))


def test_an_expired_referral_is_refused(referral: Path) -> None:
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=31)
    with pytest.raises(ReferralExpiredError):
        open_referral(referral, str(IDENTITY), now=later)


def test_an_item_whose_digest_differs_is_refused_after_decryption(
    box: Locker, helpline: Helpline, tmp_path: Path
) -> None:
    # A manifest that names the wrong digest (written by someone with the public key): the
    # sealed bytes check out, the decrypted ones do not.
    item = box.add(b"the original words", "a.txt", "text/plain")
    make_referral(box, helpline, Selection(items=(item.id,)), tmp_path / "r")
    opened = open_referral(tmp_path / "r", str(IDENTITY))
    wrong = opened.manifest.items[0].__class__(
        **{**opened.manifest.items[0].__dict__, "sha256": hashlib.sha256(b"other").hexdigest()}
    )
    opened.manifest = opened.manifest.__class__(**{**opened.manifest.__dict__, "items": (wrong,)})
    with pytest.raises(TamperedReferralError, match="not what the survivor shared"):
        b"".join(opened.read_item(item.id))


# Kept in parts (a helpline keeps each item apart, to read one alone) ------------------------


def test_a_split_referral_joins_back_byte_for_byte_and_each_part_opens_alone(
    referral: Path,
) -> None:
    whole = referral.read_bytes()
    parts = split_container(whole)
    assert join_container(parts.sealed_manifest, parts.sealed_items) == whole
    opened = open_referral(whole, str(IDENTITY))
    manifest = open_manifest(parts.sealed_manifest, str(IDENTITY))
    assert manifest == opened.manifest and len(parts.sealed_items) == len(manifest.items) == 2
    for item, sealed in zip(manifest.items, parts.sealed_items, strict=True):
        alone = b"".join(read_sealed_item(item, bytes(sealed)))
        assert alone == b"".join(opened.read_item(item.id))
        assert hashlib.sha256(alone).hexdigest() == item.sha256


def test_a_kept_item_that_was_changed_or_swapped_is_refused_before_decryption(
    referral: Path,
) -> None:
    parts = split_container(referral.read_bytes())
    manifest = open_manifest(parts.sealed_manifest, str(IDENTITY))
    first, second = (bytes(sealed) for sealed in parts.sealed_items)
    changed = bytearray(first)
    changed[-10] ^= 1
    for wrong in (bytes(changed), second, first[:-1]):
        with pytest.raises(TamperedReferralError, match="changed after it was sealed"):
            b"".join(read_sealed_item(manifest.items[0], wrong))


def test_a_kept_manifest_refuses_another_key_and_its_time_as_the_container_does(
    referral: Path,
) -> None:
    sealed_manifest = split_container(referral.read_bytes()).sealed_manifest
    with pytest.raises(WrongReferralKeyError):
        open_manifest(sealed_manifest, str(OTHER))
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=31)
    with pytest.raises(ReferralExpiredError):
        open_manifest(sealed_manifest, str(IDENTITY), now=later)


@pytest.mark.parametrize("cut", [5, 30, -1])
def test_splitting_a_cut_container_is_refused(referral: Path, cut: int) -> None:
    with pytest.raises((TruncatedReferralError, ReferralFormatError)):
        split_container(referral.read_bytes()[:cut])


# The survivor's record ---------------------------------------------------------------------


def test_the_record_survives_lock_and_unlock(
    box: Locker, helpline: Helpline, tmp_path: Path
) -> None:
    item = box.add(b"words", "a.txt", "text/plain")
    made = make_referral(box, helpline, Selection(items=(item.id,), days=7), tmp_path / "r")
    record_sent(box, made.id, "2026-12-01T10:00:00+00:00")
    openings = [Opening("2026-12-02T09:00:00+00:00", "caseworker")]
    record_openings(box, made.id, openings)
    record_openings(box, made.id, openings)  # reported again: kept once
    record_withdrawal(box, made.id, "2026-12-03T09:00:00+00:00")
    Locker.forget(box.root)
    again = Locker.open(box.root, PASSPHRASE)
    kept = shared_referral(again, made.id)
    assert kept.consent_token == made.consent_token and kept.items == (item.id,)
    assert kept.helpline == "test-helpline" and kept.address == "https://reclaim.helpline.test"
    assert kept.sent_utc == "2026-12-01T10:00:00+00:00"
    assert kept.openings == tuple(openings) and kept.withdrawn
    assert not kept.expired() and kept.expired(datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC))
    actions = [(e.action, e.details.get("action")) for e in again.custody() if e.item == made.id]
    assert actions == [
        ("referral-shared", "shared"),
        ("referral-changed", "sent"),
        ("referral-changed", "openings"),
        ("referral-changed", "withdrawn"),
    ]
    assert made.consent_token not in repr(kept)


def test_a_referral_record_is_sealed_and_checked(
    box: Locker, helpline: Helpline, tmp_path: Path
) -> None:
    made = make_referral(box, helpline, Selection(message="please call"), tmp_path / "r")
    sealed = (box.root / "referrals" / made.id).read_bytes()
    assert made.consent_token.encode() not in sealed and b"test-helpline" not in sealed
    (box.root / "referrals" / made.id).write_bytes(sealed[:-1] + bytes([sealed[-1] ^ 1]))
    assert shared_referrals(box) == []
    assert [damage.kind for damage in box.damaged()] == ["referral"]


def test_sealed_item_gives_the_item_key_that_opens_that_blob_alone(box: Locker) -> None:
    one, two = box.add(b"one", "1.txt", "text/plain"), box.add(b"two", "2.txt", "text/plain")
    first, second = box.sealed_item(one.id), box.sealed_item(two.id)
    assert first.key != second.key and box.session_key() not in (first.key, second.key)
    assert first.item == one and first.sealed_size == first.path.stat().st_size
    assert first.key.hex() not in repr(first)
    with pytest.raises(NotFoundError):
        box.sealed_item("0" * 32)


def test_a_locker_with_referrals_checks_clean_and_quarantines_a_stray_record(
    box: Locker, helpline: Helpline, tmp_path: Path
) -> None:
    made = make_referral(box, helpline, Selection(message="please call"), tmp_path / "r")
    assert check_locker(box.root, PASSPHRASE).problems == []
    # A record written just before a crash, its custody entry never appended:
    stray = box.root / "referrals" / ("f" * 32)
    stray.write_bytes((box.root / "referrals" / made.id).read_bytes())
    assert check_locker(box.root, PASSPHRASE).problems != []
    moved = Locker.resume(box.root, box.session_key()).tidy()  # a new writer settles first
    assert [path.name for path in moved] == ["f" * 32] and not stray.exists()
    assert moved[0].parent.name == "referrals" and moved[0].exists(), "moved, never deleted"
    assert [kept.id for kept in shared_referrals(box)] == [made.id]
