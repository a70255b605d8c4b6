"""The helpline console in a real Chromium, against pytest-django's live server (a real WSGI
server on loopback, in service mode, on the test database: SQLite or PostgreSQL).

Two journeys, each one sign-in with a password and a real TOTP code typed key by key:
at 390 px, intake (its draft saved on the server as it is typed, then a reload and a Back),
the case page, a claim, a note, a task and the queue filtered and sorted; at desktop width,
the same pages looked at, then a note typed past the idle time, which comes back on the
sign-in page rather than vanishing.
Every page passes axe, fetches nothing from another host, and at 390 px does not scroll
sideways. Rows other than those the flow makes are created directly, and the idle time passes
on the session's clock rather than being waited for. Both journeys use the worker's console
tab (tests/browser/console_site.py).

Set RECLAIM_SCREENSHOTS to a folder to keep a picture of each page the journeys pass.
"""

import re
from importlib import import_module

import pytest
from django.conf import settings
from playwright.sync_api import Page, Request, ViewportSize, expect

from reclaim.web.console.access import SEEN
from reclaim.web.console.models import Case, CaseAddress, Draft, Helpline, StaffMember

from ..web.console import fixtures
from .console_site import (  # noqa: F401  # fixtures
    DESKTOP,
    PASSWORD,
    PHONE,
    USERNAME,
    _console_tab,
    console_origin,
    console_tab,
    look,
    orm_beside_playwright,
    screenshot,
)

PASTED = """From the survivor's email:
https://x.com/someone/status/111
https://x.com/someone/status/222
  https://x.com/someone/status/111
and also https://www.reddit.com/r/somewhere/comments/abc/
https://x.com/someone/status/222
"""


@pytest.fixture
def console(console_origin: str) -> tuple[str, StaffMember]:  # noqa: F811
    """The console's origin and a caseworker (with a confirmed device) of one helpline."""
    line = fixtures.helpline()
    member = fixtures.member(line, USERNAME, "caseworker")
    member.user.set_password(PASSWORD)
    member.user.save()
    _other_cases(line, member)
    return console_origin, member


def _other_cases(line: Helpline, member: StaffMember) -> None:
    """Cases already in the queue: two open (deadlines apart), one closed, one elsewhere."""
    soon = fixtures.case(line, "RPH-SOON", assigned_to=member, next_deadline=fixtures.days(1))
    fixtures.address(soon, "https://x.com/a/status/1", deadline=fixtures.days(1))
    later = fixtures.case(line, "RPH-LATER", next_deadline=fixtures.days(3), country="pl")
    fixtures.address(later, "https://x.com/b/status/2", deadline=fixtures.days(3))
    fixtures.case(line, "RPH-CLOSED", status=Case.Status.CLOSED, country="pl")


class Visit:
    """The tab at one width: every page it shows is checked the same way."""

    def __init__(self, page: Page, origin: str, size: ViewportSize, name: str) -> None:
        self.page = page
        page.set_viewport_size(size)
        self.origin, self.width, self.name = origin, size["width"], name
        self.elsewhere: list[str] = []
        self.page.on("request", self._note)
        self.problems: list[str] = []

    def _note(self, request: Request) -> None:
        if not request.url.startswith(self.origin + "/"):
            self.elsewhere.append(request.url)

    def check(self, what: str) -> None:
        """Run axe, look for sideways scrolling and keep a screenshot if asked."""
        found = look(self.page)
        if found.axe:
            self.problems.append(f"{what}:\n{found.axe}")
        if found.width > self.width:
            self.problems.append(f"{what}: {found.width} px wide at {self.width} px")
        screenshot(self.page, f"{self.name}-{what}")

    def sign_in(self, member: StaffMember, step: int = 0) -> None:
        """Sign in as a person does; ``step`` 1 types the app's next code (django-otp refuses
        a code used before, and a second sign-in may come within the same 30 seconds)."""
        page = self.page
        expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
        self.check("sign-in")
        page.get_by_label("Username").press_sequentially(USERNAME)
        page.get_by_label("Password").press_sequentially(PASSWORD)
        device = member.user.totpdevice_set.get()
        page.get_by_label(re.compile("code", re.I)).press_sequentially(
            fixtures.current_code(device, step)
        )
        page.get_by_role("button", name="Sign in").click()

    def finish(self) -> None:
        self.page.remove_listener("request", self._note)
        assert self.elsewhere == [], "console pages fetch only from their own site"
        assert self.problems == [], "\n".join(self.problems)


@pytest.fixture
def phone(console: tuple[str, StaffMember], console_tab: Page) -> Visit:  # noqa: F811
    return Visit(console_tab, console[0], PHONE, "390")


def test_a_caseworker_opens_and_works_a_case_at_phone_width(
    console: tuple[str, StaffMember], phone: Visit
) -> None:
    origin, member = console
    page = phone.page
    page.goto(origin + "/console/")
    phone.sign_in(member)
    expect(page.get_by_role("heading", name="Queue: cases")).to_be_visible()
    phone.check("queue")
    _sorted_and_filtered(phone)

    page.get_by_role("link", name="New case").click()
    expect(page.get_by_role("heading", name="New case")).to_be_visible()
    phone.check("intake")
    _type_intake(page)
    _typing_survives_reload_and_back(page)
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Case .* opened$"))).to_be_visible()
    assert "Addresses recognised: 3." in page.content()
    assert "Repeats, each kept once: 2." in page.content()
    phone.check("opened")

    page.get_by_role("link", name="Go to the case").click()
    number = page.get_by_role("heading", level=1).inner_text().removeprefix("Case ")
    case = Case.objects.get(number=number)
    assert (case.contact_safe, case.country) == (False, "pl")
    assert sorted(case.addresses.values_list("url", flat=True)) == [
        "https://www.reddit.com/r/somewhere/comments/abc/",
        "https://x.com/someone/status/111",
        "https://x.com/someone/status/222",
    ]
    assert "07700 900456" not in page.content(), "an unsafe contact is never shown"
    expect(page.get_by_text("Not safe to contact")).to_be_visible()
    phone.check("case")
    _claim_note_task(phone, number)
    phone.finish()


