"""An adversarial review of the console: each test is a finding, shown failing before its fix.

Cross-helpline and cross-role reach, audit completeness and the chain, what is left after a
withdrawal, and input that must be refused.
"""

import pytest
from django.utils import timezone

from reclaim.web.console.forms import IntakeForm
from reclaim.web.console.models import Case, CaseAddress, Helpline, Notification, StaffMember

from .fixtures import address, case, helpline, member, signed_in


@pytest.fixture
def line() -> Helpline:
    return helpline()


@pytest.fixture
def sam(line: Helpline) -> StaffMember:
    return member(line, "sam", "caseworker")


def intake(**changes: str) -> dict[str, str]:
    form = {
        "source": "phone",
        "contact_method": "phone",
        "contact": "07700 900456",
        "contact_safe": "yes",
        "country": "gb",
        "under_18": "no",
        "summary": "Shared by an ex-partner",
        "pasted": "https://www.reddit.com/r/example/comments/abc123/",
    }
    return {**form, **changes}


def test_intake_offers_only_phone_email_and_chat() -> None:
    offered = {value for value, _label in IntakeForm().fields["source"].choices}
    assert offered == {"phone", "email", "chat"}


@pytest.mark.parametrize("source", ["file", "referral"])
def test_intake_refuses_a_referral_source(sam: StaffMember, source: str) -> None:
    # A referral's case comes only from a referral (the API or an imported file): its shared
    # page, consent and withdrawal assume a Referral row that intake never makes.
    response = signed_in(sam).post("/console/cases/new/", intake(source=source))
    assert response.status_code == 400 and not Case.objects.exists()


def _reappeared(item: Case, url: str) -> Notification:
    found = address(item, url, status=CaseAddress.Status.REAPPEARED)
    return Notification.objects.create(
        helpline_id=item.helpline_id,
        member_id=item.assigned_to_id,
        case=item,
        address=found,
        kind=Notification.Kind.REAPPEARED,
        created_at=timezone.now(),
    )


def test_a_notification_follows_its_case_when_it_is_handed_over(
    line: Helpline, sam: StaffMember
) -> None:
    kim = member(line, "kim", "caseworker")
    mine = case(line, "2026-000001", assigned_to=sam)
    note = _reappeared(mine, "https://example.com/back-again/1")
    sam_client = signed_in(sam)
    assert "back-again" in sam_client.get("/console/").content.decode()
    sam_client.post("/console/cases/2026-000001/assign/", {"member": kim.pk})
    # Sam no longer sees the case: the notification must not show him its address any more,
    # nor may he mark it read for the caseworker it now belongs to.
    assert "back-again" not in sam_client.get("/console/").content.decode()
    sam_client.post(f"/console/notifications/{note.pk}/read/")
    note.refresh_from_db()
    assert note.read_at is None
    assert "back-again" in signed_in(kim).get("/console/").content.decode()
