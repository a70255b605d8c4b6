"""Asking a helpline for help from the locker: choosing, checking, sending, a file, openings,
stopping (and a helpline out of reach), and what was typed kept across pages.

The helpline is tests/web/helpline_standin.py, a real HTTPS server on loopback standing in
for the helpline's own /api/v1/referrals. The only thing replaced is the client's address
policy and trusted CA (loopback and the test's CA instead of public addresses and the system's).
"""

import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.addresses import AddressRefusedError, loopback_only
from reclaim.locker import Incident, Locker
from reclaim.referrals import (
    ReferralClient,
    Selection,
    make_referral,
    open_referral,
    shared_referral,
    shared_referrals,
)
from reclaim.web.sharing import services
from reclaim.web.sharing.models import PendingWithdrawal

from .conftest import personal_locker, png_bytes
from .helpline_standin import HELPLINE_NAME, Helpdesk, directory_file, helpline_server
from .test_locker_reads import _state

pytestmark = pytest.mark.django_db
ASK = "/en/locker/helplines/ask/"
TYPED = "Please help me get these taken down"


@dataclass
class Case:
    desk: Helpdesk
    data_dir: Path
    incident: str
    photo: str
    message: str  # an item that is typed words, not media
    young: str  # an incident where someone was under 18

    @property
    def box(self) -> Locker:
        """The locker as it is on disk now (a Locker object keeps what it read)."""
        return personal_locker(self.data_dir)


@pytest.fixture
def case(
    client: Client,
    open_locker: None,
    data_dir: Path,
    settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Case]:
    with helpline_server(data_dir / "helpline") as (desk, address, context):
        recipient = str(desk.identity.to_public())
        settings.REFERRAL_DIRECTORY = directory_file(data_dir, address, recipient)
        gated = ReferralClient(policy=loopback_only, timeout_seconds=5.0, verify=context)
        monkeypatch.setattr(services, "client", lambda: gated)
        box = personal_locker(data_dir)
        incident = box.add_incident(Incident("shared", "posted without asking")).id
        young = box.add_incident(Incident("shared", "when I was 16", under_18=True)).id
        photo = box.add(io.BytesIO(png_bytes()), "photo.png", "image/png", incident=incident).id
        words = box.add_message("Pay or I post it", "an account", "").id
        yield Case(desk, data_dir, incident, photo, words, young)


def _fields(case: Case, action: str, **more: object) -> dict[str, object]:
    return {
        "helpline": "test-helpline", "incidents": [case.incident], "items": [case.photo],
        "under_18": "no", "message": TYPED, "contact_method": "email",
        "contact_address": "jo.safe@example.org", "contact_safe": "yes",
        "contact_note": "evenings only", "days": "90", "action": action, **more,
    }  # fmt: skip


def _sent(client: Client, case: Case) -> str:
    made = client.post(ASK, _fields(case, "send"))
    assert made.status_code == 302, made.content.decode()[:2000]
    return str(made["Location"]).rstrip("/").rsplit("/", 1)[-1]


def test_only_helplines_taking_referrals_are_offered_and_nothing_is_chosen(
    client: Client, case: Case
) -> None:
    page = client.get(ASK).content.decode()
    assert HELPLINE_NAME in page and "Revenge Porn Helpline" not in page
    assert 'name="items" value="' + case.photo in page
    assert (
        re.findall(r'<input[^>]*name="(?:helpline|incidents|items|requests)"[^>]*checked', page)
        == []
    ), "nothing is chosen until chosen"


def test_with_no_helpline_the_page_says_so_and_leads_to_the_helplines(
    client: Client, open_locker: None, settings: SettingsWrapper
) -> None:
    settings.REFERRAL_DIRECTORY = None
    page = client.get(ASK).content.decode()
    assert "No helpline can receive" in page and 'href="/en/helplines/"' in page