def _sorted_and_filtered(visit: Visit) -> None:
    """Open cases, nearest deadline first; then only Poland's (the closed one stays out)."""
    page = visit.page
    numbers = page.locator("table a.case-number").all_inner_texts()
    assert numbers == ["RPH-SOON", "RPH-LATER"], numbers
    page.get_by_label("Country").select_option("pl")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table a.case-number")).to_have_text(["RPH-LATER"])
    page.get_by_label("Status").select_option("")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table a.case-number")).to_have_text(["RPH-LATER", "RPH-CLOSED"])
    visit.check("queue-filtered")


def _type_intake(page: Page) -> None:
    page.get_by_label("How they reached us").select_option("phone")
    page.get_by_label("How to reach them").select_option("phone")
    page.get_by_label("Contact details").fill("07700 900456")
    page.get_by_label("No, or not sure: never use it").check()
    page.get_by_label("Country they live in").select_option("pl")
    page.get_by_label("No", exact=True).check()
    page.get_by_label("What happened").press_sequentially(
        "Her Ex posted them; She wants them down."
    )
    page.get_by_label("Addresses where the content is").fill(PASTED)


def _typing_survives_reload_and_back(page: Page) -> None:
    def typed() -> tuple[str, str, str]:
        return (
            page.get_by_label("What happened").input_value(),
            page.get_by_label("Addresses where the content is").input_value(),
            page.get_by_label("Country they live in").input_value(),
        )

    before = typed()
    # Saved on the server a moment after typing stops (sealed), never in the browser's storage.
    expect(page.get_by_text(re.compile("^Draft saved .* at"))).to_be_visible()
    assert page.evaluate("window.sessionStorage.length + window.localStorage.length") == 0
    assert Draft.objects.count() == 1
    page.reload()
    assert typed() == before, "a reload keeps what was typed"
    page.get_by_role("link", name="Queue").first.click()
    expect(page.get_by_role("heading", name="Queue: cases")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", name="New case")).to_be_visible()
    assert typed() == before, "going back keeps what was typed"


def _claim_note_task(visit: Visit, number: str) -> None:
    page = visit.page
    page.get_by_role("button", name="Claim https://x.com/someone/status/111").click()
    expect(page.get_by_text(f"Claimed by {USERNAME} since")).to_have_count(1)
    assert CaseAddress.objects.get(url="https://x.com/someone/status/111").claimed_by_id
    visit.check("case-claimed")

    page.get_by_role("link", name="Notes").click()
    # Looked at once the notes page is there: a look while the case page was being replaced
    # found no document (seen once, in a run at load average 17).
    expect(page.get_by_label("New note")).to_be_visible()
    visit.check("notes")
    page.get_by_label("New note").fill("Called back; Safe to email after 6pm.")
    page.get_by_role("button", name="Keep the note").click()
    expect(page.get_by_text("Called back; Safe to email after 6pm.")).to_be_visible()
    visit.check("notes-kept")

    page.get_by_role("link", name=f"Back to case {number}").click()
    page.get_by_role("link", name="Tasks").click()
    page.get_by_label("What is to be done").fill("Send the batch to X")
    page.get_by_label("Due on").fill("2031-01-02")
    page.get_by_role("button", name="Add the task").click()
    expect(page.get_by_role("cell", name="Send the batch to X", exact=True)).to_be_visible()
    visit.check("tasks")


def test_at_desktop_width_idling_asks_to_sign_in_and_keeps_what_was_typed(
    console: tuple[str, StaffMember],
    console_tab: Page,  # noqa: F811
) -> None:
    origin, member = console
    visit = Visit(console_tab, origin, DESKTOP, "desktop")
    page = visit.page
    page.goto(origin + "/console/cases/RPH-SOON/")
    visit.sign_in(member)
    expect(page.get_by_role("heading", name="Case RPH-SOON")).to_be_visible()
    visit.check("case")
    page.get_by_role("link", name="Queue").first.click()
    expect(page.get_by_role("heading", name="Queue: cases")).to_be_visible()
    visit.check("queue")
    page.goto(origin + "/console/cases/RPH-SOON/notes/")
    visit.check("notes")
    words = "She Called at 3pm; the Second account is new."
    page.get_by_label("New note").fill(words)
    # The draft is saved (and the session kept alive by it) before the idle time passes.
    expect(page.get_by_text(re.compile("^Draft saved .* at"))).to_be_visible()

    _idle_for(page, settings.STAFF_IDLE_SECONDS + 60)
    page.get_by_role("button", name="Keep the note").click()
    expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    expect(page.get_by_text("was not kept")).to_be_visible()
    assert page.get_by_label("What you wrote (not kept)").input_value() == words
    visit.check("signed-out")
    visit.sign_in(member, step=1)
    expect(page.get_by_role("heading", name="Notes on case RPH-SOON")).to_be_visible()
    assert words not in page.content(), "nothing was kept while signed out"
    assert not Draft.objects.exists(), "the draft went with the session"
    visit.finish()


def _idle_for(page: Page, seconds: float) -> None:
    """Let ``seconds`` pass on the session's idle clock, as if the tab had been left alone:
    the time the console last saw the session (reclaim.web.console.access) is moved back."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    session[SEEN] = float(session[SEEN]) - seconds
    session.save()
