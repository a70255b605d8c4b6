"""`reclaim locker incident|message|recover|delete` and `add`'s record of where a file came
from, run in process through reclaim.cli.main, with the web's checks (issue 11)."""

import datetime
import io
import os
from pathlib import Path

import pytest
from PIL import Image

from reclaim.cli import main
from reclaim.locker import Locker

from .lockers import copy_locker

PASSPHRASE = "command line passphrase"
# Every locker here is a copy of the template: each command opens it with the same passphrase
# and salt, so its Argon2id key is derived once (tests/conftest.py), not once a command.


@pytest.fixture
def box(tmp_path: Path) -> Locker:
    return copy_locker(tmp_path / "locker", PASSPHRASE)[0]


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase"
    path.write_text(PASSPHRASE + "\n")
    return path


def run(box: Locker, secret: Path, action: str, *arguments: str) -> int:
    locker = ["--locker", str(box.root), "--passphrase-file", str(secret)]
    return main(["locker", action, *arguments, *locker])


def png_bytes() -> bytes:
    """A small generated picture (never a photo of a person)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, "PNG")
    return out.getvalue()


PICTURE = png_bytes()


def reopened(box: Locker) -> Locker:
    return Locker.open(box.root, PASSPHRASE)


def incident(box: Locker, secret: Path, under_18: str = "no", *more: str) -> str:
    status = run(
        box,
        secret,
        "incident",
        "--kind",
        "threatened",
        "--summary",
        "Threat on a chat app",
        "--under-18",
        under_18,
        *more,
    )
    assert status == 0
    return reopened(box).incidents()[-1].id


def test_incident_is_recorded_with_everything_given(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id = incident(
        box,
        secret,
        "no",
        "--when",
        "2026-11-20",
        "--platform",
        "Chatapp",
        "--url",
        "https://chat.example/post/1",
        "--url",
        "https://chat.example/post/2",
        "--person",
        "@someone",
        "--report",
        "TICKET-7",
    )
    stored = reopened(box).incident(incident_id)
    assert (stored.kind, stored.happened_on, stored.platform) == (
        "threatened",
        "2026-11-20",
        "Chatapp",
    )
    assert stored.urls == ("https://chat.example/post/1", "https://chat.example/post/2")
    assert (stored.people, stored.reports, stored.under_18) == (("@someone",), ("TICKET-7",), False)
    assert f"incident {incident_id} recorded" in capsys.readouterr().out


@pytest.mark.parametrize("answer", ["yes", "not-sure"])
def test_an_under_18_incident_takes_no_files_but_takes_messages(
    box: Locker, secret: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], answer: str
) -> None:
    incident_id = incident(box, secret, answer)
    assert "No files will be kept" in capsys.readouterr().out
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 not kept")
    assert run(box, secret, "add", str(photo), "--incident", incident_id) == 1
    assert "under 18" in capsys.readouterr().err
    assert reopened(box).items() == []
    message = tmp_path / "message.txt"
    message.write_text("send more or else", encoding="utf-8")
    status = run(
        box, secret, "message", "--sender", "@x", "--sent-at", "2026-11-20T21:30",
        "--incident", incident_id, "--file", str(message),
    )  # fmt: skip
    assert status == 0
    assert [item.kind for item in reopened(box).items()] == ["message"]


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (["--url", "chat.example/post"], "is not a web address"),
        (["--when", "20/11/2026"], "is not a date"),
        (["--summary", "   "], "say in a few words what happened"),
    ],
)
def test_a_bad_incident_is_refused_clearly_and_nothing_is_stored(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str], change: list[str], complaint: str
) -> None:
    base = ["--kind", "shared", "--summary", "Posted", "--under-18", "no"]
    assert run(box, secret, "incident", *base, *change) == 1
    assert complaint in capsys.readouterr().err
    assert reopened(box).incidents() == []


def test_an_incident_without_the_under_18_answer_is_refused(box: Locker, secret: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        run(box, secret, "incident", "--kind", "shared", "--summary", "Posted")
    assert stopped.value.code == 2


def test_a_message_is_kept_word_for_word_from_standard_input(
    box: Locker, secret: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "Pay £200 by Friday\nor everyone sees it  \n"
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert (
        run(box, secret, "message", "--sender", "+44 7700 900123", "--sent-at", "2026-11-20 21:30")
        == 0
    )
    (item,) = reopened(box).items()
    assert b"".join(reopened(box).read(item.id)).decode() == text
    assert item.details == {
        "sender": "+44 7700 900123",
        "sent_at": "2026-11-20T21:30:00+00:00",
        "time_zone": "Europe/London",  # the default: London is on UTC in November
    }


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["--sent-at", "yesterday"], "is not a time"),
        (["--sent-at", "2026-11-20", "--incident", "f" * 32], "no incident"),
    ],
)
def test_a_bad_message_is_refused_clearly(
    box: Locker,
    secret: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    complaint: str,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a threat"))
    assert run(box, secret, "message", "--sender", "@x", *arguments) == 1
    assert complaint in capsys.readouterr().err
    assert reopened(box).items() == []


def test_an_empty_message_is_refused(
    box: Locker, secret: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("  \n"))
    assert run(box, secret, "message", "--sender", "@x", "--sent-at", "2026-11-20") == 1
    assert "the message is empty" in capsys.readouterr().err


def test_an_added_file_records_its_original_name_and_file_times(
    box: Locker, secret: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "Private folder of A. Person"
    folder.mkdir()
    shot = folder / "screenshot 2026-11-20.png"
    shot.write_bytes(PICTURE)
    os.utime(shot, (1_700_000_000, 1_763_650_000))  # 2025-11-20T14:46:40Z
    assert run(box, secret, "add", str(shot), "--note", "from the chat") == 0
    entry = next(e for e in reopened(box).custody() if e.action == "item-added")
    assert entry.details["original_name"] == "screenshot 2026-11-20.png"
    assert entry.details["file_modified_utc"] == "2025-11-20T14:46:40Z"
    changed = datetime.datetime.fromisoformat(entry.details["file_changed_utc"])
    assert abs(changed - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(minutes=5)
    assert entry.details["size"] == str(len(PICTURE))
    assert "Private folder" not in repr(entry.details), "only the file's own name is kept"
    assert reopened(box).items()[0].note == "from the chat"


def test_recover_with_the_code_sets_a_new_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    box, code = copy_locker(tmp_path / "locker", PASSPHRASE)
    answers = iter([code.lower(), "a brand new passphrase", "a brand new passphrase"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["locker", "recover", str(box.root)]) == 0
    assert "new passphrase is set" in capsys.readouterr().out
    assert Locker.open(box.root, "a brand new passphrase").custody()[-1].action == (
        "passphrase-changed"
    )


@pytest.mark.parametrize(
    ("new", "again", "complaint"),
    [
        ("short", "short", "at least 10 characters"),
        ("a brand new passphrase", "a brand new passphrasE", "not the same"),
    ],
)
def test_recover_refuses_a_weak_or_mistyped_new_passphrase(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    new: str,
    again: str,
    complaint: str,
) -> None:
    box, code = copy_locker(tmp_path / "locker", PASSPHRASE)
    answers = iter([code, new, again])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["locker", "--locker", str(box.root), "recover"]) == 1
    assert complaint in capsys.readouterr().err
    assert Locker.open(box.root, PASSPHRASE).items() == []  # the old passphrase still opens it


def test_recover_with_a_wrong_code_is_refused_and_changes_nothing(
    box: Locker, secret: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "code"
    wrong.write_text("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG\n")
    header = (box.root / "locker.json").read_bytes()
    status = main(
        ["locker", "recover", str(box.root), "--recovery-code-file", str(wrong),
         "--passphrase-file", str(secret)]
    )  # fmt: skip
    assert status == 1
    assert "that recovery code does not open this locker" in capsys.readouterr().err
    assert (box.root / "locker.json").read_bytes() == header


def test_delete_leaves_a_tombstone_with_the_reason(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    item = box.add(b"wrong file", "other.png", "image/png")
    assert run(box, secret, "delete", item.id, "--reason", "wrong file", "--yes") == 0
    after = reopened(box)
    assert after.items() == []
    tombstone = after.custody()[-1]
    assert (tombstone.action, tombstone.item) == ("item-deleted", item.id)
    assert tombstone.details["reason"] == "wrong file"
    assert tombstone.details["sha256"] == item.sha256
    assert "deleted other.png" in capsys.readouterr().out


def test_delete_asks_first_and_keeps_the_item_unless_told_yes(
    box: Locker, secret: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    item = box.add(b"keep me", "keep.png", "image/png")
    monkeypatch.setattr("builtins.input", lambda prompt="": "no")
    assert run(box, secret, "delete", item.id) == 1
    assert "nothing was deleted" in capsys.readouterr().err
    monkeypatch.setattr("builtins.input", lambda prompt="": "yes")
    assert run(box, secret, "delete", item.id) == 0
    assert reopened(box).items() == []


def test_deleting_an_unknown_item_says_so_clearly(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    box.add(b"evidence", "kept.png", "image/png")
    assert run(box, secret, "delete", "0" * 32, "--yes") == 1
    error = capsys.readouterr().err
    assert f"there is no item {'0' * 32} in this locker" in error
    assert "Traceback" not in error
    assert len(reopened(box).items()) == 1


def test_a_message_time_is_kept_in_the_time_zone_given(
    box: Locker, secret: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = tmp_path / "message.txt"
    message.write_text("pay or else", encoding="utf-8")
    common = ["--sender", "@x", "--sent-at", "2026-11-20T21:15", "--file", str(message)]
    assert run(box, secret, "message", *common, "--time-zone", "Mars/Base") == 1
    assert "--time-zone: 'Mars/Base' is not a time zone" in capsys.readouterr().err
    assert run(box, secret, "message", *common, "--time-zone", "America/New_York") == 0
    (item,) = reopened(box).items()
    assert item.details["sent_at"] == "2026-11-20T21:15:00-05:00"
    assert item.details["time_zone"] == "America/New_York"
