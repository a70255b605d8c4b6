"""Evidence packs: export, `reclaim verify`, the manual commands an officer would use, and
tamper detection on every byte-carrying file."""

import datetime
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from reclaim.locker import Incident, Locker
from reclaim.packs import FAIL, PASS, WARN, PackError, choose_items, export_pack, verify_pack

from ..lockers import SHARED_PASSPHRASE, copy_locker

NAMES = ["zrzut ekranu – groźba.png", "رسالة التهديد.txt", "دھمکی.jpg"]


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pack")
    box, _ = copy_locker(root / "locker", SHARED_PASSPHRASE)
    for number, name in enumerate(NAMES):
        box.add(bytes([number]) * (1000 + number), name, "application/octet-stream")
    return export_pack(box, root / "pack", "JS", "Case of A. Person – مثال")


def statuses(root: Path) -> dict[str, str]:
    return {check.name: check.status for check in verify_pack(root)}


def test_a_fresh_pack_passes_every_check(pack: Path) -> None:
    assert statuses(pack) == {
        "bag": PASS,
        "exhibits": PASS,
        "tag files": PASS,
        "signature": PASS,
        "custody log": PASS,
        "captures": PASS,
        "timestamps folder": PASS,
        "timestamps": WARN,
        "key fingerprint": PASS,
        "key anchor": WARN,
        "exhibit timestamps": WARN,
    }


def test_exhibits_carry_police_style_numbers_and_keep_their_names(pack: Path) -> None:
    files = sorted(path.name for path in (pack / "data/exhibits").iterdir())
    assert files[0].startswith("JS-1_") and len(files) == 3
    report = (pack / "report.html").read_text()
    for name in NAMES:
        assert name in report
    assert "JS-2" in report


