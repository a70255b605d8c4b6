from pathlib import Path

import pytest

from reclaim.locker import Incident, IncidentError, Locker, Under18Error

from ..lockers import SHARED_PASSPHRASE, copy_locker

PASSPHRASE = SHARED_PASSPHRASE


@pytest.fixture
def box(tmp_path: Path) -> Locker:
    return copy_locker(tmp_path / "locker", PASSPHRASE)[0]


SHARED = Incident(
    kind="shared",
    summary="My ex posted photos on a forum",
    happened_on="2026-11-20",
    discovered_on="2026-11-21T08:15",
    platform="Example Forum",
    urls=("https://forum.example/thread/1",),
    people=("user: ex_partner_99",),
    reports=("forum ticket 4411",),
)


def test_incidents_keep_what_when_where_and_who(box: Locker) -> None:
    stored = box.add_incident(SHARED)
    again = Locker.open(box.root, PASSPHRASE).incidents()
    assert again == [stored]
    assert again[0].urls == ("https://forum.example/thread/1",) and again[0].id


def test_files_and_messages_link_to_their_incident(box: Locker) -> None:
    incident = box.add_incident(SHARED)
    photo = box.add(b"jpeg bytes", "screenshot.png", "image/png", incident=incident.id)
    message = box.add_message(
        "Pay me or I post more", "ex_partner_99", "2026-11-21T09:00", incident.id
    )
    items = {item.id: item for item in Locker.open(box.root, PASSPHRASE).items()}
    assert items[photo.id].incident == incident.id and items[photo.id].kind == "file"
    assert items[message.id].kind == "message"
    assert items[message.id].details == {"sender": "ex_partner_99", "sent_at": "2026-11-21T09:00"}
    assert b"".join(box.read(message.id)) == b"Pay me or I post more"


def test_under_18_incident_accepts_no_media_and_says_why(box: Locker) -> None:
    incident = box.add_incident(
        Incident(kind="shared", summary="A photo from school", under_18=True)
    )
    with pytest.raises(Under18Error, match="Internet Watch Foundation"):
        box.add(b"anything", "photo.jpg", "image/jpeg", incident=incident.id)
    assert list((box.root / "blobs").iterdir()) == []
    box.add_message("they said they would post it", "someone", "2026-11-22", incident.id)
    assert [item.kind for item in box.items()] == ["message"]


def test_corrections_are_recorded_not_hidden(box: Locker) -> None:
    stored = box.add_incident(SHARED)
    corrected = Incident(**{**stored.__dict__, "platform": "Other Forum"})
    box.correct_incident(corrected, reason="I had the wrong site")
    reopened = Locker.open(box.root, PASSPHRASE)
    assert reopened.incident(stored.id).platform == "Other Forum"
    entry = reopened.custody()[-1]
    assert entry.action == "incident-corrected"
    assert (
        entry.details["fields"] == "platform" and entry.details["reason"] == "I had the wrong site"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "gossip"}, "kind must be one of"),
        ({"summary": " "}, "what happened"),
        ({"happened_on": "last week"}, "is not a date"),
        ({"urls": ("forum.example",)}, "is not a web address"),
    ],
)
def test_bad_incidents_get_a_clear_message(
    box: Locker, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(IncidentError, match=message):
        box.add_incident(Incident(**{**SHARED.__dict__, **changes}))


def test_incident_details_are_not_stored_in_plaintext(box: Locker) -> None:
    box.add_incident(SHARED)
    for path in box.root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"ex_partner_99" not in data and b"forum.example" not in data
