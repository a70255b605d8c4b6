"""Removal request pages: from an incident's address to a request, sent, followed, checked.

Real components only: the locker on disk, a real SMTP server (aiosmtpd) and real HTTP and
RDAP servers, all on loopback, started by the tests.
"""

import datetime
import email
import hashlib
import io
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiosmtpd.controller import Controller
from django.apps import apps
from django.contrib.sessions.models import Session
from django.test import Client
from PIL import Image
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.locker import Incident, Locker
from reclaim.web.removals import services
from reclaim.web.removals.models import Watch
from reclaim.web.removals.services import hosting
from tests.web.conftest import personal_locker

FACTS = {
    "route": "0",
    "signer": "Jo Example",
    "email": "jo.safe@example.org",
    "consent_statement": "on",
    "accuracy_statement": "on",
    "intimate_statement": "on",
}


def _box(data_dir: Path) -> Locker:
    return personal_locker(data_dir)


def _incident(data_dir: Path, *urls: str, under_18: bool = False) -> str:
    incident = Incident("shared", "posted without asking", urls=urls, under_18=under_18)
    return _box(data_dir).add_incident(incident).id


def _write(client: Client, url: str, country: str, facts: dict[str, str], **more: str) -> Any:
    """Post the request's form as the page does: the address in the body, never the URL."""
    data = {"url": url, "country": country, **more, **facts}
    return client.post("/en/locker/requests/new/write/", data)


def _only_request(data_dir: Path) -> dict[str, Any]:
    records = _box(data_dir).request_records()
    assert len(records) == 1
    return records[0]


@pytest.mark.django_db
def test_from_an_incident_to_a_take_it_down_request_with_its_clock(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    incident = _incident(data_dir, "https://x.com/someone/status/42")
    start = client.get(f"/en/locker/requests/new/?incident={incident}")
    assert 'value="https://x.com/someone/status/42"' in start.content.decode()
    plan = _write(
        client, "https://x.com/someone/status/42", "us", {"step": "start"}, incident=incident
    )
    page = plan.content.decode()
    assert "X (Twitter)" in page and "TAKE IT DOWN Act" in page and "48 hours" in page
    made = _write(client, "https://x.com/someone/status/42", "us", FACTS, incident=incident)
    assert made.status_code == 302
    record = _only_request(data_dir)
    assert record["status"] == "ready" and record["incident_id"] == incident
    detail = client.get(made["Location"]).content.decode()
    assert "help.x.com/forms/safety-and-sensitive-content/take-it-down" in detail
    assert "I believe in good faith that this intimate visual depiction of Jo Example" in detail
    sent_at = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=50)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    recorded = client.post(
        made["Location"] + "record/", {"status": "submitted", "at": sent_at, "ticket": ""}
    )
    assert recorded.status_code == 302
    overview = client.get("/en/locker/requests/").content.decode()
    assert "Overdue:" in overview, "48 hours after a TAKE IT DOWN request, it stands out"
    case = client.get("/en/locker/case/").content.decode()
    assert "Removal requests that need a look: 1." in case
    detail = client.get(made["Location"]).content.decode()
    assert "takeitdown.ftc.gov" in detail and "Find who hosts the site" in detail


