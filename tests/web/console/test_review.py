"""An adversarial review of the console: each test is a finding, shown failing before its fix.

Cross-helpline and cross-role reach, audit completeness and the chain, what is left after a
withdrawal, and input that must be refused.
"""

import datetime
import io
import logging
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image

from reclaim.referrals import MEDIA_TYPE
from reclaim.web.console import audit, casework, deletion, previews
from reclaim.web.console.forms import IntakeForm
from reclaim.web.console.models import (
    AuditEntry,
    Case,
    CaseAddress,
    CaseDeletion,
    CaseNote,
    CaseTask,
    Helpline,
    Notification,
    Referral,
    StaffMember,
)

from .fixtures import PASSWORD, address, case, enrol_through, invitation_link, member, signed_in
from .referral_files import make
from .test_casework import intake


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


def test_the_chain_verifies_while_another_member_writes(
    line: Helpline, sam: StaffMember, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Verifying reads the entries, then the helpline's head. An entry appended in between (a
    # colleague opening a case while a supervisor reads the audit page) is not a break.
    for n in range(3):
        audit.append(line, sam, "view queue", detail={"n": str(n)})
    real = audit.digest_of
    written = []

    def digest_while_someone_writes(entry: AuditEntry) -> str:
        if entry.seq == 3 and not written:  # the last entry verify reads
            written.append(audit.append(line, sam, "view case", detail={"n": "later"}))
        return real(entry)

    monkeypatch.setattr(audit, "digest_of", digest_while_someone_writes)
    assert audit.verify(line) == []
    assert written and written[0].seq == 4
    monkeypatch.setattr(audit, "digest_of", real)
    assert audit.verify(line) == []


def test_a_removed_last_entry_still_breaks_the_chain(line: Helpline, sam: StaffMember) -> None:
    for n in range(3):
        audit.append(line, sam, "view queue", detail={"n": str(n)})
    with connection.cursor() as cursor:  # past the models' append-only guard, as an intruder
        cursor.execute("DELETE FROM console_auditentry WHERE seq = 3")
    assert [b.reason for b in audit.verify(line)] == ["the last entries are missing"]


def test_a_withdrawal_leaves_no_notes_or_tasks_about_what_was_shared(
    tmp_path: Path, line: Helpline, sam: StaffMember
) -> None:
    made = make(tmp_path, line)
    answer = Client().generic(
        "POST", f"/helplines/{line.slug}/api/v1/referrals", made.body, content_type=MEDIA_TYPE
    )
    assert answer.status_code == 201, answer.content
    shared = Case.objects.get(pk=Referral.objects.get().case_id)
    worker = signed_in(sam)
    notes_url = f"/console/cases/{shared.number}/notes/"
    worker.post(notes_url, {"text": "She says the pictures are on her ex's new account"})
    worker.post(
        f"/console/cases/{shared.number}/tasks/",
        {"title": "Ask her ex's platform about the account", "due_on": "2030-01-01"},
    )
    assert CaseNote.objects.filter(case=shared).exists()
    assert CaseTask.objects.filter(case=shared).exists()

    token = made.shared.consent_token
    withdrawn = Client().post(
        f"/helplines/{line.slug}/api/v1/referrals/{made.shared.id}/withdraw",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert withdrawn.status_code == 200
    # The notes and tasks retell what the survivor shared: consent withdrawn, they go too.
    assert not CaseNote.objects.filter(case=shared).exists()
    assert not CaseTask.objects.filter(case=shared).exists()
    assert "new account" not in worker.get(notes_url).content.decode()


def _picture(size: tuple[int, int], kind: str = "PNG", orientation: int = 0) -> bytes:
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    Image.new("RGB", size, (120, 40, 40)).save(out, kind, exif=exif.tobytes())
    return out.getvalue()


def test_a_picture_is_decoded_only_while_a_decoding_slot_is_free(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Anyone with the helpline's public key can send pictures that are small as files and huge
    # as pixels: the page of such pictures must not decode them all at once.
    monkeypatch.setattr(previews, "DECODE_WAIT_SECONDS", 0.05)
    small = _picture((64, 48))
    held = [previews._decoding.acquire(timeout=1) for _ in range(previews.DECODES_AT_ONCE)]
    try:
        assert all(held)
        with pytest.raises(previews.PreviewError):
            previews.veiled(small)
    finally:
        for _ in held:
            previews._decoding.release()
    assert Image.open(io.BytesIO(previews.veiled(small))).size == (240, 180)


@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_a_picture_is_reduced_and_still_shown_upright(kind: str) -> None:
    turned = _picture((2400, 600), kind, orientation=6)  # a phone held on its side
    clear = Image.open(io.BytesIO(previews.clear(turned)))
    assert clear.size == (400, 1600) and not clear.getexif()
    assert Image.open(io.BytesIO(previews.veiled(turned))).size == (60, 240)


def test_a_batch_sent_without_its_facts_is_shown_back_with_one_audit_entry(
    line: Helpline, sam: StaffMember
) -> None:
    # "Send" is audited per case once the batch is recorded; a send refused for missing facts
    # shows every waiting address again, and that showing is a reading of case data too.
    item = case(line, "2026-000001", assigned_to=sam)
    waiting = address(
        item,
        "https://www.reddit.com/r/a/comments/waiting1/",
        platform="reddit",
        profile="uk-intimate-image-report",
        status=CaseAddress.Status.TO_SEND,
    )
    before = AuditEntry.objects.count()
    answer = signed_in(sam).post(
        "/console/batches/reddit/uk-intimate-image-report/",
        {"action": "send", "address": [str(waiting.pk)]},
    )
    assert answer.status_code == 400 and "waiting1" in answer.content.decode()
    assert AuditEntry.objects.count() - before == 1
    assert audit.verify(line) == []


def test_an_administrator_cannot_give_themselves_casework(line: Helpline, sam: StaffMember) -> None:
    # An administrator manages staff but reads no case; a role they give themselves would undo
    # that without anyone else knowing. Another administrator gives it, or the command line.
    ada = member(line, "ada", "administrator")
    mine = case(line, "2026-000001")
    client = signed_in(ada)
    client.post(f"/console/staff/{ada.pk}/roles/", {"roles": ["administrator", "supervisor"]})
    ada.refresh_from_db()
    assert not ada.supervisor and not ada.caseworker
    assert client.get(f"/console/cases/{mine.number}/").status_code == 404
    other = member(line, "bo", "administrator")
    signed_in(other).post(
        f"/console/staff/{ada.pk}/roles/", {"roles": ["administrator", "caseworker"]}
    )
    ada.refresh_from_db()
    assert ada.caseworker, "another administrator may give it"


def _withdrawn_referral_case(tmp_path: Path, line: Helpline) -> Case:
    made = make(tmp_path, line)
    answer = Client().generic(
        "POST", f"/helplines/{line.slug}/api/v1/referrals", made.body, content_type=MEDIA_TYPE
    )
    assert answer.status_code == 201, answer.content
    withdrawn = Client().post(
        f"/helplines/{line.slug}/api/v1/referrals/{made.shared.id}/withdraw",
        HTTP_AUTHORIZATION=f"Bearer {made.shared.consent_token}",
    )
    assert withdrawn.status_code == 200
    return Case.objects.get(pk=Referral.objects.get().case_id)


def test_a_withdrawn_case_is_deleted_after_the_retention_period(
    tmp_path: Path, line: Helpline
) -> None:
    gone = _withdrawn_referral_case(tmp_path, line)
    assert gone.status == Case.Status.CLOSED
    assert deletion.delete_expired(timezone.now() + datetime.timedelta(days=31 * 12 + 1)) == 1
    assert not Case.objects.filter(pk=gone.pk).exists()
    assert CaseDeletion.objects.get(case_id=gone.pk).reason == CaseDeletion.Reason.RETENTION


def test_a_withdrawn_case_cannot_be_reopened(
    tmp_path: Path, line: Helpline, sam: StaffMember
) -> None:
    gone = _withdrawn_referral_case(tmp_path, line)
    client = signed_in(sam)
    page = client.get(f"/console/cases/{gone.number}/close/").content.decode()
    assert "cannot be reopened" in page and 'value="reopen"' not in page
    answer = client.post(f"/console/cases/{gone.number}/close/", {"do": "reopen"})
    assert answer.status_code == 400
    gone.refresh_from_db()
    assert gone.status == Case.Status.CLOSED and gone.outcome == "consent withdrawn"


def test_reopening_an_open_case_says_so_instead_of_failing(
    line: Helpline, sam: StaffMember
) -> None:
    mine = case(line, "2026-000001", assigned_to=sam)
    answer = signed_in(sam).post(f"/console/cases/{mine.number}/close/", {"do": "reopen"})
    assert answer.status_code == 400 and "This case is open." in answer.content.decode()


NEW_PASSWORD = "a password only the member knows"


def test_a_member_on_a_first_password_sets_their_own_before_any_page(line: Helpline) -> None:
    # Members added before invitations were given a first password that whoever added them
    # saw (and their authenticator's key): until they replace it, the administrator could sign
    # in as them and read every case they see, in their name.
    jo = member(line, "jo", "caseworker")
    StaffMember.objects.filter(pk=jo.pk).update(must_change_password=True)
    password = PASSWORD  # the first password
    client = signed_in(jo)
    answer = client.get("/console/")
    assert answer.status_code == 302 and answer["Location"] == "/console/password/"
    wrong = client.post(
        "/console/password/", {"old": "not it", "new": NEW_PASSWORD, "again": NEW_PASSWORD}
    )
    assert wrong.status_code == 400
    jo.user.refresh_from_db()
    assert not jo.user.check_password(NEW_PASSWORD)
    done = client.post(
        "/console/password/", {"old": password, "new": NEW_PASSWORD, "again": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == "/console/"
    assert client.get("/console/").status_code == 200, "the session goes on"
    jo.user.refresh_from_db()
    assert jo.user.check_password(NEW_PASSWORD) and not jo.user.check_password(password)
    assert AuditEntry.objects.filter(action="change password", member=jo).count() == 1


def test_a_member_added_now_is_never_on_a_first_password(line: Helpline) -> None:
    ada = member(line, "ada", "administrator")
    added = signed_in(ada).post("/console/staff/", {"username": "jo", "roles": ["caseworker"]})
    client, _ = enrol_through(invitation_link(added.content.decode()), NEW_PASSWORD)
    assert client.get("/console/").status_code == 200, "no password page first"
    assert not StaffMember.objects.get(user__username="jo").must_change_password


def test_a_console_page_that_fails_logs_no_case_data(
    line: Helpline, sam: StaffMember, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An exception's words may hold case data (PostgreSQL's "Failing row contains (...)" holds
    # the row, an address included): the log keeps where it failed, not what it said.
    mine = case(line, "2026-000001", assigned_to=sam)

    def fails(*arguments: object) -> None:
        raise ValueError("Failing row contains (https://example.com/her-pictures/1)")

    monkeypatch.setattr(casework, "view_case", fails)
    handler = logging.getLogger("django.request").handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        client = signed_in(sam)
        client.raise_request_exception = False
        assert client.get(f"/console/cases/{mine.number}/").status_code == 500
    finally:
        handler.setStream(previous)
    logged = stream.getvalue()
    assert "ValueError" in logged and "views.py" in logged, "where it failed is kept"
    assert "her-pictures" not in logged and mine.number not in logged


def test_importing_a_referral_already_received_opens_only_a_case_the_member_sees(
    tmp_path: Path, line: Helpline, sam: StaffMember
) -> None:
    # Each "view case" entry of a referral's case is an opening the survivor is told about.
    made = make(tmp_path, line)
    url = f"/helplines/{line.slug}/api/v1/referrals"
    assert Client().generic("POST", url, made.body, content_type=MEDIA_TYPE).status_code == 201
    shared = Case.objects.get(pk=Referral.objects.get().case_id)
    kim = member(line, "kim", "caseworker")
    Case.objects.filter(pk=shared.pk).update(assigned_to=kim)
    upload = SimpleUploadedFile("r.reclaim-referral", made.body)
    answer = signed_in(sam).post("/console/referrals/import/", {"file": upload})
    assert answer.status_code == 404
    assert not AuditEntry.objects.filter(member=sam, case_id=shared.pk).exists()
