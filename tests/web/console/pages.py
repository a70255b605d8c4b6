"""Every console page, with rows enough that each shows what it is for: for the test that no
English is left in another language, and for the browser's checks in English and Arabic.

One member holds every role (so every page opens for one session); a second caseworker holds
a claim and shows on the staff page. The rows are made directly, and the actions whose results
a page shows (a note, a task, a closing, a deletion, a referral) through the pages themselves.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.test import Client

from reclaim.languages import LANGUAGE_CODES
from reclaim.web.console import enrolment
from reclaim.web.console.models import Case, CaseAddress, Helpline, StaffMember

from .fixtures import address, case, days, helpline, member, signed_in
from .referral_files import make

PROFILE = "uk-intimate-image-report"  # a law with 48 hours to act (content/removals)
BOSS = "ada"  # caseworker, supervisor and administrator


@dataclass(frozen=True)
class Page:
    """A console page: its name, its address, and what is posted to it (None: a GET)."""

    name: str
    path: str
    posted: dict[str, str] | None = None
    status: int = 200  # what a GET answers (a POST: 200, or 400 for a refused form)


@dataclass(frozen=True)
class ConsolePages:
    """The helpline, the member who sees every page, and the pages a signed-in member sees."""

    line: Helpline
    boss: StaffMember
    sam: StaffMember
    claimed: int  # the address sam holds a claim on
    invitation: str  # the path of an invitation waiting to be opened (a GET does not use it)

    def pages(self, code: str) -> list[Page]:
        """Return every signed-in page; ``code`` names the case deleted on this visit."""
        return _pages(self.claimed, self.sam.pk, self.invitation, code)


# Before signing in: the sign-in page, and the same page refusing a wrong code.
SIGN_IN = [
    Page("sign-in", "/console/sign-in/"),
    Page("sign-in-refused", "/console/sign-in/",
         {"username": BOSS, "password": "wrong", "otp_token": "000000"}),
]  # fmt: skip


def console_rows(folder: Path) -> ConsolePages:
    """Make a helpline with cases in every state; return the pages to look at."""
    line = helpline("rph", "Test Helpline")
    boss = member(line, BOSS, "caseworker", "supervisor", "administrator")
    sam = member(line, "sam", "caseworker")
    gone = member(line, "gone", "caseworker", active=False)
    StaffMember.objects.filter(pk=gone.pk).update(deactivated_at=days(-3))
    open_case = case(line, "RPH-0001", assigned_to=boss, next_deadline=days(1), country="pl")
    address(open_case, "https://x.com/a/status/1", deadline=days(1), last_checked_at=days(-1))
    claimed = address(open_case, "https://x.com/a/status/2", deadline=days(-1), reappearances=1)
    CaseAddress.objects.filter(pk=claimed.pk).update(claimed_by=sam, claimed_at=days(-1))
    waiting = CaseAddress.Status.TO_SEND
    address(open_case, "https://www.reddit.com/r/a/1", platform="reddit", profile=PROFILE,
            status=waiting)  # fmt: skip
    case(line, "RPH-0002", under_18=True, contact_safe=False)
    with transaction.atomic():
        issued, _voided = enrolment.issue(member(line, "new", "caseworker", device=False), boss)
    client = signed_in(boss)
    _work(client, line, folder)
    return ConsolePages(line, boss, sam, claimed.pk, issued.path)


def _work(client: Client, line: Helpline, folder: Path) -> None:
    """A note, a task, a closed case and a deleted one, and a referral, made through pages."""
    base = "/console/cases/RPH-0001"
    assert client.post(f"{base}/notes/", {"text": "Called back at 6pm."}).status_code == 302
    due = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    task = {"title": "Send the batch", "due_on": due}
    assert client.post(f"{base}/tasks/", task).status_code == 302
    case(line, "RPH-0003")
    closed = {"outcome": "removed", "note": ""}
    assert client.post("/console/cases/RPH-0003/close/", closed).status_code == 302
    for code in LANGUAGE_CODES:  # deleted on each language's visit: the page answers the POST
        case(line, f"RPH-DEL-{code}")
    made = make(folder, line)
    with made.path.open("rb") as file:
        assert client.post("/console/referrals/import/", {"file": file}).status_code == 302
    Case.objects.filter(source=Case.Source.FILE).update(number="RPH-0005")


def _pages(claimed: int, sam: int, invitation: str, code: str) -> list[Page]:
    case_page = "/console/cases/RPH-0001/"
    listed = [
        ("queue", "/console/"),
        ("queue-addresses", "/console/?view=addresses&status="),
        ("intake", "/console/cases/new/"),
        ("case", case_page),
        ("claim", f"{case_page}addresses/{claimed}/claim/"),
        ("notes", f"{case_page}notes/"),
        ("tasks", f"{case_page}tasks/"),
        ("timeline", f"{case_page}timeline/"),
        ("facts", f"{case_page}facts/"),
        ("close", f"{case_page}close/"),
        ("delete", f"{case_page}delete/"),
        ("closed", "/console/cases/RPH-0003/close/"),
        ("under-18", "/console/cases/RPH-0002/"),
        ("referral-case", "/console/cases/RPH-0005/"),
        ("referral-shared", "/console/cases/RPH-0005/shared/"),
        ("referral-import", "/console/referrals/import/"),
        ("batches", "/console/batches/"),
        ("batch", f"/console/batches/reddit/{PROFILE}/"),
        ("statistics", "/console/statistics/"),
        ("audit", "/console/audit/"),
        ("staff", "/console/staff/"),
        ("settings", "/console/settings/"),
        ("password", "/console/password/"),
        ("account", "/console/account/"),
        ("invitation", invitation),
    ]
    return [
        *(Page(name, path) for name, path in listed),
        Page("invitation-unknown", "/console/invitation/no-such-token/", status=404),
        Page("intake-refused", "/console/cases/new/", {"source": "phone"}),
        Page("audit-verified", "/console/audit/verify/", {}),
        Page("invitation-issued", f"/console/staff/{sam}/invite/", {}),
        Page("deleted", f"/console/cases/RPH-DEL-{code}/delete/",
             {"asked_via": "phone", "confirm": "on"}),
    ]  # fmt: skip
