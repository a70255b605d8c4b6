"""A referral end to end: a survivor's own Reclaim asks a helpline's Reclaim for help, for real.

Two Reclaims talk over real HTTP(S) on loopback, each as it runs:
- the survivor's: `reclaim serve` in personal mode, in another process with its own SQLite and
  data folder, its locker a copy of the template locker with an incident, two pictures
  (scikit-image's sample photographs) and a removal request put in before it starts. The
  survivor uses its pages with an HTTP client (the locker opened with its passphrase); the
  site reaches the helpline through the address gate's loopback_only policy and trusts the
  test's CA (RECLAIM_REFERRAL_ALLOW_LOOPBACK and RECLAIM_REFERRAL_CA_FILE, for tests only);
- the helpline's: pytest-django's live server in service mode, on this test's database
  (SQLite or PostgreSQL), behind a TLS front on loopback as a deployment sits behind its proxy.
  The caseworker's requests go through the same front, with a signed-in session.
Nothing is replaced: the referral is made, sealed, sent, received, opened, listed, withdrawn
and deleted by the product's own code on both sides.
"""

import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.locker import Incident, Locker
from reclaim.notices import LockerRequestStore, RequestFacts, add, new_request
from reclaim.referrals import shared_referral
from reclaim.web.console import keys
from reclaim.web.console.models import (
    AuditEntry,
    Case,
    CaseAddress,
    Referral,
    ReferralContent,
    ReferralItem,
)
from reclaim.web.console.referrals import OPENING_ACTIONS, stamp

from ...lockers import copy_locker, template
from ...loopback import serving
from ..conftest import PASSPHRASE
from ..helpline_standin import directory_file
from .fixtures import helpline, member, signed_in
from .referral_files import photo
from .test_referrals_live import certificates, tls_front

pytestmark = pytest.mark.django_db(transaction=True)
MESSAGE = "Please help me get these taken down"
FORUM = "https://forum.example/t/1"
POST = "https://x.com/a/status/1"
NOT_SHARED = "He says he will send more"


@dataclass(frozen=True)
class Kept:
    """What the survivor's locker holds (ids), put there before their site starts."""

    incident: str
    other_incident: str
    picture: str
    other_picture: str
    request: str


def fill(folder: Path) -> Kept:
    """Put a locker in ``folder`` as the survivor's site keeps it, with what they will choose
    from (a copy of the template locker: no Argon2id wait here, one at the unlock page)."""
    box, _code = copy_locker(folder, PASSPHRASE)
    incident = box.add_incident(Incident("shared", "Posted on a forum", urls=(FORUM,))).id
    other = box.add_incident(Incident("threatened", NOT_SHARED)).id
    picture = box.add(photo("chelsea"), "chelsea.png", "image/png", incident=incident).id
    other_picture = box.add(photo("coffee"), "coffee.png", "image/png").id
    facts = RequestFacts(locations=(POST,), description="shared without consent")
    request = new_request(POST, facts, "x", 0, "general", "gb", "person", incident_id=incident)
    add(LockerRequestStore(box), request)
    return Kept(incident, other, picture, other_picture, request.id)


@pytest.fixture
def front(live_server: Any, tmp_path: Path, settings: SettingsWrapper) -> Iterator[str]:
    """The helpline's Reclaim over HTTPS on loopback: https://localhost:PORT."""
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
    _ca, context = certificates(tmp_path)
    host, port = live_server.url.removeprefix("http://").split(":")
    for port_ in tls_front(context, (host, int(port))):
        yield f"https://localhost:{port_}"


def survivor_site(tmp_path: Path, address: str, recipient: str, database: Path) -> Any:
    """Start the survivor's site, naming the helpline at ``address`` in its directory (its
    database a copy of the migrated one)."""
    directory = directory_file(tmp_path, address, recipient)
    return serving(
        tmp_path / "survivor",
        "https://www.bbc.co.uk/weather",  # the exit button's page: a link, never fetched
        database,
        RECLAIM_LOCKER_CALIBRATE="false",
        RECLAIM_REFERRAL_DIRECTORY=str(directory),
        RECLAIM_REFERRAL_ALLOW_LOOPBACK="true",
        RECLAIM_REFERRAL_CA_FILE=str(tmp_path / "ca.pem"),
    )


def page(answer: httpx.Response, status: int = 200) -> str:
    """Return the page's text once its status is ``status``."""
    assert answer.status_code == status, (answer.status_code, answer.text[:3000])
    return answer.text


def moved(answer: httpx.Response) -> str:
    """Return where a form's answer sends the browser next (a 302, as the pages answer)."""
    page(answer, 302)
    return str(answer.headers["Location"])


