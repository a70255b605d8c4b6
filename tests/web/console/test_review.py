"""An adversarial review of the console: each test is a finding, shown failing before its fix.

Cross-helpline and cross-role reach, audit completeness and the chain, what is left after a
withdrawal, and input that must be refused.
"""

import pytest

from reclaim.web.console.forms import IntakeForm
from reclaim.web.console.models import Case, Helpline, StaffMember

from .fixtures import helpline, member, signed_in


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
