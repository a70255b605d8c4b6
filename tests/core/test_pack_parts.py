"""Packs of part of a case: every chosen incident with all its facts (files or none), notes
typed on files, only the custody entries the pack needs, and the PDF's bidirectional lines."""

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from reclaim.locker import CustodyError, Incident, Locker
from reclaim.packs import FAIL, PASS, choose, export_pack, verify_pack
from reclaim.packs._pdf import write_pdf
from reclaim.packs._report import Exhibit, build_report
from reclaim.packs._withhold import verify_pack_log
from tests import pdf_text

from ..lockers import SHARED_PASSPHRASE, copy_locker

NOTE = "Sent to me by a friend who saw it on the forum"
OTHER_SUMMARY = "Demand for money from someone else entirely"
SENDER = "رسالة من John Smith عبر واتساب"


@dataclass(frozen=True)
class Case:
    box: Locker
    shared: str
    young: str
    other: str
    request: str
    whole: Path


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    root = tmp_path_factory.mktemp("parts")
    box, _ = copy_locker(root / "locker", SHARED_PASSPHRASE)
    shared = box.add_incident(Incident("shared", "Posted on a forum", happened_on="2025-03-20"))
    young = box.add_incident(
        Incident(
            "other",
            "A picture of me at 16 was posted",
            happened_on="2025-02-01",
            discovered_on="2025-02-03",
            platform="forum.example",
            urls=("https://forum.example/t/9",),
            people=("poster99",),
            reports=("IWF report 555",),
            under_18=True,
        )
    )
    other = box.add_incident(Incident("extortion", OTHER_SUMMARY, happened_on="2025-04-01"))
    box.add(b"generated stand-in picture", "screenshot.png", "image/png", NOTE, shared.id)
    box.add_message("pay or else", "@threatener", "2025-04-01T21:30:00", other.id)
    box.add(b"a loose file", "loose.txt", "text/plain")
    request = {
        "id": "req0123456789",
        "url": "https://chat.example/secret-room",
        "platform_id": "chat-example",
        "status": "submitted",
        "ticket": "T-4242",
        "incident_id": other.id,
        "events": [{"at_utc": "2025-04-02T09:00:00+00:00", "by": "owner", "status": "submitted"}],
    }
    box.save_request("req0123456789", request, {"platform": "secret"})
    whole = export_pack(box, root / "whole", "JS", "The whole case", time_zone="Europe/London")
    return Case(box, shared.id, young.id, other.id, "req0123456789", whole)


def test_a_pack_of_only_an_under_18_incident_exports_with_all_its_facts(
    case: Case, tmp_path: Path
) -> None:
    chosen = choose(case.box, [case.young])
    assert chosen.item_ids == [] and chosen.incident_ids == [case.young]
    pack = export_pack(
        case.box, tmp_path / "young", "JS", "Young", chosen.item_ids, incident_ids=[case.young]
    )
    (incident,) = json.loads((pack / "incidents.json").read_text(encoding="utf-8"))
    assert incident["id"] == case.young and incident["under_18"] is True
    assert incident["urls"] == ["https://forum.example/t/9"] and incident["reports"] == [
        "IWF report 555"
    ]
    html = (pack / "report.html").read_text(encoding="utf-8")
    for fact in ("A picture of me at 16", "forum.example/t/9", "poster99", "IWF report 555"):
        assert fact in html
    assert "IWF report 555" in pdf_text.text(pack / "report.pdf")
    assert json.loads((pack / "exhibits.json").read_text()) == []
    assert not [c for c in verify_pack(pack) if c.status == FAIL]


def test_a_date_choice_takes_the_incidents_of_those_dates_with_no_files(case: Case) -> None:
    chosen = choose(case.box, since="2025-01-15", until="2025-02-15")
    assert chosen.incident_ids == [case.young] and chosen.item_ids == []


def test_the_whole_case_holds_every_incident_and_every_item(case: Case) -> None:
    incidents = json.loads((case.whole / "incidents.json").read_text(encoding="utf-8"))
    assert {i["id"] for i in incidents} == {case.shared, case.young, case.other}
    exhibits = json.loads((case.whole / "exhibits.json").read_text(encoding="utf-8"))
    assert [e["name"] for e in exhibits] == ["screenshot.png", "message.txt", "loose.txt"]


def test_the_whole_case_summarises_the_removal_requests(case: Case) -> None:
    html = (case.whole / "report.html").read_text(encoding="utf-8")
    assert "<h2>Removal requests</h2>" in html
    sent = "2 April 2025, 10:00 (UTC+01:00, Europe/London)"  # 09:00 UTC, in summer time
    for fact in ("https://chat.example/secret-room", "T-4242", sent):
        assert fact in html
    assert "Removal request 1 Incident 3" in html  # linked to its incident on the timeline
    assert "T-4242" in pdf_text.text(case.whole / "report.pdf")


def test_notes_typed_on_files_are_in_the_report_the_pdf_and_exhibits_json(case: Case) -> None:
    exhibits = json.loads((case.whole / "exhibits.json").read_text(encoding="utf-8"))
    assert exhibits[0]["note"] == NOTE
    html = (case.whole / "report.html").read_text(encoding="utf-8")
    assert f'<td>JS-1</td><td dir="auto">{NOTE}</td>' in html
    assert NOTE in pdf_text.text(case.whole / "report.pdf")


def test_exhibit_numbers_are_the_start_of_their_file_names(case: Case) -> None:
    exhibits = json.loads((case.whole / "exhibits.json").read_text(encoding="utf-8"))
    for exhibit in exhibits:
        assert Path(exhibit["file"]).name.startswith(exhibit["number"] + "_")
    assert [e["number"] for e in exhibits] == ["JS-1", "JS-2", "JS-3"]