def test_sha256sum_accepts_the_pack(pack: Path) -> None:
    for manifest in ("manifest-sha256.txt", "tagmanifest-sha256.txt"):
        result = subprocess.run(
            ["sha256sum", "-c", manifest], cwd=pack, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def ssh_keygen_verify(root: Path) -> subprocess.CompletedProcess[str]:
    with (root / "tagmanifest-sha256.txt").open("rb") as message:
        return subprocess.run(
            [
                "ssh-keygen",
                "-Y",
                "verify",
                "-f",
                "allowed_signers",
                "-I",
                "reclaim-locker",
                "-n",
                "reclaim-pack",
                "-s",
                "tagmanifest-sha256.txt.sig",
            ],
            cwd=root,
            stdin=message,
            capture_output=True,
            text=True,
        )


def test_ssh_keygen_accepts_the_signature(pack: Path) -> None:
    result = ssh_keygen_verify(pack)
    assert result.returncode == 0, result.stderr
    assert 'Good "reclaim-pack" signature for reclaim-locker' in result.stdout + result.stderr


def tampered_copies(pack: Path, tmp_path: Path) -> list[tuple[str, Path]]:
    copies = []
    for number, path in enumerate(sorted(p for p in pack.rglob("*") if p.is_file())):
        relative = str(path.relative_to(pack))
        copy = tmp_path / f"copy{number}"
        shutil.copytree(pack, copy)
        data = bytearray((copy / relative).read_bytes())
        data[len(data) // 2] ^= 0x01
        (copy / relative).write_bytes(bytes(data))
        copies.append((relative, copy))
    return copies


@pytest.mark.parametrize("which", ["pack", "case"])
def test_changing_any_single_byte_of_any_file_makes_verify_fail(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    fixture = request.getfixturevalue(which)
    pack = fixture if isinstance(fixture, Path) else fixture.pack
    copies = tampered_copies(pack, tmp_path)
    assert len(copies) >= 13 and "incidents.json" in dict(copies)
    for relative, copy in copies:
        failed = [check.name for check in verify_pack(copy) if check.status == FAIL]
        assert failed, f"changing {relative} went unnoticed"


def test_manual_tools_catch_a_changed_exhibit_and_a_changed_manifest(
    pack: Path, tmp_path: Path
) -> None:
    copies = dict(tampered_copies(pack, tmp_path))
    exhibit = next(name for name in copies if name.startswith("data/exhibits/JS-1_"))
    result = subprocess.run(
        ["sha256sum", "-c", "manifest-sha256.txt"],
        cwd=copies[exhibit],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert ssh_keygen_verify(copies["tagmanifest-sha256.txt"]).returncode != 0


def test_an_extra_file_in_the_payload_fails(pack: Path, tmp_path: Path) -> None:
    copy = tmp_path / "extra"
    shutil.copytree(pack, copy)
    (copy / "data/exhibits/planted.jpg").write_bytes(b"not from the locker")
    assert statuses(copy)["exhibits"] == FAIL


def test_export_refuses_an_existing_destination(pack: Path) -> None:
    box = Locker.open(pack.parent / "locker", SHARED_PASSPHRASE)
    with pytest.raises(PackError, match="already exists"):
        export_pack(box, pack, "JS", "again")


def test_export_is_recorded_in_the_custody_log(pack: Path) -> None:
    box = Locker.open(pack.parent / "locker", SHARED_PASSPHRASE)
    assert box.custody()[-1].action == "pack-exported"


def test_pdf_report_embeds_fonts_for_arabic_and_urdu_names(pack: Path) -> None:
    pdf = (pack / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert b"NotoNaskhArabic" in pdf and b"NotoSans" in pdf
    assert "report.pdf" in (pack / "tagmanifest-sha256.txt").read_text()


def test_pack_encrypted_for_a_recipient_opens_and_still_verifies(
    pack: Path, tmp_path: Path
) -> None:
    import tarfile

    import pyrage

    from reclaim.packs import encrypt_pack

    identity = pyrage.x25519.Identity.generate()
    sealed = encrypt_pack(pack, str(identity.to_public()), tmp_path / "pack.tar.age")
    exhibit = next((pack / "data/exhibits").iterdir()).read_bytes()
    assert exhibit not in sealed.read_bytes()
    pyrage.decrypt_file(str(sealed), str(tmp_path / "pack.tar"), [identity])
    with tarfile.open(tmp_path / "pack.tar") as archive:
        archive.extractall(tmp_path / "opened", filter="data")
    assert statuses(tmp_path / "opened" / pack.name)["signature"] == PASS
    with pytest.raises(PackError, match="not an age recipient"):
        encrypt_pack(pack, "not-a-key", tmp_path / "other.tar.age")


CAPTURE_STARTED = datetime.datetime(2026, 11, 23, 21, 30, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def unsigned_capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A capture built without a browser: a WARC and its WACZ, not yet signed. Made once:
    `wacz create` is a Python process of its own (0.5 s to 3 s); each test signs a copy."""
    from reclaim.capture._capture import _pack_wacz
    from reclaim.capture._gate import Resolution
    from reclaim.capture._http import Body, Head
    from reclaim.capture._proxy import Exchange, Recording
    from reclaim.capture._warc import write_warc

    url = "https://forum.example/thread/42"
    folder = tmp_path_factory.mktemp("unsigned-capture")
    body = b"<html><title>Thread</title><p>posted</p></html>"
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
    head += f"Content-Length: {len(body)}\r\n\r\n".encode()
    response = Head(head, "HTTP/1.1 200 OK", (("Content-Type", "text/html"),))
    sent = CAPTURE_STARTED.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    request = b"GET /thread/42 HTTP/1.1\r\nHost: forum.example\r\n\r\n"
    page = Exchange(url, sent, "192.0.2.7", request, response, Body(body, body), 0)
    answer = Resolution("forum.example", ("192.0.2.7",), "192.0.2.7", sent)
    write_warc(folder / "capture.warc.gz", Recording(exchanges=[page]), [answer], "test")
    _pack_wacz(folder, url, CAPTURE_STARTED, "Thread")
    stamp = CAPTURE_STARTED.isoformat(timespec="milliseconds")
    (folder / "metadata.json").write_text(
        json.dumps({"requested_url": url, "capture_started_utc": stamp})
    )
    return folder


def make_capture_pack(unsigned: Path, root: Path, recorded_url: str, status: str = "200") -> Path:
    """A pack holding a copy of ``unsigned``, signed with a new key, recorded as made from
    ``recorded_url`` with HTTP ``status``."""
    from reclaim.capture._sign import sign_wacz

    folder = root / "capture"
    shutil.copytree(unsigned, folder)
    key = sign_wacz(folder / "capture.wacz")
    box, _ = copy_locker(root / "locker", SHARED_PASSPHRASE)
    files = {name: folder / name for name in ("capture.wacz", "metadata.json")}
    error = "no" if int(status) < 400 else f"yes: the server answered {status}"
    more = {"wacz_public_key": key, "status": status, "error_page": error}
    stamp = CAPTURE_STARTED.isoformat(timespec="milliseconds")
    box.add_capture(files, recorded_url, stamp, more=more)
    return export_pack(box, root / "pack", "JS", "Capture case")


def test_captures_in_a_pack_validate_and_agree_with_the_locker(
    unsigned_capture: Path, tmp_path: Path
) -> None:
    pack = make_capture_pack(unsigned_capture, tmp_path, "https://forum.example/thread/42")
    checks = {check.name: check for check in verify_pack(pack)}
    assert checks["captures"].status == PASS, checks["captures"].detail


def test_a_capture_whose_address_disagrees_with_the_record_fails(
    unsigned_capture: Path, tmp_path: Path
) -> None:
    pack = make_capture_pack(unsigned_capture, tmp_path, "https://forum.example/other")
    assert statuses(pack)["captures"] == FAIL


def test_a_captured_error_page_is_marked_in_the_report(
    unsigned_capture: Path, tmp_path: Path
) -> None:
    pack = make_capture_pack(
        unsigned_capture, tmp_path, "https://forum.example/thread/42", status="404"
    )
    report = (pack / "report.html").read_text(encoding="utf-8")
    assert "Error page (HTTP 4xx or 5xx)" in report
    assert "yes: the server answered 404" in report


def test_verify_md_checks_a_capture_signature_by_hand_as_written(
    unsigned_capture: Path, tmp_path: Path
) -> None:
    import re

    from reclaim.capture._sign import sign_wacz

    pack = make_capture_pack(unsigned_capture, tmp_path, "https://forum.example/thread/42")
    section = (pack / "VERIFY.md").read_text().split("## 5.")[1].split("\n## ")[0]
    (script,) = re.findall(r"^```sh\n(.*?)^```$", section, flags=re.M | re.S)
    exhibits = json.loads((pack / "exhibits.json").read_text())
    wacz = next(e for e in exhibits if e["name"] == "capture.wacz")
    assert wacz["file"] == "data/exhibits/JS-1_capture.wacz", "the file VERIFY.md names"

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", script], cwd=pack, capture_output=True, text=True, check=False
        )

    done = run()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "digest matches" in done.stdout and "Signature Verified Successfully" in done.stdout
    entries = [
        json.loads(line) for line in (pack / "custody/custody.jsonl").read_text().splitlines()
    ]
    printed = re.search(r"^key (\S+)$", done.stdout, flags=re.M)
    assert printed is not None
    assert printed[1] in {entry["details"].get("wacz_public_key") for entry in entries}
    sign_wacz(pack / wacz["file"])  # signed again by someone else: a new key
    again = run()
    assert "digest matches" in again.stdout and printed[1] not in again.stdout


def test_a_capture_re_signed_with_another_key_fails(unsigned_capture: Path, tmp_path: Path) -> None:
    from reclaim.capture._sign import sign_wacz

    pack = make_capture_pack(unsigned_capture, tmp_path, "https://forum.example/thread/42")
    exhibits = json.loads((pack / "exhibits.json").read_text())
    wacz = next(e for e in exhibits if e["name"] == "capture.wacz")
    sign_wacz(pack / wacz["file"])  # a valid signature, by a key the locker never recorded
    checks = {check.name: check for check in verify_pack(pack)}
    assert checks["captures"].status == FAIL
    assert "signed by another key" in checks["captures"].detail


# A case with incidents in Polish, Arabic and Urdu, web captures, a message and a loose file.
# Evidence dates are in 2025 so that the loose file (added today) never falls in their range.
POLISH = "Ktoś udostępnił zdjęcia na forum – żądam usunięcia"
ARABIC = "هددني بنشر الصور إذا لم أدفع"
URDU = "اس نے تصاویر شیئر کرنے کی دھمکی دی"
ESCAPED = "Links only <script>alert(1)</script> & nothing kept"


@dataclass(frozen=True)
class Case:
    box: Locker
    incidents: dict[str, str]  # kind: incident id
    delivery: str
    pack: Path


def add_incidents(box: Locker) -> dict[str, str]:
    incidents = [
        Incident(
            "shared",
            POLISH,
            happened_on="2025-03-20",
            discovered_on="2025-03-21",
            platform="forum.example",
            urls=("https://forum.example/t/1",),
            people=("poster99 https://forum.example/u/poster99",),
            reports=("Forum ticket 12345", "Crime reference 01/23456/25"),
        ),
        Incident("threatened", ARABIC, happened_on="2025-03-05", platform="Instagram"),
        Incident("extortion", URDU, discovered_on="2025-03-10"),  # undated: last
        Incident("other", ESCAPED, happened_on="2025-02-01", under_18=True),
    ]
    return {i.kind: box.add_incident(i).id for i in incidents}


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    root = tmp_path_factory.mktemp("case")
    box, _ = copy_locker(root / "locker", SHARED_PASSPHRASE)
    incidents = add_incidents(box)
    files = {name: root / name for name in ("screenshot.png", "page.html", "page.mhtml")}
    for path in files.values():
        path.write_bytes(f"generated stand-in for {path.name}".encode())
    shared = incidents["shared"]
    first = {name: files[name] for name in ("screenshot.png", "page.html")}
    box.add_capture(first, "https://forum.example/t/1", "2025-03-21T09:15:00.000+00:00", shared)
    details = {
        "url": "https://forum.example/t/2",
        "captured_utc": "2025-03-22T10:00:00.000+00:00",
        "final_url": "https://forum.example/t/2?page=1",
        "status": "200",
        "server_address": "203.0.113.7",
        "title": "Wątek o zdjęciach",
    }
    later = {"page.mhtml": files["page.mhtml"]}
    delivery = Locker.deliver(root / "locker", later, "capture", shared, details)
    box.accept_deliveries()
    box.add_message("zapłać albo…", "@threatener", "2025-03-06T21:30:00", incidents["threatened"])
    box.add(b"my own notes", "notes.txt", "text/plain")
    pack = export_pack(box, root / "pack", "JS", "Case of A. Person", time_zone="Europe/London")
    return Case(box, incidents, delivery, pack)


def report_html(case: Case) -> str:
    return (case.pack / "report.html").read_text(encoding="utf-8")


def test_report_header_says_what_the_pack_covers_and_which_key_signed_it(case: Case) -> None:
    from reclaim.signing.sshsig import fingerprint

    html = report_html(case)
    assert (
        "Covers: the whole case" in html
        and "Exported: " in html
        and " 20" in html
        and ", Europe/London)" in html
    )
    assert f"Signing key fingerprint: {fingerprint(case.box.public_key())}" in html


def test_report_timeline_lists_incidents_in_the_order_they_happened(case: Case) -> None:
    html = report_html(case)
    timeline = html[html.index("<h2>Timeline</h2>") : html.index("<h2>Exhibits</h2>")]
    places = [timeline.index(text) for text in ("&lt;script&gt;", ARABIC, POLISH, URDU)]
    assert places == sorted(places), "by date happened; the undated incident last"
    for words in ("Images shared", "Threat to share images", "Demand for money or more images"):
        assert words in timeline
    for fact in ("forum.example", "poster99 https://forum.example/u/poster99", "01/23456/25"):
        assert fact in timeline
    assert "Under 18 in the image" in timeline and "none in this pack" in timeline
    assert '<dt>Exhibits</dt><dd dir="auto">JS-1, JS-2, JS-3</dd>' in timeline


def test_report_escapes_what_the_person_typed(case: Case) -> None:
    assert "<script>" not in report_html(case)


@pytest.mark.parametrize("summary", [POLISH, ARABIC, URDU])
def test_report_keeps_each_script_and_lets_the_browser_set_its_direction(
    case: Case, summary: str
) -> None:
    assert f'<dd dir="auto">{summary}</dd>' in report_html(case)


def test_report_exhibit_table_names_type_incident_and_both_digests(case: Case) -> None:
    html = report_html(case)
    message = next(item for item in case.box.items() if item.kind == "message")
    assert '<td>JS-4</td><td dir="auto">message.txt</td><td>message</td>' in html
    assert "<td>Incident 2</td>" in html
    assert message.sha256 in html and message.sha512 in html


def test_report_gives_capture_address_and_time_and_message_sender(case: Case) -> None:
    html = report_html(case)
    details = html[html.index("<h2>Capture and message details</h2>") :]
    assert '<td>JS-1, JS-2</td><td>capture</td><td>Requested address: <span dir="auto">' in details
    for fact in (
        "https://forum.example/t/1",
        'Capture started: <span dir="auto">21 March 2025, 09:15 (UTC+00:00, Europe/London)',
        'Final address: <span dir="auto">https://forum.example/t/2?page=1',
        'HTTP status: <span dir="auto">200',
        'Server address: <span dir="auto">203.0.113.7',
        'Page title: <span dir="auto">Wątek o zdjęciach',
        'Sender: <span dir="auto">@threatener</span>',
        # stored with no zone (as UTC), shown in the exporter's zone
        'Sent at: <span dir="auto">6 March 2025, 21:30 (UTC+00:00, Europe/London)</span>',
    ):
        assert fact in details
    assert case.delivery not in html, "the inbox's bookkeeping is not evidence"


def test_report_summarises_the_custody_log_before_listing_it(case: Case) -> None:
    lines = (case.pack / "custody/custody.jsonl").read_text().splitlines()
    actions = [json.loads(line)["action"] for line in lines]
    html = report_html(case)
    assert f"{len(lines)} entries, from " in html
    assert f"item-added: {actions.count('item-added')}" in html
    assert f"incident-added: {actions.count('incident-added')}" in html
    assert html.count("<tr><td>") >= len(lines) + len(case.box.items())
    message = next(item for item in case.box.items() if item.kind == "message")
    assert f"<td>item-added</td><td>JS-4: {message.id}</td>" in html


def test_pdf_report_is_written_and_covered_by_the_tag_manifest(case: Case) -> None:
    pdf = (case.pack / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 20_000
    assert b"NotoNaskhArabic" in pdf


def test_pack_lists_incidents_and_links_each_exhibit_to_its_incident(case: Case) -> None:
    incidents = json.loads((case.pack / "incidents.json").read_text(encoding="utf-8"))
    assert {i["id"] for i in incidents} == set(case.incidents.values())
    assert {i["summary"] for i in incidents} >= {POLISH, ARABIC, URDU}
    exhibits = json.loads((case.pack / "exhibits.json").read_text(encoding="utf-8"))
    linked = [e["incident"] for e in exhibits]
    shared, threatened = case.incidents["shared"], case.incidents["threatened"]
    assert linked == [shared, shared, shared, threatened, None]
    assert "incidents.json" in (case.pack / "tagmanifest-sha256.txt").read_text()


def item_names(box: Locker, ids: list[str]) -> list[str]:
    names = {item.id: item.name for item in box.items()}
    return [names[item_id] for item_id in ids]


def test_choose_items_by_incident_keeps_locker_order(case: Case) -> None:
    chosen = choose_items(case.box, [case.incidents["threatened"], case.incidents["shared"]])
    assert item_names(case.box, chosen) == [
        "screenshot.png",
        "page.html",
        "page.mhtml",
        "message.txt",
    ]


def test_choose_items_by_evidence_date_with_both_ends_included(case: Case) -> None:
    chosen = choose_items(case.box, since="2025-03-06", until="2025-03-21")
    assert item_names(case.box, chosen) == ["screenshot.png", "page.html", "message.txt"]
    later = choose_items(case.box, [case.incidents["shared"]], since="2025-03-22")
    assert item_names(case.box, later) == ["page.mhtml"]
    assert item_names(case.box, choose_items(case.box, since="2026-01-01")) == ["notes.txt"]


def test_choose_items_refuses_an_unknown_incident(case: Case) -> None:
    with pytest.raises(PackError, match="there is no incident nope"):
        choose_items(case.box, ["nope"])


@pytest.mark.parametrize("dates", [{"since": "2025-13-01"}, {"until": "last week"}])
def test_choose_items_refuses_a_malformed_date(case: Case, dates: dict[str, str]) -> None:
    with pytest.raises(PackError, match="must be a date such as 2026-11-01"):
        choose_items(case.box, **dates)


def test_choose_items_refuses_dates_the_wrong_way_round(case: Case) -> None:
    with pytest.raises(PackError, match="is after until"):
        choose_items(case.box, since="2025-03-22", until="2025-03-21")


def test_choose_items_says_when_nothing_matches(case: Case) -> None:
    assert choose_items(case.box, [case.incidents["other"]]) == []  # under 18: its facts only
    with pytest.raises(PackError, match="nothing in the locker matches that choice"):
        choose_items(case.box, until="2025-01-01")


def test_a_pack_of_one_incident_holds_only_its_exhibits_and_verifies(
    case: Case, tmp_path: Path
) -> None:
    threatened = case.incidents["threatened"]
    pack = export_pack(
        case.box,
        tmp_path / "part",
        "JS",
        "Part of a case",
        item_ids=choose_items(case.box, [threatened]),
        scope="the threat by message",
    )
    assert [p.name for p in (pack / "data/exhibits").iterdir()] == ["JS-1_message.txt"]
    incidents = json.loads((pack / "incidents.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in incidents] == [threatened]
    html = (pack / "report.html").read_text(encoding="utf-8")
    assert "Covers: the threat by message" in html and ARABIC in html and POLISH not in html
    assert {name: status for name, status in statuses(pack).items() if status != PASS} == {
        "timestamps": WARN,
        "key anchor": WARN,
        "exhibit timestamps": WARN,
    }
