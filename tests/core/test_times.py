"""Times typed in a person's zone: the instant, the offset, and the words a report uses."""

import datetime
from pathlib import Path

import pytest

from reclaim import times
from reclaim.packs import export_pack
from tests.pdf_text import text as pdf_text

from ..lockers import SHARED_PASSPHRASE, copy_locker

NY = "America/New_York"


def test_a_time_typed_in_new_york_is_that_instant_with_its_offset() -> None:
    moment = times.typed_instant(datetime.datetime(2026, 12, 1, 21, 15), "America/New_York")
    assert times.stamp(moment) == "2026-12-01T21:15:00-05:00"
    assert moment.astimezone(datetime.UTC) == datetime.datetime(
        2026, 12, 2, 2, 15, tzinfo=datetime.UTC
    )


def test_summer_time_gives_the_offset_of_that_day() -> None:
    moment = times.typed_instant(datetime.datetime(2026, 7, 1, 21, 15), "Europe/London")
    assert times.stamp(moment) == "2026-07-01T21:15:00+01:00"


def test_an_unknown_zone_is_refused_with_an_example() -> None:
    with pytest.raises(times.TimeZoneError, match="such as Europe/London"):
        times.zone("Mars/Base")


@pytest.mark.parametrize(
    ("stored", "zone", "words"),
    [
        ("2026-12-01T21:15:00-05:00", NY, f"1 December 2026, 21:15 (UTC-05:00, {NY})"),
        ("2026-12-02T02:15:00+00:00", NY, f"1 December 2026, 21:15 (UTC-05:00, {NY})"),
        ("2026-12-01T22:49:48.864+00:00", "", "1 December 2026, 22:49:48 (UTC+00:00)"),
        ("2026-11-20T21:30:00", "", "20 November 2026, 21:30 (UTC+00:00)"),  # older: UTC
        ("2026-12-01T22:49:48Z", "Asia/Kolkata",
         "2 December 2026, 04:19:48 (UTC+05:30, Asia/Kolkata)"),
        ("2026-10-03", "", "3 October 2026"),
        ("", "", ""),
        ("not a date", "", "not a date"),
    ],
)  # fmt: skip
def test_english_gives_the_local_time_with_its_offset(stored: str, zone: str, words: str) -> None:
    assert times.english(stored, zone) == words


def test_the_setting_gives_the_default_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECLAIM_TIME_ZONE", raising=False)
    assert times.default_zone() == "Europe/London"
    monkeypatch.setenv("RECLAIM_TIME_ZONE", "Europe/Warsaw")
    assert times.default_zone() == "Europe/Warsaw"


def test_the_report_shows_a_message_time_in_its_zone_with_its_offset(tmp_path: Path) -> None:
    box, _ = copy_locker(tmp_path / "locker", SHARED_PASSPHRASE)
    box.add_message("pay or else", "@x", "2026-11-20T21:15:00-05:00", time_zone="America/New_York")
    # Exported by the person who typed it, in the same zone (times show in the exporter's).
    pack = export_pack(box, tmp_path / "pack", "JS", "Case", time_zone="America/New_York")
    report = (pack / "report.html").read_text()
    local = "20 November 2026, 21:15 (UTC-05:00, America/New_York)"
    assert f'Sent at: <span dir="auto">{local}</span>' in report
    assert "Time zone" not in report  # said once, with the time
    assert "2026-11-20T21:15" not in report.split("<h2>Custody log</h2>")[0]
    assert local in pdf_text(pack / "report.pdf")