def test_under_18_refuses_media_says_why_and_routes_to_the_services(
    client: Client, case: Case
) -> None:
    for fields in (
        _fields(case, "check", under_18="yes"),
        _fields(case, "send", under_18="not-sure"),
        _fields(case, "send", incidents=[case.young]),
    ):
        refused = client.post(ASK, fields)
        assert refused.status_code == 400
        page = refused.content.decode()
        assert "No pictures when someone was under 18" in page and "Report Remove" in page
    assert shared_referrals(case.box) == [] and case.desk.calls == []
    messages_only = _fields(case, "send", incidents=[case.young], items=[case.message])
    assert client.post(ASK, messages_only).status_code == 302
    [made] = shared_referrals(case.box)
    assert made.under_18 and made.items == (case.message,)


def test_the_confirmation_lists_exactly_what_is_shared_and_sends_nothing(
    client: Client, case: Case
) -> None:
    page = client.post(ASK, _fields(case, "check")).content.decode()
    assert "Check what will be shared" in page and HELPLINE_NAME in page
    assert "photo.png" in page and "Pay or I post it" not in page and TYPED in page
    assert "jo.safe@example.org" in page and "posted without asking" in page
    assert "when I was 16" not in page
    assert shared_referrals(case.box) == [] and case.desk.calls == []
    unsafe = client.post(ASK, _fields(case, "check", contact_safe="no")).content.decode()
    assert "jo.safe@example.org" not in unsafe.split("<form")[0].split("Check what")[1]


def test_sending_shares_only_what_was_chosen_and_keeps_the_record(
    client: Client, case: Case, data_dir: Path
) -> None:
    referral_id = _sent(client, case)
    opened = open_referral(case.desk.received[referral_id], str(case.desk.identity))
    assert [item.id for item in opened.manifest.items] == [case.photo]
    assert [incident.id for incident in opened.manifest.incidents] == [case.incident]
    assert opened.manifest.message == TYPED and opened.manifest.contact is not None
    assert opened.manifest.contact.address == "jo.safe@example.org"
    assert b"".join(opened.read_item(case.photo)) == png_bytes()
    kept = shared_referral(case.box, referral_id)
    assert kept.sent_utc and kept.items == (case.photo,) and not kept.withdrawn
    assert not services.referral_file("personal", referral_id).exists(), "no copy stays"
    page = client.get(f"/en/locker/helplines/{referral_id}/").content.decode()
    assert "Sent on" in page and "photo.png" in page
    assert client.get(ASK).content.decode().count(TYPED) == 0, "the draft is done with"


def test_an_unsafe_contact_is_not_shared(client: Client, case: Case) -> None:
    referral_id = client.post(ASK, _fields(case, "send", contact_safe="no"))["Location"]
    referral_id = str(referral_id).rstrip("/").rsplit("/", 1)[-1]
    opened = open_referral(case.desk.received[referral_id], str(case.desk.identity))
    assert opened.manifest.contact is None


def test_a_failed_send_keeps_the_file_and_what_was_typed_and_sends_later(
    client: Client, case: Case
) -> None:
    case.desk.down = True
    failed = client.post(ASK, _fields(case, "send"))
    assert failed.status_code == 502
    assert "could not be reached, so nothing was sent" in failed.content.decode()
    [made] = shared_referrals(case.box)
    assert not made.sent_utc
    assert TYPED in client.get(ASK).content.decode(), "what was typed is still there"
    saved = client.get(f"/en/locker/helplines/{made.id}/file/")
    body = b"".join(saved.streaming_content)  # type: ignore[attr-defined]
    assert body.startswith(b"RCLMREF") and "attachment" in saved["Content-Disposition"]
    case.desk.down = False
    assert client.post(f"/en/locker/helplines/{made.id}/send/").status_code == 302
    assert shared_referral(case.box, made.id).sent_utc and made.id in case.desk.received