def test_a_survivor_asks_a_helpline_for_help_and_stops_sharing(
    front: str, tmp_path: Path, migrated_sqlite: Path
) -> None:
    line = helpline()
    address = f"{front}/helplines/{line.slug}"
    folder = tmp_path / "survivor" / "locker"
    kept = fill(folder)
    kim = member(line, "kim", "caseworker")
    session = {name: value.value for name, value in signed_in(kim).cookies.items()}
    trust = ssl.create_default_context(cafile=tmp_path / "ca.pem")
    with (
        survivor_site(tmp_path, address, line.recipient, migrated_sqlite) as origin,
        # The survivor's browser: its forms say they come from the site itself.
        httpx.Client(base_url=origin, headers={"Origin": origin}, timeout=30) as survivor,
        # The caseworker's, signed in (password and second factor, as sign-in leaves it).
        httpx.Client(base_url=front, cookies=session, verify=trust, timeout=30) as worker,
    ):
        moved(survivor.post("/en/locker/unlock/", data={"passphrase": PASSPHRASE}))

        # From the incident's page, "Ask a helpline for help" with that incident chosen.
        incident = page(survivor.get(f"/en/locker/incidents/{kept.incident}/"))
        link = f"/en/locker/helplines/ask/?incident={kept.incident}"
        assert f'href="{link}"' in incident
        ask = page(survivor.get(link))
        ticked = re.findall(r'<input[^>]*value="([^"]+)"[^>]*checked', ask)
        assert [value for value in ticked if value != "30"] == [kept.incident]

        chosen = {
            "helpline": "test-helpline", "incidents": [kept.incident],
            "items": [kept.picture], "requests": [kept.request], "under_18": "no",
            "message": MESSAGE, "contact_method": "email",
            "contact_address": "jo.safe@example.org", "contact_safe": "yes",
            "contact_note": "evenings", "days": "30",
        }  # fmt: skip
        check = page(survivor.post("/en/locker/helplines/ask/", data={**chosen, "action": "check"}))
        assert "chelsea.png" in check and "coffee.png" not in check and NOT_SHARED not in check
        mine = moved(survivor.post("/en/locker/helplines/ask/", data={**chosen, "action": "send"}))
        assert "Sent on" in page(survivor.get(mine))

        # The case is in the helpline's console, with exactly what was chosen.
        case = Case.objects.get(helpline=line, source=Case.Source.REFERRAL)
        referral = Referral.objects.get(helpline=line, case_id=case.pk)
        assert mine.rstrip("/").endswith(referral.referral_id)
        summary = keys.unseal_text(line, case.sealed_summary)
        assert MESSAGE in summary and NOT_SHARED not in summary
        assert set(case.addresses.values_list("url", flat=True)) == {FORUM, POST}

        # A caseworker opens it, over the same HTTPS front; each opening is audited.
        shared_page = f"/console/cases/{case.number}/shared/"
        picture = f"{shared_page}{kept.picture}/picture/"
        assert MESSAGE in page(worker.get(f"/console/cases/{case.number}/"))
        listed = page(worker.get(shared_page))
        assert "chelsea.png" in listed and "coffee.png" not in listed
        shown = worker.get(picture)
        assert shown.status_code == 200 and shown.content.startswith(b"\x89PNG")
        assert worker.get(f"{shared_page}{kept.other_picture}/picture/").status_code == 404
        seen = AuditEntry.objects.filter(helpline=line, member=kim, case_id=case.pk)
        assert seen.count() >= 3, list(seen.values_list("action", flat=True))

        # The survivor asks who opened it: the caseworker's openings, by role.
        assert moved(survivor.post(f"{mine}openings/")) == mine
        opened = page(survivor.get(mine))
        assert "a caseworker" in opened
        assert "a supervisor" not in opened and "an administrator" not in opened
        box = Locker.resume(folder, template(PASSPHRASE).key)  # read only, as it is on disk
        record = shared_referral(box, referral.referral_id)
        openings = seen.filter(action__in=OPENING_ACTIONS)
        assert {(each.at_utc, each.role) for each in record.openings} == {
            (stamp(entry.at), "caseworker") for entry in openings
        }, "every opening the audit log holds, with its role, is in the survivor's locker"

        # The survivor stops sharing; the helpline loses it at once.
        assert moved(survivor.post(f"{mine}stop/", data={"confirm": "yes"})) == mine
        assert "You stopped sharing" in page(survivor.get(mine))

        # The caseworker's next request to what was shared is refused.
        assert worker.get(shared_page).status_code == 410
        assert worker.get(picture).status_code == 404
    referral.refresh_from_db()
    case.refresh_from_db()
    assert referral.withdrawn_at is not None
    assert not ReferralContent.objects.exists(), "the manifest and its item keys are gone"
    assert not ReferralItem.objects.exists(), "and every item's sealed bytes"
    assert case.sealed_summary is None and case.sealed_contact is None
    assert not CaseAddress.objects.filter(case=case).exists()
    assert case.status == Case.Status.CLOSED
    assert AuditEntry.objects.filter(case_id=case.pk, action="withdraw referral").exists()
