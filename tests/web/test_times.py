"""Times carry the person's time zone: typed in it, kept with its offset, shown in the page's
language with the offset, deadlines from the right instant; no raw ISO text on any page."""

import datetime
import re
from pathlib import Path

import pytest
from django.test import Client

from reclaim.locker import Incident, Locker
from reclaim.notices import RemovalRequest
from reclaim.notices._tracking import deadline
from tests.web.conftest import personal_locker, png_bytes
from tests.web.test_removals import FACTS, _write

NEW_YORK = "America/New_York"
RAW_ISO = re.compile(r"\d{4}-\d\d-\d\d(T\d\d:\d\d)?")


def _box(data_dir: Path) -> Locker:
    return personal_locker(data_dir)


def _message(client: Client, sent_at: str, zone: str) -> str:
    data = {"text": "pay or else", "sender": "@someone", "sent_at": sent_at, "time_zone": zone}
    response = client.post("/en/locker/evidence/message/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response["Location"])


def visible_text(page: str) -> str:
    """Return what a person reads on a page: no tags, attributes, scripts or styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def test_a_time_typed_in_new_york_is_kept_there_and_shown_with_its_offset(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    item_page = _message(client, "2026-11-20T21:15", NEW_YORK)
    (item,) = _box(data_dir).items()
    assert item.details["sent_at"] == "2026-11-20T21:15:00-05:00"
    assert item.details["time_zone"] == NEW_YORK
    instant = datetime.datetime.fromisoformat(item.details["sent_at"])
    assert instant.astimezone(datetime.UTC).isoformat() == "2026-11-21T02:15:00+00:00"
    shown = visible_text(client.get(item_page).content.decode())
    assert "20 November 2026, 21:15" in shown and "(UTC-05:00)" in shown
    arabic = visible_text(client.get(item_page.replace("/en/", "/ar/")).content.decode())
    assert "21:15" in arabic and "(UTC-05:00)" in arabic and "نوفمبر" in arabic


def test_the_form_offers_the_zone_in_use_and_refuses_an_unknown_one(
    client: Client, open_locker: None
) -> None:
    form = client.get("/en/locker/evidence/message/").content.decode()
    assert 'data-time-zone=""' in form and '<option value="Europe/London" selected>' in form
    refused = client.post(
        "/en/locker/evidence/message/",
        {"text": "kept", "sender": "x", "sent_at": "2026-11-20T21:15", "time_zone": "Mars/Base"},
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Choose the time zone you were in from the list." in page and "kept</textarea>" in page


def test_a_confirmed_zone_is_the_one_pages_show_times_in(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    _message(client, "2026-11-20T21:15", NEW_YORK)
    form = client.get("/en/locker/evidence/message/").content.decode()
    assert f'<option value="{NEW_YORK}" selected>' in form
    added = _box(data_dir).items()[0].added_utc
    case = visible_text(client.get("/en/locker/case/").content.decode())
    local = datetime.datetime.fromisoformat(added).astimezone(datetime.UTC)
    assert "(UTC-05:00)" in case, case
    assert RAW_ISO.search(case) is None and local.year == 2026


def test_an_older_message_with_no_zone_is_shown_in_utc_and_labelled_so(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    _message(client, "2026-11-19T10:00", NEW_YORK)  # the person's zone is now New York
    old = _box(data_dir).add_message("older", "@x", "2026-11-20T21:30:00+00:00")
    shown = visible_text(client.get(f"/en/locker/items/{old.id}/").content.decode())
    assert "20 November 2026, 21:30" in shown and "(UTC+00:00)" in shown


@pytest.mark.django_db
def test_the_48_hour_clock_runs_from_the_instant_typed_in_the_persons_zone(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    made = _write(client, "https://x.com/someone/status/42", "us", FACTS)
    assert made.status_code == 302
    recorded = client.post(
        made["Location"] + "record/",
        {"status": "submitted", "at": "2026-11-20T21:15", "time_zone": NEW_YORK, "ticket": ""},
    )
    assert recorded.status_code == 302, recorded.content.decode()[:2000]
    (record,) = _box(data_dir).request_records()
    request = RemovalRequest.from_record(record)
    assert request.events[-1].at_utc == "2026-11-21T02:15:00+00:00"
    due = deadline(request, 48)
    assert due == datetime.datetime(2026, 11, 23, 2, 15, tzinfo=datetime.UTC)
    detail = visible_text(client.get(made["Location"]).content.decode())
    assert "22 November 2026, 21:15" in detail and "(UTC-05:00)" in detail
    assert "20 November 2026, 21:15" in detail  # the history, in the person's zone


def _populate(client: Client, data_dir: Path) -> None:
    """A locker with something of every kind whose page shows a date or time."""
    box = _box(data_dir)
    incident = box.add_incident(
        Incident("shared", "posted", happened_on="2026-11-01", discovered_on="2026-11-03")
    )
    box.add(png_bytes(), "shot.png", "image/png", incident=incident.id)
    folder = data_dir / "capture"
    folder.mkdir()
    (folder / "dom.html").write_text("<p>post</p>")
    box.add_capture(
        {"dom.html": folder / "dom.html"},
        "https://forum.example/t/1",
        "2026-11-04T09:00:00.000+00:00",
        incident=incident.id,
    )
    _message(client, "2026-11-20T21:15", NEW_YORK)
    box = _box(data_dir)
    box.add_message("older", "@x", "2026-11-20T21:30:00+00:00")
    made = _write(client, "https://x.com/someone/status/42", "us", FACTS)
    client.post(made["Location"] + "record/", {"status": "submitted", "at": "2026-11-20T21:15"})


def _locker_pages(client: Client, language: str) -> dict[str, str]:
    """Return every locker page reachable by links from the case page, by address."""
    start = f"/{language}/locker/case/"
    pages: dict[str, str] = {}
    waiting = [start]
    skip = ("/lock/", "/stay/", "/file/", "/delete/")
    while waiting and len(pages) < 80:
        address = waiting.pop()
        if address in pages:
            continue
        response = client.get(address)
        pages[address] = response.content.decode() if response.status_code == 200 else ""
        for link in re.findall(r'href="(/[^"#?]*)', pages[address]):
            inside = link.startswith((f"/{language}/locker/",))
            if inside and not any(word in link for word in skip) and link not in pages:
                waiting.append(link)
    return pages


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ar"])
def test_no_raw_iso_timestamp_appears_on_any_locker_page(
    client: Client, open_locker: None, data_dir: Path, language: str
) -> None:
    _populate(client, data_dir)
    pages = _locker_pages(client, language)
    assert len(pages) >= 8 and any("/requests/" in a for a in pages), sorted(pages)
    raw = {a: [m.group(0) for m in RAW_ISO.finditer(visible_text(p))] for a, p in pages.items()}
    assert {a: found for a, found in raw.items() if found} == {}