@pytest.mark.django_db
def test_a_second_request_leads_to_the_first_and_keeps_what_was_typed(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    first = _write(client, "https://www.reddit.com/r/a/comments/1/", "gb", {**FACTS, "email": ""})
    existing = first["Location"]
    typed = {**FACTS, "description": "The third photo, posted at night", "action": "ready"}
    again = _write(client, "https://reddit.com/r/a/comments/1", "gb", typed)
    page = again.content.decode()
    assert again.status_code == 409 and "You already asked about this address" in page
    assert f'href="{existing}"' in page and "Open the request you already made" in page
    assert "The third photo, posted at night</textarea>" in page, "the typed text stays"
    assert 'value="jo.safe@example.org"' in page
    assert len(_box(data_dir).request_records()) == 1
    merged = client.post(existing + "edit/", {**typed, "action": "merge", "signer": ""})
    assert merged.status_code == 302 and merged["Location"] == existing
    record = _only_request(data_dir)
    assert record["facts"]["description"] == "The third photo, posted at night"
    assert record["facts"]["signer"] == "Jo Example", "an empty box does not erase what was kept"
    assert record["status"] == "ready", "with the email added, nothing is missing any more"


@pytest.mark.django_db
def test_a_draft_needs_no_name_and_can_be_finished_then_withdrawn(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    draft = {**FACTS, "signer": "", "action": "draft"}
    made = _write(client, "https://x.com/a/status/7", "us", draft)
    assert made.status_code == 302, "a draft is saved without the person's name"
    location = made["Location"]
    assert _only_request(data_dir)["status"] == "draft"
    detail = client.get(location).content.decode()
    assert f'href="{location}edit/"' in detail and f'action="{location}withdraw/"' in detail
    form = client.get(location + "edit/").content.decode()
    assert 'value="jo.safe@example.org"' in form, "the edit form holds what was written"
    finished = client.post(location + "edit/", {**FACTS, "signer": "Jo Example", "action": "ready"})
    assert finished.status_code == 302
    record = _only_request(data_dir)
    assert record["status"] == "ready" and record["facts"]["signer"] == "Jo Example"
    assert "/Jo Example/" in client.get(location + "print/").content.decode()
    edited, readied = record["events"][-2:]
    assert (edited["status"], edited["by"], edited["note"]) == ("draft", "you", "details changed")
    assert (readied["status"], readied["by"]) == ("ready", "you") and readied["at_utc"]
    assert client.post(location + "withdraw/").status_code == 302
    record = _only_request(data_dir)
    assert record["status"] == "withdrawn" and record["events"][-1]["by"] == "you"
    page = client.get(location).content.decode()
    assert "Withdrawn by you" in page and f'action="{location}withdraw/"' not in page
    assert client.get(location + "edit/")["Location"] == location, "no editing once ended"


@pytest.mark.django_db
def test_making_it_ready_asks_for_the_name_in_a_summary_that_links_to_the_box(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    typed = {**FACTS, "signer": "", "description": "second picture", "action": "ready"}
    refused = _write(client, "https://x.com/a/status/7", "us", typed)
    page = refused.content.decode()
    assert refused.status_code == 400 and _box(data_dir).request_records() == []
    summary = page[page.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert 'href="#id_signer"' in summary and "There is a problem" in summary
    assert page.index('class="error-summary"') < page.index("<h1>"), "the summary comes first"
    assert "second picture</textarea>" in page and 'value="jo.safe@example.org"' in page
    wrong = _write(client, "not an address", "us", {"step": "start"})
    assert wrong.status_code == 400 and 'href="#id_url"' in wrong.content.decode()


@pytest.mark.django_db
def test_a_ready_request_is_not_offered_draft_and_can_still_be_changed(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    made = _write(client, "https://x.com/a/status/7", "us", FACTS)
    page = client.get(made["Location"]).content.decode()
    assert _only_request(data_dir)["status"] == "ready"
    assert 'value="submitted"' in page and 'value="draft"' not in page
    form = client.get(made["Location"] + "edit/").content.decode()
    assert 'value="draft"' not in form and "Save the changes" in form
    emptied = client.post(made["Location"] + "edit/", {**FACTS, "email": ""})
    assert emptied.status_code == 302 and _only_request(data_dir)["status"] == "draft"


@pytest.mark.django_db
def test_the_country_starts_as_the_sites_then_the_last_one_used(
    client: Client, open_locker: None, data_dir: Path, settings: SettingsWrapper
) -> None:
    settings.REMOVAL_COUNTRY = "gb"
    page = client.get("/en/locker/requests/new/").content.decode()
    assert '<option value="gb" selected>' in page
    _write(client, "https://x.com/a/status/7", "de", FACTS)
    page = client.get("/en/locker/requests/new/").content.decode()
    assert '<option value="de" selected>' in page


@pytest.mark.django_db
def test_the_image_address_never_goes_into_a_page_address(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    start = client.get("/en/locker/requests/new/").content.decode()
    assert '<form method="post" action="/en/locker/requests/new/write/"' in start
    url = "https://x.com/secret/status/99"
    old_link = client.get(f"/en/locker/requests/new/write/?url={url}&country=us")
    assert old_link["Location"] == "/en/locker/requests/new/", "back to step one, nothing kept"
    plan = _write(client, url, "us", {"step": "start"})
    assert plan.status_code == 200 and f'name="url" value="{url}"' in plan.content.decode()
    made = _write(client, url, "us", FACTS)
    assert "secret" not in made["Location"]


@pytest.mark.django_db
def test_how_to_find_it_is_carried_into_the_notice_and_its_copies(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    facts = {**FACTS, "description": "The third photo in the thread"}
    made = _write(client, "https://x.com/a/status/7", "us", facts)
    page = client.get(made["Location"]).content.decode()
    pack = page[page.index('class="form-pack"') :]
    assert "The third photo in the thread" in pack[: pack.index("</dl>")], "in a form box too"
    assert (
        "The third photo in the thread" in client.get(made["Location"] + "print/").content.decode()
    )
    assert (
        "The third photo in the thread" in client.get(made["Location"] + "text/").content.decode()
    )


@pytest.mark.django_db
def test_a_request_missing_an_element_stays_a_draft_that_names_it(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    facts = {**FACTS, "email": ""}
    made = _write(client, "https://x.com/a/status/1", "us", facts)
    assert _only_request(data_dir)["status"] == "draft"
    page = client.get(made["Location"]).content.decode()
    assert "It still needs:" in page
    assert "Contact information for the depicted person or the authorised person" in page
    assert client.get(made["Location"] + "print/").status_code == 404


@pytest.mark.django_db
def test_under_18_offers_no_request_and_routes_to_the_services(
    client: Client, open_locker: None, data_dir: Path
) -> None:
    incident = _incident(data_dir, "https://x.com/a/status/1", under_18=True)
    page = client.get(f"/en/locker/requests/new/?incident={incident}").content.decode()
    assert "takeitdown.ncmec.org" in page and "iwf.org.uk" in page
    assert 'name="url"' not in page and 'name="signer"' not in page
    refused = _write(client, "https://x.com/a/status/1", "us", FACTS, incident=incident)
    assert refused.status_code == 400 and _box(data_dir).request_records() == []


@pytest.mark.django_db
def test_printable_and_text_versions(client: Client, open_locker: None, data_dir: Path) -> None:
    made = _write(client, "https://www.reddit.com/r/a/comments/1/", "de", FACTS)
    printable = client.get(made["Location"] + "print/").content.decode()
    assert "Digital Services Act" in printable and "<script" not in printable.split("<main")[1]
    assert '<html lang="en" dir="ltr">' in printable
    assert '<a class="exit-button" href="/exit/"' in printable
    in_arabic = client.get(made["Location"].replace("/en/", "/ar/") + "print/").content.decode()
    assert '<html lang="ar" dir="rtl">' in in_arabic and 'class="exit-button"' in in_arabic
    text = client.get(made["Location"] + "text/")
    assert "attachment" in text["Content-Disposition"]
    assert "Form fields, in order:" in text.content.decode()


# Sending through a real SMTP server on loopback -------------------------------------------


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings: SettingsWrapper) -> Iterator[_Inbox]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    _use_smtp(settings, port)
    settings.DEFAULT_FROM_EMAIL = "requests@reclaim.test"
    yield inbox
    controller.stop()


@pytest.mark.django_db
def test_sending_by_email_reaches_the_platform_and_keeps_a_copy(
    client: Client, open_locker: None, data_dir: Path, smtp: _Inbox
) -> None:
    made = _write(client, "https://t.me/somechannel/7", "gb", FACTS)
    detail = client.get(made["Location"]).content.decode()
    assert "Send it by email now" in detail
    sent = client.post(made["Location"] + "send/")
    assert sent.status_code == 302
    [envelope] = smtp.messages
    assert envelope.rcpt_tos == ["abuse@telegram.org"]
    message = email.message_from_bytes(envelope.content)
    assert message["Reply-To"] == "jo.safe@example.org"
    body = message.get_payload(decode=True).decode()
    assert "https://t.me/somechannel/7" in body and "/Jo Example/" in body
    assert "Sexual Offences Act 2003" in body
    box = _box(data_dir)
    [copy] = [item for item in box.items() if item.media_type == "message/rfc822"]
    assert b"https://t.me/somechannel/7" in b"".join(box.read(copy.id))
    record = _only_request(data_dir)
    assert record["status"] == "submitted" and "sent by email" in record["events"][-1]["note"]


@pytest.mark.django_db
def test_a_failed_send_records_nothing(
    client: Client, open_locker: None, data_dir: Path, settings: SettingsWrapper
) -> None:
    _use_smtp(settings, _free_port())  # nothing listens there
    made = _write(client, "https://t.me/somechannel/7", "gb", FACTS)
    failed = client.post(made["Location"] + "send/")
    assert failed.status_code == 502 and "could not be sent" in failed.content.decode()
    assert _only_request(data_dir)["status"] == "ready"


# Re-checks, reminders and RDAP against servers on loopback --------------------------------


class _Site:
    """A page whose answer the test changes: the image, a different page, or gone."""

    def __init__(self) -> None:
        self.state = "up"
        self.image = _picture(seed=1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/post/1"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if site.state == "gone":
                    self._send(404, b"not found", "text/plain")
                elif self.path.startswith("/img"):
                    self._send(200, site.image, "image/png")
                else:
                    self._send(200, b'<html><img src="/img.png"></html>', "text/html")

            def _send(self, code: int, body: bytes, kind: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def _picture(seed: int) -> bytes:
    noise = np.random.default_rng(seed).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(noise).resize((256, 256), Image.Resampling.BICUBIC).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def site(settings: SettingsWrapper) -> Iterator[_Site]:
    settings.CAPTURE_ALLOW_PRIVATE = True  # the test's server is on loopback
    running = _Site()
    yield running
    running.server.shutdown()
    running.server.server_close()


def _submitted_request(
    client: Client, site: _Site, data_dir: Path, incident: str = "", **extra: str
) -> str:
    facts = {**FACTS, "recipient": "abuse@host.test", **extra}
    query = {"incident": incident} if incident else {}
    made = _write(client, site.url, "zz", facts, **query)
    assert made.status_code == 302, made.content.decode()
    client.post(made["Location"] + "record/", {"status": "submitted"})
    return str(made["Location"])


def _picture_in_the_locker(data_dir: Path, site: _Site) -> str:
    """An incident with the site's address, and the (generated) picture kept as evidence."""
    incident = _incident(data_dir, site.url)
    _box(data_dir).add(site.image, "photo.png", "image/png", incident=incident)
    return incident


def _later(hours: int) -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=hours)


@pytest.mark.django_db
def test_re_checks_verify_the_removal_and_notice_when_it_comes_back(
    client: Client, open_locker: None, data_dir: Path, site: _Site
) -> None:
    incident = _picture_in_the_locker(data_dir, site)
    location = _submitted_request(client, site, data_dir, incident)
    assert len(_only_request(data_dir)["hashes"]) == 1, "the case's picture, hashed here"
    assert services.run_due_rechecks()
    page = client.get(location).content.decode()
    assert "still there" in page and "matching images: 1" in page
    site.state = "gone"
    assert services.run_due_rechecks(_later(7))
    page = client.get(location).content.decode()
    assert "Reclaim looked again and it is gone." in page, "shown merged, as soon as seen"
    assert _only_request(data_dir)["status"] == "submitted", "a page view records nothing"
    site.state = "up"
    assert services.run_due_rechecks(_later(14))
    page = client.get(location).content.decode()
    assert "It came back" in page
    client.post(location + "record/", {"status": "submitted"})  # sent again, on its way back
    record = _only_request(data_dir)
    moves = [(event["by"], event["status"]) for event in record["events"]]
    assert moves[-4:] == [
        ("re-check", "removed"),
        ("re-check", "removed"),  # verified
        ("re-check", "reappeared"),
        ("you", "submitted"),
    ], "the person's next change recorded what the re-checks saw, in order"
    assert not record["verified"] and len(record["checks"]) == 3


@pytest.mark.django_db
def test_nothing_is_due_before_its_time_and_a_closed_request_is_not_watched(
    client: Client, open_locker: None, data_dir: Path, site: _Site
) -> None:
    location = _submitted_request(client, site, data_dir)
    assert services.run_due_rechecks()
    assert not services.run_due_rechecks(), "the next look is RECHECK_HOURS away"
    page = client.get(location).content.decode()
    assert "still there" in page, "the first look is the page as reported, not a change"
    client.post(location + "record/", {"status": "withdrawn"})
    assert _only_request(data_dir)["page_digest"], "recorded with the person's next change"
    assert Watch.objects.count() == 0


@pytest.mark.django_db
def test_an_opted_in_reminder_is_one_discreet_email(
    client: Client, open_locker: None, data_dir: Path, site: _Site, smtp: _Inbox
) -> None:
    _submitted_request(client, site, data_dir, remind_email="jo.private@example.org")
    client.get("/en/locker/requests/")
    services.run_due_rechecks(_later(24 * 8))  # the 7-day follow-up has passed
    services.run_due_rechecks(_later(24 * 9))
    [reminder] = smtp.messages
    assert reminder.rcpt_tos == ["jo.private@example.org"]
    message = email.message_from_bytes(reminder.content)
    assert message["Subject"] == services.REMINDER_SUBJECT
    body = message.get_payload(decode=True).decode()
    assert "127.0.0.1" not in body and "remov" not in body.lower() and "image" not in body


class _Rdap(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/ip/"):
            answer = {
                "objectClassName": "ip network",
                "name": "EXAMPLE-HOSTING",
                "entities": [
                    {
                        "objectClassName": "entity",
                        "roles": ["abuse"],
                        "vcardArray": ["vcard", [["email", {}, "text", "abuse@hosting.test"]]],
                    }
                ],
            }
        else:
            answer = {"errorCode": 404}
        body = json.dumps(answer).encode()
        self.send_response(200 if "name" in answer else 404)
        self.send_header("Content-Type", "application/rdap+json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.django_db
def test_finding_the_host_offers_its_abuse_address(
    client: Client, open_locker: None, data_dir: Path, site: _Site, settings: SettingsWrapper
) -> None:
    rdap = ThreadingHTTPServer(("127.0.0.1", 0), _Rdap)
    threading.Thread(target=rdap.serve_forever, daemon=True).start()
    settings.RDAP_SERVER = f"http://127.0.0.1:{rdap.server_port}/"
    made = _write(client, site.url, "zz", FACTS)
    client.post(made["Location"] + "host/")
    page = client.get(made["Location"]).content.decode()
    rdap.shutdown()
    rdap.server_close()
    assert "EXAMPLE-HOSTING" in page and 'value="abuse@hosting.test"' in page
    client.post(made["Location"] + "recipient/", {"recipient": "abuse@hosting.test"})
    assert _only_request(data_dir)["recipient"] == "abuse@hosting.test"


def _use_smtp(settings: SettingsWrapper, port: int) -> None:
    # pytest-django swaps in Django's in-memory backend; these tests use the real one.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.django_db
@pytest.mark.parametrize("bootstrap", ["one server", "IANA's files"])
def test_finding_the_host_offline_says_so_in_the_pages_language(
    client: Client,
    open_locker: None,
    data_dir: Path,
    settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
    bootstrap: str,
) -> None:
    closed = f"http://127.0.0.1:{_free_port()}/"  # nothing listens there: as good as offline
    if bootstrap == "one server":
        settings.RDAP_SERVER = closed
    else:
        settings.RDAP_SERVER = ""
        monkeypatch.setattr(hosting, "_iana", None)
        monkeypatch.setattr(
            "reclaim.notices._rdap.IANA_BOOTSTRAP_URLS",
            {kind: f"{closed}{kind}.json" for kind in ("dns", "ipv4", "ipv6")},
        )
    settings.CAPTURE_ALLOW_PRIVATE = True
    made = _write(client, f"http://127.0.0.1:{_free_port()}/post/1", "zz", FACTS)
    location = made["Location"].replace("/en/", "/ar/")
    answer = client.post(location + "host/")
    page = answer.content.decode()
    assert answer.status_code == 503 and "Server Error" not in page
    assert 'lang="ar"' in page and "لم يتمكن Reclaim من الحصول على إجابة" in page
    assert _only_request(data_dir)["hosting"] is None, "nothing half-found is kept"
    assert f'action="{location}host/"' in page, "the person can try again later"


def _tree_digest(folder: Path) -> dict[str, str]:
    """Return each file under ``folder`` with the SHA-256 of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _rows() -> dict[str, list[dict[str, Any]]]:
    """Return every row of every table, by model. The session is left out: keeping it alive
    (the idle timer) is the access app's bookkeeping on every page, not the removal pages'."""
    return {
        model._meta.label: [
            {name: bytes(value) if isinstance(value, memoryview) else value
             for name, value in row.items()}
            for row in model.objects.order_by("pk").values()
        ]
        for model in apps.get_models()
        if model is not Session
    }  # fmt: skip


@pytest.mark.django_db
def test_viewing_any_removal_page_writes_nothing(
    client: Client, open_locker: None, data_dir: Path, site: _Site
) -> None:
    incident = _picture_in_the_locker(data_dir, site)
    location = _submitted_request(client, site, data_dir, incident)
    draft = _write(
        client, "https://x.com/a/status/7", "us", {**FACTS, "signer": "", "action": "draft"}
    )
    assert services.run_due_rechecks(), "results wait in the database to be shown"
    site.state = "gone"
    assert services.run_due_rechecks(_later(7))
    before = (_tree_digest(data_dir / "locker"), _rows())
    pages = [
        "/en/locker/requests/", f"/en/locker/requests/new/?incident={incident}",
        "/en/locker/requests/new/write/", location, location + "edit/", location + "print/",
        location + "text/", draft["Location"], draft["Location"] + "edit/",
    ]  # fmt: skip
    for address in pages:
        assert client.get(address).status_code in (200, 302), address
    assert "Reclaim looked again and it is gone." in client.get(location).content.decode()
    assert (_tree_digest(data_dir / "locker"), _rows()) == before
    assert Watch.objects.exclude(results=None).count() == 1, "still waiting for a change"