def test_a_file_to_carry_opens_on_the_helplines_side(
    client: Client, case: Case, tmp_path: Path
) -> None:
    made = client.post(ASK, _fields(case, "file"))
    assert made.status_code == 302 and case.desk.calls == []
    referral_id = str(made["Location"]).rstrip("/").rsplit("/", 1)[-1]
    page = client.get(made["Location"]).content.decode()
    assert "Not sent yet" in page and "Save the file" in page
    saved = client.get(f"/en/locker/helplines/{referral_id}/file/")
    (tmp_path / "carried").write_bytes(b"".join(saved.streaming_content))  # type: ignore[attr-defined]
    opened = open_referral(tmp_path / "carried", str(case.desk.identity))
    assert opened.manifest.id == referral_id


def test_who_opened_it_is_asked_kept_and_shown(client: Client, case: Case) -> None:
    referral_id = _sent(client, case)
    case.desk.openings[referral_id].append({"at_utc": "2026-12-02T10:00:00+00:00",
                                           "role": "caseworker"})  # fmt: skip
    checked = client.post(f"/en/locker/helplines/{referral_id}/openings/")
    assert checked.status_code == 302
    [opening] = shared_referral(case.box, referral_id).openings
    assert opening.role == "caseworker"
    assert "a caseworker" in client.get(checked["Location"]).content.decode()
    case.desk.down = True
    unreachable = client.post(f"/en/locker/helplines/{referral_id}/openings/")
    assert unreachable.status_code == 502 and "a caseworker" in unreachable.content.decode()


def test_stopping_asks_first_then_the_helpline_deletes_it(client: Client, case: Case) -> None:
    referral_id = _sent(client, case)
    stop = f"/en/locker/helplines/{referral_id}/stop/"
    assert "Yes, stop sharing" in client.get(stop).content.decode()
    assert client.post(stop).status_code == 200, "without the confirmation nothing happens"
    assert case.desk.withdrawn == {}
    assert client.post(stop, {"confirm": "yes"}).status_code == 302
    assert referral_id in case.desk.withdrawn and referral_id not in case.desk.received
    assert shared_referral(case.box, referral_id).withdrawn
    assert (
        "You stopped sharing" in client.get(f"/en/locker/helplines/{referral_id}/").content.decode()
    )


def test_stopping_while_unreachable_never_pretends_and_the_worker_keeps_asking(
    client: Client, case: Case
) -> None:
    referral_id = _sent(client, case)
    case.desk.down = True
    stopped = client.post(f"/en/locker/helplines/{referral_id}/stop/", {"confirm": "yes"})
    assert stopped.status_code == 502
    assert "has not confirmed that it stopped" in stopped.content.decode()
    assert not shared_referral(case.box, referral_id).withdrawn
    listed = client.get("/en/locker/helplines/").content.decode()
    assert "the helpline has not answered yet" in listed
    [row] = PendingWithdrawal.objects.all()
    assert services.retry_withdrawals() == 1 and case.desk.withdrawn == {}, "still down"
    assert services.retry_withdrawals() == 0, "it waits before asking again"
    case.desk.down = False
    PendingWithdrawal.objects.update(next_try=row.next_try)
    assert services.retry_withdrawals() == 1 and referral_id in case.desk.withdrawn
    assert not shared_referral(case.box, referral_id).withdrawn, "kept on the next change"
    assert "You stopped sharing" in client.get("/en/locker/helplines/").content.decode()
    client.post(f"/en/locker/helplines/{referral_id}/openings/")  # any change keeps it
    assert shared_referral(case.box, referral_id).withdrawn
    assert not PendingWithdrawal.objects.exists()


def test_what_was_typed_survives_a_reload_and_going_back(client: Client, case: Case) -> None:
    client.post(ASK, _fields(case, "check"))
    again = client.get(ASK).content.decode()
    assert TYPED in again and f'value="{case.photo}"' in again
    assert re.search(rf'<input[^>]*value="{case.photo}"[^>]*checked', again)
    back = client.post(ASK, _fields(case, "change")).content.decode()
    assert TYPED in back and "Check what will be shared" in back
    assert TYPED in client.get(ASK).content.decode(), "a second reload keeps it too"
    client.post(ASK, {"action": "start-again"})
    assert TYPED not in client.get(ASK).content.decode()


