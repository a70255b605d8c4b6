"""Dates still to come, an incident found before it happened, and a message whose time is
not known: in the locker itself and on the command line."""

import datetime
import io
from pathlib import Path

import pytest

from reclaim.cli import main
from reclaim.locker import Incident, IncidentError, Locker
from reclaim.packs import export_pack

from .lockers import copy_locker

PASSPHRASE = "command line passphrase"
NEXT_YEAR = str(datetime.date.today().year + 1)


@pytest.fixture
def box(tmp_path: Path) -> Locker:
    return copy_locker(tmp_path / "locker", PASSPHRASE)[0]


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase"
    path.write_text(PASSPHRASE + "\n")
    return path


def run(box: Locker, secret: Path, action: str, *arguments: str) -> int:
    return main(["locker", action, str(box.root), *arguments, "--passphrase-file", str(secret)])


@pytest.mark.parametrize("field", ["happened_on", "discovered_on"])
def test_an_incident_dated_in_the_future_is_refused(box: Locker, field: str) -> None:
    with pytest.raises(IncidentError, match=f"That date is in the future \\({NEXT_YEAR}-01-05\\)"):
        box.add_incident(Incident("shared", "Posted", **{field: f"{NEXT_YEAR}-01-05"}))
    assert box.incidents() == []


def test_an_incident_found_before_it_happened_is_refused(box: Locker) -> None:
    found_first = Incident("shared", "Posted", happened_on="2025-03-21", discovered_on="2025-03-20")
    with pytest.raises(IncidentError, match="cannot have happened after you found out"):
        box.add_incident(found_first)
    box.add_incident(Incident("shared", "Posted", "2025-03-20", "2025-03-20"))  # same day: fine


def test_a_message_sent_in_the_future_is_refused(box: Locker) -> None:
    with pytest.raises(IncidentError, match="cannot have been sent in the future"):
        box.add_message("pay", "@x", f"{NEXT_YEAR}-02-01T10:00:00+00:00")
    assert box.items() == []


def test_a_message_whose_time_is_not_known_says_so_in_the_pack(box: Locker, tmp_path: Path) -> None:
    box.add_message("pay or else", "@x", "")
    pack = export_pack(box, tmp_path / "pack", "JS", "Case")
    html = (pack / "report.html").read_text(encoding="utf-8")
    assert 'Sent at: <span dir="auto">not known</span>' in html


def test_the_command_line_refuses_a_future_date_clearly(
    box: Locker, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--kind", "shared", "--summary", "Posted", "--under-18", "no"]
    assert run(box, secret, "incident", *base, "--when", f"{NEXT_YEAR}-06-01") == 1
    error = capsys.readouterr().err
    assert "--when: That is in the future" in error and "Traceback" not in error
    found_first = ["--when", "2025-03-21", "--discovered-on", "2025-03-20"]
    assert run(box, secret, "incident", *base, *found_first) == 1
    assert "cannot have happened after you found out" in capsys.readouterr().err
    assert Locker.open(box.root, PASSPHRASE).incidents() == []


def test_the_command_line_keeps_a_message_sent_at_an_unknown_time(
    box: Locker, secret: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a threat"))
    assert run(box, secret, "message", "--sender", "@x", "--sent-at", f"{NEXT_YEAR}-01-01") == 1
    assert "--sent-at: That is in the future" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a threat"))
    assert run(box, secret, "message", "--sender", "@x", "--sent-at", "unknown") == 0
    (item,) = Locker.open(box.root, PASSPHRASE).items()
    assert item.details == {"sender": "@x", "sent_at": ""}
