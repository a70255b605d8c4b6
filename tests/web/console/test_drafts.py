"""Drafts: what a member types in the intake, note and task forms is kept on the server,
sealed (never in plaintext in the database), per member and form; shown again when the form
is; gone when the form is sent, at sign-out, when the session ends, with its case, and after
a day. Each save is one audit entry, left out of the timeline."""

import time

from django.test import Client
from django.utils import timezone

from reclaim.web.console import drafts
from reclaim.web.console.access import SEEN
from reclaim.web.console.models import AuditEntry, Case, Draft, Helpline, StaffMember
from reclaim.web.console.tasks import delete_old_drafts
from reclaim.web.worker import jobs

from .caseclients import whole_database
from .fixtures import case, days, helpline, member, signed_in

WORDS = "She saw them on a forum at 7am; her sister's number is 07700 900123"
INTAKE = {
    "source": "phone", "contact_method": "phone", "contact": "07700 900987",
    "contact_safe": "no", "country": "pl", "under_18": "no", "summary": WORDS,
    "pasted": "https://example.com/seen-here",
}  # fmt: skip
SAVE = {drafts.SAVE: "1"}


def _setup() -> tuple[Helpline, StaffMember, Client, Case]:
    line = helpline()
    kim = member(line, "kim", "caseworker")
    return line, kim, signed_in(kim), case(line, "2020-000001", assigned_to=kim)


def test_an_intake_draft_is_sealed_shown_again_and_gone_once_the_case_is_opened() -> None:
    _line, _kim, client, _case = _setup()
    answer = client.post("/console/cases/new/", {**INTAKE, **SAVE})
    assert answer.status_code == 302 and answer["Location"] == "/console/cases/new/?draft=saved"
    database = whole_database()
    assert WORDS.encode() not in database and b"07700 900987" not in database
    assert b"seen-here" not in database

    page = client.get(answer["Location"]).content.decode()
    assert "Draft saved" in page
    assert "her sister&#x27;s number is 07700 900123" in page  # shown again in the form
    assert 'value="07700 900987"' in page
    assert '<option value="pl" selected>' in page

    assert client.post("/console/cases/new/", INTAKE).status_code == 200  # the case is opened
    assert not Draft.objects.exists()
    assert WORDS not in client.get("/console/cases/new/").content.decode()


def test_the_script_saves_a_note_draft_and_sending_the_note_removes_it() -> None:
    _line, kim, client, item = _setup()
    url = f"/console/cases/{item.number}/notes/"
    before = AuditEntry.objects.count()
    answer = client.post(url, {"text": WORDS, **SAVE}, HTTP_X_DRAFT_SAVE="1")
    assert answer.status_code == 204
    assert AuditEntry.objects.count() == before + 1, "a save is one audit entry"
    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.target, entry.case_id) == ("write notes", "draft:notes", item.pk)
    assert WORDS.encode() not in whole_database()
    assert "07700 900123" in client.get(url).content.decode()

    timeline = client.get(f"/console/cases/{item.number}/timeline/").content.decode()
    assert "Draft saved" not in timeline, "saving a draft is not an event of the case"
    assert client.post(url, {"text": WORDS}).status_code == 302
    assert not Draft.objects.filter(member=kim).exists()


def test_a_task_draft_is_per_member_and_per_case() -> None:
    line, kim, client, item = _setup()
    other = case(line, "2020-000002", assigned_to=kim)
    lee = member(line, "lee", "caseworker", "supervisor")
    url = f"/console/cases/{item.number}/tasks/"
    client.post(url, {"title": "Ring the platform back", "due_on": "2031-01-02", **SAVE})
    page = client.get(url).content.decode()
    assert 'value="Ring the platform back"' in page and 'value="2031-01-02"' in page
    assert (
        "Ring the platform"
        not in client.get(f"/console/cases/{other.number}/tasks/").content.decode()
    )
    assert "Ring the platform" not in signed_in(lee).get(url).content.decode()


def test_a_draft_on_a_case_another_may_not_see_is_refused_and_not_kept() -> None:
    line, _kim, _client, item = _setup()
    sam = member(line, "sam", "caseworker")  # the case is kim's
    assert (
        signed_in(sam)
        .post(f"/console/cases/{item.number}/notes/", {"text": "x", **SAVE})
        .status_code
        == 404
    )
    other = helpline("b", "B")
    bob = member(other, "bob", "caseworker", "supervisor")
    assert signed_in(bob).post(f"/console/cases/{item.number}/tasks/", SAVE).status_code == 404
    assert not Draft.objects.exists()


def test_drafts_go_at_sign_out_when_the_session_ends_with_the_case_and_after_a_day() -> None:
    _line, kim, client, item = _setup()
    notes = f"/console/cases/{item.number}/notes/"
    client.post(notes, {"text": WORDS, **SAVE})
    client.post("/console/sign-out/")
    assert not Draft.objects.exists(), "signed out"

    client = signed_in(kim)
    client.post(notes, {"text": WORDS, **SAVE})
    session = client.session
    session[SEEN] = time.time() - 3600  # past the idle time
    session.save()
    assert client.get("/console/").status_code == 302
    assert not Draft.objects.exists(), "the session ended"

    client = signed_in(kim)
    client.post(notes, {"text": WORDS, **SAVE})
    Case.objects.filter(pk=item.pk).delete()
    assert not Draft.objects.exists(), "deleted with its case"

    client.post("/console/cases/new/", {**INTAKE, **SAVE})
    Draft.objects.update(saved_at=days(-1.01))
    assert WORDS not in client.get("/console/cases/new/").content.decode(), "unread after a day"
    assert delete_old_drafts.call() == 1 and not Draft.objects.exists()
    assert any(p.job is delete_old_drafts for p in jobs.SCHEDULE)


def test_a_draft_copied_to_another_members_row_does_not_open() -> None:
    line, _kim, client, item = _setup()
    client.post(f"/console/cases/{item.number}/notes/", {"text": WORDS, **SAVE})
    lee = member(line, "lee", "caseworker")
    sealed = Draft.objects.get().sealed
    Draft.objects.create(
        member=lee, place=f"notes:{item.pk}", case=item, sealed=sealed, saved_at=timezone.now()
    )
    assert WORDS not in signed_in(lee).get(f"/console/cases/{item.number}/notes/").content.decode()