@pytest.fixture(scope="module")
def part(case: Case, tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = choose(case.box, [case.shared])
    root = tmp_path_factory.mktemp("part")
    return export_pack(
        case.box, root / "part", "JS", "Part", chosen.item_ids, incident_ids=chosen.incident_ids
    )


def test_a_pack_of_one_incident_withholds_the_custody_entries_of_the_rest(
    case: Case, part: Path
) -> None:
    log = (part / "custody/custody.jsonl").read_text(encoding="utf-8")
    message = next(i for i in case.box.items() if i.kind == "message")
    hidden = (case.young, case.other, case.request, message.id, "secret", "pack-exported", "T-4242")
    for secret in hidden:
        assert secret not in log
    lines = [json.loads(line) for line in log.splitlines()]
    withheld = [line for line in lines if line.get("redacted")]
    assert withheld and all(set(line) == {"redacted", "seq", "sha256"} for line in withheld)
    kept = {line["action"] for line in lines if not line.get("redacted")}
    assert {"locker-created", "incident-added", "item-added"} <= kept
    for text in ("report.html", "incidents.json", "exhibits.json"):
        body = (part / text).read_text(encoding="utf-8")
        assert case.other not in body and OTHER_SUMMARY not in body and case.request not in body
        assert "chat.example" not in body
    checks = {check.name: check for check in verify_pack(part)}
    assert checks["custody log"].status == PASS
    assert f"{len(withheld)} entries about other parts of the case are withheld" in (
        checks["custody log"].detail
    )
    assert not [c for c in checks.values() if c.status == FAIL]


def test_a_withheld_line_with_another_digest_breaks_the_chain(part: Path, tmp_path: Path) -> None:
    log = (part / "custody/custody.jsonl").read_bytes()
    key = load_pem_public_key((part / "custody/locker_ed25519.pem").read_bytes())
    assert isinstance(key, Ed25519PublicKey)
    assert verify_pack_log(log, key).withheld > 0
    lines = log.splitlines()
    number = next(  # a withheld line that a kept line follows
        n
        for n, line in enumerate(lines[:-1])
        if b"redacted" in line and b"redacted" not in lines[n + 1]
    )
    digest = json.loads(lines[number])["sha256"].encode()
    lines[number] = lines[number].replace(digest, b"0" * 64)
    with pytest.raises(CustodyError, match="does not follow"):
        verify_pack_log(b"\n".join(lines) + b"\n", key)


def test_arabic_with_a_latin_name_keeps_its_order_in_the_pdf(tmp_path: Path) -> None:
    details = {"sender": SENDER, "sent_at": "2025-04-01T21:30:00"}
    exhibit = Exhibit(
        "JS-1",
        "data/exhibits/JS-1_m",
        "message.txt",
        "text/plain",
        1,
        "0" * 64,
        "0" * 128,
        "item",
        "2025-04-02",
        "message",
        details,
    )
    report = build_report("Case", "SHA256:x", "the whole case", [], [exhibit], [])
    write_pdf(tmp_path / "report.pdf", report)
    (page,) = pdf_text.runs(tmp_path / "report.pdf")

    def x_of(word: str) -> float:
        # Arabic runs are drawn left to right, so their characters come reversed.
        return next(r.x for r in page if word in r.text or word in r.text[::-1])

    # Right to left: "رسالة" (first) rightmost, then "John Smith", then "واتساب" (last) leftmost.
    assert x_of("رسالة") > x_of("John Smith") > x_of("واتساب")


def test_a_pack_of_an_incident_carries_its_removal_requests_and_their_custody(
    case: Case, tmp_path: Path
) -> None:
    chosen = choose(case.box, [case.other])
    pack = export_pack(
        case.box, tmp_path / "other", "JS", "Other", chosen.item_ids, incident_ids=[case.other]
    )
    assert "T-4242" in (pack / "report.html").read_text(encoding="utf-8")
    log = [json.loads(line) for line in (pack / "custody/custody.jsonl").read_text().splitlines()]
    assert [e["action"] for e in log if e.get("item") == case.request] == ["request-added"]
    assert not [c for c in verify_pack(pack) if c.status == FAIL]


def test_a_long_list_of_exhibits_runs_on_over_pages_instead_of_failing(tmp_path: Path) -> None:
    """Hundreds of messages from one sender share one line of details; their exhibit numbers
    once filled a single table cell taller than a page, and the export failed. Numbers of 15
    characters fill the narrow column a line each, so 90 of them need more than a page."""
    incident = Incident("shared", "A message every night", happened_on="2025-03-20", id="i-1")
    details = {"sender": "@demander", "sent_at": "2025-04-01T21:30:00"}
    exhibits = [
        Exhibit(
            f"LONGINITIALS-{n:02}",
            f"data/exhibits/LONGINITIALS-{n:02}_m",
            "message.txt",
            "text/plain",
            1,
            "0" * 64,
            "0" * 128,
            f"item-{n}",
            "2025-04-02",
            "message",
            details,
            incident="i-1",
        )
        for n in range(1, 91)
    ]
    report = build_report("Case", "SHA256:x", "the whole case", [incident], exhibits, [])
    write_pdf(tmp_path / "report.pdf", report)
    shown = pdf_text.text(tmp_path / "report.pdf")
    # Each exhibit is named three times: in the exhibits table, under its incident, and beside
    # the details it shares with the others.
    assert [shown.count(e.number) for e in exhibits] == [3] * len(exhibits)
    pages = pdf_text.runs(tmp_path / "report.pdf")
    after = [n for n, page in enumerate(pages) if "Capture and message details" in _joined(page)]
    assert after and after[0] < len(pages) - 1, "the details run on over another page"


def _joined(page: list[pdf_text.Run]) -> str:
    return "".join(run.text for run in page)