def test_the_pages_write_nothing(client: Client, case: Case, data_dir: Path) -> None:
    referral_id = client.post(ASK, _fields(case, "file"))["Location"]
    client.post(ASK, _fields(case, "check"))
    before = _state(data_dir)
    for page in ("/en/locker/helplines/", ASK, referral_id, f"{referral_id}stop/",
                 f"{referral_id}file/"):  # fmt: skip
        response = client.get(page)
        assert response.status_code == 200, page
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert _state(data_dir) == before


def _ticked(page: str) -> list[str]:
    pattern = (
        r'<input[^>]*name="(?:helpline|incidents|items|requests)"[^>]*value="([^"]+)"[^>]*checked'
    )
    return re.findall(pattern, page)


def test_an_incidents_page_asks_for_help_with_that_incident_ticked(
    client: Client, case: Case
) -> None:
    link = f"{ASK}?incident={case.incident}"
    assert f'href="{link}"' in client.get(f"/en/locker/incidents/{case.incident}/").content.decode()
    assert _ticked(client.get(link).content.decode()) == [case.incident], "that one, no more"
    assert _ticked(client.get(f"{ASK}?incident=not-in-the-locker").content.decode()) == []
    client.post(ASK, _fields(case, "check", incidents=[]))  # what was typed is kept...
    kept = client.get(link).content.decode()
    chosen = ["test-helpline", case.photo]
    assert TYPED in kept and sorted(_ticked(kept)) == sorted([*chosen, case.incident])
    assert sorted(_ticked(client.get(ASK).content.decode())) == sorted(chosen), "kept as it was"


def test_an_expired_referral_is_shown_as_ended(client: Client, case: Case) -> None:
    chosen = Selection(
        incidents=(case.incident,), items=(), requests=(), days=30, contact=None,
        message="", under_18=False,
    )  # fmt: skip
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=31)
    made = make_referral(
        case.box, services.helpline("test-helpline"), chosen, case.data_dir / "old", long_ago
    )
    listed = client.get("/en/locker/helplines/").content.decode()
    assert "Sharing ended on" in listed and "Shared until" not in listed
    page = client.get(f"/en/locker/helplines/{made.id}/").content.decode()
    assert "can no longer open the pictures and files" in page
    assert f"/en/locker/helplines/{made.id}/stop/" in page, "stopping still deletes the rest"


def test_the_site_reaches_a_loopback_helpline_only_with_the_test_setting(
    client: Client, open_locker: None, data_dir: Path, settings: SettingsWrapper
) -> None:
    """The site's own client, from its settings (no client replaced here)."""
    with helpline_server(data_dir / "helpline") as (desk, address, _context):
        recipient = str(desk.identity.to_public())
        settings.REFERRAL_DIRECTORY = directory_file(data_dir, address, recipient)
        settings.REFERRAL_CA_FILE = data_dir / "helpline" / "ca.pem"  # the stand-in's CA
        box = personal_locker(data_dir)
        incident = box.add_incident(Incident("shared", "posted without asking")).id
        fields = {"helpline": "test-helpline", "incidents": [incident], "under_18": "no",
                  "days": "30", "action": "send"}  # fmt: skip
        settings.REFERRAL_ALLOW_LOOPBACK = False
        assert client.post(ASK, fields).status_code == 502
        [made] = shared_referrals(personal_locker(data_dir))  # as it is on disk now
        settings.REFERRAL_ALLOW_LOOPBACK, settings.SERVICE = True, True  # refused at start-up
        with pytest.raises(AddressRefusedError):
            services.client().send(made.address, services.referral_file("personal", made.id))
        assert desk.calls == [], "refused by the address gate before any connection"
        settings.SERVICE = False
        assert client.post(f"/en/locker/helplines/{made.id}/send/").status_code == 302
        assert made.id in desk.received
