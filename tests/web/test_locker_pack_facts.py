"""The locker's forms and the export page put complete, right facts in front of the police:
future dates refused, "I don't know" for when a message was sent, exhibit numbers as in the
pack, and a pack of one incident that has no files."""

import datetime
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.test import Client

from reclaim.packs import FAIL, verify_pack
from tests import pdf_text

from .test_locker import add_incident

pytestmark = pytest.mark.django_db
NEXT_YEAR = str(datetime.date.today().year + 1)
INCIDENT = {"kind": "shared", "summary": "Posted on a forum", "under_18": "no"}


@pytest.mark.parametrize("field", ["happened_on", "discovered_on"])
def test_an_incident_dated_in_the_future_is_refused_and_keeps_what_was_typed(
    client: Client, open_locker: None, field: str
) -> None:
    data = {**INCIDENT, field: f"{NEXT_YEAR}-01-05"}
    response = client.post("/en/locker/incidents/new/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "That date has not come yet" in page and "Posted on a forum" in page


def test_an_incident_found_before_it_happened_is_refused(client: Client, open_locker: None) -> None:
    data = {**INCIDENT, "happened_on": "2025-03-21", "discovered_on": "2025-03-20"}
    response = client.post("/en/locker/incidents/new/", data)
    assert response.status_code == 400
    assert "That is before the day it happened" in response.content.decode()


def test_the_future_date_message_is_in_arabic_on_the_arabic_page(
    client: Client, open_locker: None
) -> None:
    data = {**INCIDENT, "happened_on": f"{NEXT_YEAR}-01-05"}
    response = client.post("/ar/locker/incidents/new/", data)
    assert "هذا التاريخ لم يأتِ بعد" in response.content.decode()


def message(client: Client, **fields: str) -> object:
    data = {"text": "pay or else", "sender": "@someone", **fields}
    return client.post("/en/locker/evidence/message/", data)


def test_a_message_sent_in_the_future_is_refused(client: Client, open_locker: None) -> None:
    response = message(client, sent_at=f"{NEXT_YEAR}-02-01T10:00")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "That date has not come yet" in response.content.decode()  # type: ignore[attr-defined]


def test_a_message_may_be_sent_at_a_time_not_known(client: Client, open_locker: None) -> None:
    missing = message(client)
    assert missing.status_code == 400  # type: ignore[attr-defined]
    assert "or tick “I don" in missing.content.decode()  # type: ignore[attr-defined]
    kept = message(client, sent_unknown="on")
    assert kept.status_code == 302  # type: ignore[attr-defined]
    page = client.get(kept["Location"]).content.decode()  # type: ignore[index]
    assert "<dt>When was it sent?</dt><dd>Not known</dd>" in page


def test_the_export_hint_numbers_exhibits_as_the_pack_does(
    client: Client, open_locker: None
) -> None:
    page = client.get("/en/locker/export/").content.decode()
    assert "exhibits and their files are numbered JS-1, JS-2" in page and "JS/1" not in page


def test_a_pack_of_only_an_under_18_incident_is_exported_from_the_web(
    client: Client, open_locker: None, tmp_path: Path
) -> None:
    young = add_incident(
        client, summary="A picture of me at 16", under_18="yes", urls="https://forum.example/t/9"
    )
    add_incident(client, summary="Something else")
    response = client.post(
        "/en/locker/export/", {"title": "Case", "initials": "JS", "incidents": [young]}
    )
    assert response.status_code == 200, response.content.decode()[:3000]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    archive.extractall(tmp_path / "out")
    (pack,) = (tmp_path / "out").iterdir()
    (incident,) = json.loads((pack / "incidents.json").read_text(encoding="utf-8"))
    assert incident["id"] == young and incident["urls"] == ["https://forum.example/t/9"]
    assert "Something else" not in (pack / "report.html").read_text(encoding="utf-8")
    assert [c for c in verify_pack(pack) if c.status == FAIL] == []


def test_the_pack_shows_every_time_in_the_zone_the_person_confirmed(
    client: Client, open_locker: None, tmp_path: Path
) -> None:
    kept = message(client, sent_at="2025-06-01T21:15", time_zone="Asia/Karachi")
    assert kept.status_code == 302  # type: ignore[attr-defined]
    response = client.post("/en/locker/export/", {"title": "Case", "initials": "JS"})
    assert response.status_code == 200, response.content.decode()[:3000]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    archive.extractall(tmp_path / "out")
    (pack,) = (tmp_path / "out").iterdir()
    report = (pack / "report.html").read_text(encoding="utf-8")
    assert 'Sent at: <span dir="auto">1 June 2025, 21:15 (UTC+05:00, Asia/Karachi)' in report
    assert "Exported: " in report and "UTC+00:00" not in report
    custody = report[report.index("<h2>Custody log</h2>") :]
    rows = custody.count("<tr><td>")  # each entry's time, and the first and last in the summary
    assert rows >= 2 and custody.count("(UTC+05:00, Asia/Karachi)") == rows + 2


ARABIC_TITLE = "رسالة من John Smith عبر واتساب"  # "a message from John Smith on WhatsApp"


def test_the_pdf_covers_line_keeps_an_arabic_title_in_order_beside_the_english(
    client: Client, open_locker: None, tmp_path: Path
) -> None:
    arabic = add_incident(client, summary=ARABIC_TITLE)
    latin = add_incident(client, summary="Posted on a forum")
    chosen = {"title": "Case", "initials": "JS", "incidents": [arabic, latin]}
    response = client.post("/en/locker/export/", chosen)
    assert response.status_code == 200, response.content.decode()[:3000]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    archive.extractall(tmp_path / "out")
    (pack,) = (tmp_path / "out").iterdir()
    page = pdf_text.runs(pack / "report.pdf")[0]
    # The header comes first: the first "John Smith" drawn is the one on the Covers line.
    line = next(run.y for run in page if "John Smith" in run.text)
    on_line = [run for run in page if abs(run.y - line) < 1]

    def x_of(word: str) -> float:  # Arabic runs are drawn left to right: reversed
        return next(r.x for r in on_line if word in r.text or word[::-1] in r.text)

    # Read right to left: "رسالة" (first) rightmost, then "John Smith", "واتساب" (last) leftmost.
    assert x_of("رسالة") > x_of("John Smith") > x_of("واتساب")

    def y_of(words: str) -> float:
        return next(run.y for run in page if words in run.text)

    # Top to bottom (y falls): what the pack covers, the title, then the next incident's title.
    assert y_of("of the chosen incidents") > line > y_of("Posted on a forum")
    html = (pack / "report.html").read_text(encoding="utf-8")
    assert f'<span dir="auto">{ARABIC_TITLE}</span>' in html.split("<h2>")[0]
