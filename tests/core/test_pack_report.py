"""The pack's report (HTML and PDF from one model) and choosing part of a case for a pack."""

import json
import re
from pathlib import Path

import pytest

from reclaim.locker import Incident, Locker
from reclaim.packs import FAIL, PackError, choose_items, export_pack, verify_pack
from tests import pdf_text

from ..lockers import SHARED_PASSPHRASE, copy_locker

ARABIC = "نشر الصور على منتدى"
URDU = "تصویریں فورم پر شائع ہوئیں"
POLISH = "Groźba opublikowania zdjęć – żądanie pieniędzy"
RAW_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Locker, dict[str, str]]:
    root = tmp_path_factory.mktemp("case")
    box, _ = copy_locker(root / "locker", SHARED_PASSPHRASE)
    later = box.add_incident(
        Incident("extortion", POLISH, happened_on="2026-11-10", people=("@demander",))
    )
    earlier = box.add_incident(
        Incident(
            "shared",
            ARABIC,
            happened_on="2026-10-01",
            discovered_on="2026-10-03",
            platform="Forum",
            urls=("https://forum.example/t/1",),
            reports=("Ticket 12345",),
        )
    )
    undated = box.add_incident(Incident("other", URDU))
    ids = {"later": later.id, "earlier": earlier.id, "undated": undated.id}
    box.add(b"picture", "shot.png", "image/png", incident=earlier.id)
    box.add_message("pay or else", "@demander", "2026-11-10T21:30:00", incident=later.id)
    folder = root / "capture"
    folder.mkdir()
    (folder / "dom.html").write_text("<p>post</p>")
    box.add_capture(
        {"dom.html": folder / "dom.html"},
        "https://forum.example/t/1",
        "2026-10-04T09:00:00.000+00:00",
        incident=earlier.id,
    )
    box.add(b"unlinked", "note.txt", "text/plain")
    return box, ids


def test_report_puts_the_timeline_in_date_order_with_its_exhibits(
    case: tuple[Locker, dict[str, str]], tmp_path: Path
) -> None:
    box, _ = case
    pack = export_pack(box, tmp_path / "pack", "JS", "Case of A. Person")
    report = (pack / "report.html").read_text()
    assert report.index(ARABIC) < report.index(POLISH) < report.index(URDU)
    assert "Ticket 12345" in report and "@demander" in report and "3 October 2026" in report
    assert "JS-1, JS-3" in report, "the first incident lists its file and its capture"
    assert "Covers: the whole case" in report


def test_report_gives_capture_and_message_details_and_a_custody_summary(
    case: tuple[Locker, dict[str, str]], tmp_path: Path
) -> None:
    box, _ = case
    entries = len(box.custody())
    pack = export_pack(box, tmp_path / "pack", "JS", "Case", time_zone="America/New_York")
    report = (pack / "report.html").read_text()
    assert 'Requested address: <span dir="auto">https://forum.example/t/1</span>' in report
    started = "4 October 2026, 05:00 (UTC-04:00, America/New_York)"  # 09:00 UTC
    assert f'Capture started: <span dir="auto">{started}</span>' in report
    assert 'Sender: <span dir="auto">@demander</span>' in report
    assert f"<h2>Custody log</h2><p>{entries} entries" in report
    assert "item-added: 4" in report and "incident-added: 3" in report


def test_report_text_in_arabic_urdu_and_polish_is_kept_exactly(
    case: tuple[Locker, dict[str, str]], tmp_path: Path
) -> None:
    box, _ = case
    pack = export_pack(box, tmp_path / "pack", "JS", "Case")
    report = (pack / "report.html").read_text(encoding="utf-8")
    for text in (ARABIC, URDU, POLISH):
        assert f'<dd dir="auto">{text}</dd>' in report
    pdf = (pack / "report.pdf").read_bytes()
    # Naskh has every Arabic and Urdu letter here; Nastaliq is read only for what Naskh lacks.
    assert b"NotoNaskhArabic" in pdf and b"NotoNastaliqUrdu" not in pdf
    incidents = json.loads((pack / "incidents.json").read_text())
    assert {i["summary"] for i in incidents} == {ARABIC, URDU, POLISH}


def test_choose_items_by_incident_and_by_date(case: tuple[Locker, dict[str, str]]) -> None:
    box, ids = case
    names = {item.id: item.name for item in box.items()}
    by_incident = choose_items(box, [ids["earlier"]])
    assert [names[i] for i in by_incident] == ["shot.png", "dom.html"]
    by_date = choose_items(box, since="2026-10-04", until="2026-11-10")
    assert [names[i] for i in by_date] == ["message.txt", "dom.html"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"incident_ids": ["nope"]}, "no incident nope"),
        ({"since": "10/11/2026"}, "since must be a date"),
        ({"until": "2000-01-01"}, "nothing in the locker matches"),
    ],
)
def test_choose_items_explains_a_choice_it_cannot_make(
    case: tuple[Locker, dict[str, str]], arguments: dict[str, object], message: str
) -> None:
    with pytest.raises(PackError, match=message):
        choose_items(case[0], **arguments)  # type: ignore[arg-type]


def test_a_pack_of_one_incident_holds_only_its_evidence_and_verifies(
    case: tuple[Locker, dict[str, str]], tmp_path: Path
) -> None:
    box, ids = case
    chosen = choose_items(box, [ids["later"]])
    pack = export_pack(box, tmp_path / "pack", "AB", "Part", chosen, scope="one incident")
    assert [p.name for p in (pack / "data/exhibits").iterdir()] == ["AB-1_message.txt"]
    report = (pack / "report.html").read_text()
    assert POLISH in report and ARABIC not in report, "only the chosen incident's timeline"
    assert "Covers: one incident" in report
    assert [c for c in verify_pack(pack) if c.status == FAIL] == []


def test_every_time_in_the_report_is_in_the_exporters_zone_with_its_offset(
    case: tuple[Locker, dict[str, str]], tmp_path: Path
) -> None:
    box, _ = case
    pack = export_pack(box, tmp_path / "pack", "JS", "Case", time_zone="Asia/Karachi")
    html = (pack / "report.html").read_text(encoding="utf-8")
    pdf = pdf_text.text(pack / "report.pdf")
    for text in (html, pdf):
        assert RAW_ISO.search(text) is None, RAW_ISO.search(text)
        assert "UTC+00:00" not in text and "(UTC)" not in text
    # Exported, capture, message, each exhibit added, each custody entry: all in Karachi.
    rows = len(box.custody()) + len(box.items()) + 3
    assert html.count("(UTC+05:00, Asia/Karachi)") >= rows
    assert "4 October 2026, 14:00 (UTC+05:00, Asia/Karachi)" in html  # captured 09:00 UTC
    assert "11 November 2026, 02:30 (UTC+05:00, Asia/Karachi)" in html  # sent 21:30 UTC
    assert pdf.count("Asia/Karachi") >= rows
    exhibits = json.loads((pack / "exhibits.json").read_text(encoding="utf-8"))
    assert all(RAW_ISO.match(e["added_utc"]) for e in exhibits), "machine-readable: ISO"
