"""Referrals at the helpline: the API makes a case (once), refuses what it must with the core's
codes, lists every opening, withdraws at once; a file imports the same way; shared pictures are
veiled until revealed on purpose, within the hourly limit; under 18 keeps no media."""

import datetime
import io
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.referrals import MEDIA_TYPE, join_container
from reclaim.web.access import attempts, limits
from reclaim.web.console import keys, summaries
from reclaim.web.console.access import SEEN
from reclaim.web.console.models import (
    AuditEntry,
    Case,
    CaseAddress,
    Helpline,
    Referral,
    ReferralContent,
    ReferralItem,
    StaffMember,
)

from .fixtures import helpline, member
from .referral_files import MESSAGE, Made, make, reseal


def signed_in(person: StaffMember) -> Client:
    """A client signed in as ``person``, verified by their device, as sign-in leaves it."""
    client = Client()
    client.force_login(person.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=person.user).persistent_id
    session[SEEN] = time.time()
    session.save()
    return client


def api(line: Helpline, tail: str = "") -> str:
    return f"/helplines/{line.slug}/api/v1/referrals{tail}"


def post(line: Helpline, body: bytes, content_type: str = MEDIA_TYPE) -> Any:
    return Client().generic("POST", api(line), body, content_type=content_type)


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture(autouse=True)
def fresh_limits() -> None:
    limits.reset()


@pytest.fixture
def made(tmp_path: Path, line: Helpline) -> Made:
    return make(tmp_path, line)


def received(line: Helpline, made: Made) -> Case:
    answer = post(line, made.body)
    assert answer.status_code == 201, answer.content
    return Case.objects.get(pk=Referral.objects.get(referral_id=made.shared.id).case_id)


def test_a_posted_referral_becomes_a_case(line: Helpline, made: Made) -> None:
    answer = post(line, made.body)
    assert answer.status_code == 201
    assert answer.json()["id"] == made.shared.id and answer.json()["received_utc"]
    case = Case.objects.get()
    assert case.source == Case.Source.REFERRAL and case.assigned_to is None
    assert case.contact_method == "email" and case.contact_safe
    assert keys.unseal_text(line, case.sealed_contact) == "me@example.test (after 6pm)"
    summary = keys.unseal_text(line, case.sealed_summary)
    assert MESSAGE in summary and "Posted on a forum" in summary
    urls = set(CaseAddress.objects.filter(case=case).values_list("url", flat=True))
    assert urls == {"https://x.com/a/status/1", "https://forum.example/t/1"}
    assert CaseAddress.objects.get(url="https://x.com/a/status/1").platform == "x"
    content = ReferralContent.objects.get(case=case)
    items = ReferralItem.objects.filter(content=content).order_by("position")
    kept = [bytes(blob) for blob in items.values_list("sealed", flat=True)]
    assert len(kept) == 2, "the picture and the message, each apart"
    assert join_container(bytes(content.sealed_manifest), kept) == made.body, "as received"
    assert AuditEntry.objects.filter(action="receive referral", case_id=case.pk).count() == 1


def test_what_happened_is_kept_as_facts_and_put_in_the_readers_language(
    line: Helpline, made: Made
) -> None:
    case = received(line, made)
    kept = keys.unseal_text(line, case.sealed_summary)
    assert "Incident" not in kept and "evidence locker" not in kept, "no sentence is kept"
    assert MESSAGE in kept and "Posted on a forum without my consent" in kept
    worker = signed_in(member(line, "kim", "caseworker"))
    pages = {}
    for code in ("en", "pl"):
        worker.cookies[settings.LANGUAGE_COOKIE_NAME] = code
        pages[code] = worker.get(f"/console/cases/{case.number}/").content.decode()
        pages[code] += worker.get(f"/console/cases/{case.number}/shared/").content.decode()
    assert "Incident 1: Images were shared" in pages["en"]
    assert "From the survivor&#x27;s own evidence locker; shared until" in pages["en"]
    assert "Zdarzenie 1: " in pages["pl"] and "Z sejfu na dowody osoby pokrzywdzonej" in pages["pl"]
    assert "Images were shared" not in pages["pl"] and "Incident 1" not in pages["pl"]
    assert ">shared<" not in pages["en"] + pages["pl"], "the kind's code is never shown"
    assert MESSAGE in pages["pl"], "the survivor's words are shown as they wrote them"


def test_a_summary_kept_as_text_is_shown_as_it_was_kept(line: Helpline) -> None:
    """Intake's words, and a referral case's summary kept before summaries were facts."""
    for text in ("From the survivor's own evidence locker; shared until 2026.", '{"a": 1}'):
        assert summaries.shown(text) == text


def test_the_same_referral_again_gets_the_same_answer_and_no_second_case(
    line: Helpline, made: Made
) -> None:
    first = post(line, made.body)
    again = post(line, made.body)
    assert again.status_code == 200 and again.json() == first.json()
    assert Case.objects.count() == 1 and Referral.objects.count() == 1


def test_a_referral_to_another_helpline_is_refused_as_the_wrong_key(
    tmp_path: Path, line: Helpline
) -> None:
    other = helpline("other", "Other Helpline")
    answer = post(line, make(tmp_path, other).body)
    assert answer.status_code == 422 and answer.json()["error"] == "wrong-key"
    assert Case.objects.count() == 0


def test_a_changed_item_is_refused_as_tampered(line: Helpline, made: Made) -> None:
    body = bytearray(made.body)
    body[-100] ^= 1
    answer = post(line, bytes(body))
    assert answer.status_code == 422 and answer.json()["error"] == "tampered"
    assert Case.objects.count() == 0


def test_an_expired_referral_is_refused(tmp_path: Path, line: Helpline) -> None:
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)
    answer = post(line, make(tmp_path, line, days=1, now=long_ago).body)
    assert answer.status_code == 422 and answer.json()["error"] == "expired"


@pytest.mark.parametrize("body", [b"not a referral at all", b"RCLMREF\x01\x00\x00"])
def test_what_is_not_a_referral_is_refused(line: Helpline, body: bytes) -> None:
    answer = post(line, body)
    assert answer.status_code == 400 and answer.json()["error"] == "not-a-referral"


def test_another_content_type_is_refused(line: Helpline, made: Made) -> None:
    answer = post(line, made.body, "application/octet-stream")
    assert answer.status_code == 415 and answer.json()["error"] == "not-a-referral"


def test_a_body_past_the_limit_is_refused_before_it_is_read(
    line: Helpline, made: Made, settings: SettingsWrapper
) -> None:
    settings.MAX_REFERRAL_BYTES = len(made.body) - 1
    answer = post(line, made.body)
    assert answer.status_code == 413 and answer.json()["error"] == "too-large"
    assert Case.objects.count() == 0


def test_an_unknown_helpline_and_personal_mode_answer_404(
    line: Helpline, made: Made, settings: SettingsWrapper
) -> None:
    assert Client().post("/helplines/nobody/api/v1/referrals").json()["error"] == (
        "unknown-helpline"
    )
    settings.SERVICE = False
    assert post(line, made.body).status_code == 404


def test_openings_list_every_view_with_its_role(line: Helpline, made: Made) -> None:
    case = received(line, made)
    worker = signed_in(member(line, "kim", "caseworker"))
    boss = signed_in(member(line, "lee", "supervisor"))
    assert worker.get(f"/console/cases/{case.number}/").status_code == 200
    assert worker.get(f"/console/cases/{case.number}/shared/").status_code == 200
    assert (
        worker.get(f"/console/cases/{case.number}/shared/{made.picture}/picture/").status_code
        == 200
    )
    assert boss.get(f"/console/cases/{case.number}/shared/").status_code == 200
    answer = Client().get(
        api(line, f"/{made.shared.id}/openings"), **bearer(made.shared.consent_token)
    )
    assert answer.status_code == 200
    value = answer.json()
    assert value["id"] == made.shared.id and value["withdrawn_utc"] is None
    roles = [opening["role"] for opening in value["openings"]]
    assert roles == ["caseworker", "caseworker", "caseworker", "supervisor"]
    assert all(opening["at_utc"].endswith("+00:00") for opening in value["openings"])


def test_withdrawal_cuts_access_at_once_and_deletes_the_content(line: Helpline, made: Made) -> None:
    case = received(line, made)
    worker = signed_in(member(line, "kim", "caseworker"))
    pages = [f"/console/cases/{case.number}/shared/", f"/console/cases/{case.number}/"]
    assert MESSAGE in worker.get(pages[0]).content.decode()
    picture = f"/console/cases/{case.number}/shared/{made.picture}/picture/"
    assert _database_holds(made.body[12:76]) and _database_holds(made.body[-64:]), "kept before"

    answer = Client().post(
        api(line, f"/{made.shared.id}/withdraw"), **bearer(made.shared.consent_token)
    )
    assert answer.status_code == 200
    assert answer.json()["id"] == made.shared.id and answer.json()["withdrawn_utc"]

    assert worker.get(pages[0]).status_code == 410
    assert worker.get(picture).status_code == 404
    assert (
        worker.post(f"/console/cases/{case.number}/shared/{made.picture}/reveal/").status_code
        == 404
    )
    case_page = worker.get(pages[1]).content.decode()
    assert MESSAGE not in case_page and "x.com/a/status" not in case_page
    assert "withdrew consent" in case_page
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.outcome == "consent withdrawn"
    assert case.sealed_summary is None and case.sealed_contact is None
    assert not CaseAddress.objects.filter(case=case).exists()
    assert not ReferralContent.objects.exists() and not ReferralItem.objects.exists()
    assert _database_holds(made.body[12:76]) is False, "the manifest is gone from the database"
    assert _database_holds(made.body[-64:]) is False, "the last item is gone from the database"
    record = Referral.objects.get()
    assert record.withdrawn_at is not None and record.referral_id == made.shared.id
    assert AuditEntry.objects.filter(action="withdraw referral", case_id=case.pk).count() == 1

    again = Client().post(
        api(line, f"/{made.shared.id}/withdraw"), **bearer(made.shared.consent_token)
    )
    assert again.status_code == 200 and again.json() == answer.json()
    resent = post(line, made.body)
    assert resent.status_code == 410 and resent.json()["error"] == "withdrawn"
    seen = Client().get(
        api(line, f"/{made.shared.id}/openings"), **bearer(made.shared.consent_token)
    )
    assert seen.json()["withdrawn_utc"] == answer.json()["withdrawn_utc"]


def _database_holds(fragment: bytes) -> bool:
    rows = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_manifest FROM console_referralcontent")
        rows += [bytes(row[0]) for row in cursor.fetchall()]
        cursor.execute("SELECT sealed FROM console_referralitem")
        rows += [bytes(row[0]) for row in cursor.fetchall()]
    return any(fragment in row for row in rows)


def test_consent_token_guesses_are_counted_before_they_are_checked(
    line: Helpline, made: Made
) -> None:
    received(line, made)
    withdraw = api(line, f"/{made.shared.id}/withdraw")
    for _ in range(attempts.MAX_TRIES):
        assert Client().post(withdraw, **bearer("a guess")).status_code == 403
    held = Client().post(withdraw, **bearer(made.shared.consent_token))
    assert held.status_code == 429 and held.json()["error"] == "too-many-tries"
    assert Referral.objects.get().withdrawn_at is None


def test_an_unknown_id_gets_the_same_answer_as_a_wrong_token(line: Helpline, made: Made) -> None:
    received(line, made)
    unknown = Client().get(api(line, f"/{'0' * 32}/openings"), **bearer(made.shared.consent_token))
    wrong = Client().get(api(line, f"/{made.shared.id}/openings"), **bearer("nope"))
    assert unknown.status_code == wrong.status_code == 403
    assert unknown.json() == wrong.json() and unknown.json()["error"] == "bad-token"


def test_a_referral_file_imports_as_a_case(line: Helpline, made: Made) -> None:
    worker = signed_in(member(line, "kim", "caseworker"))
    assert worker.get("/console/referrals/import/").status_code == 200
    with made.path.open("rb") as file:
        answer = worker.post("/console/referrals/import/", {"file": file})
    case = Case.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/console/cases/{case.number}/"
    assert case.source == Case.Source.FILE
    assert keys.unseal_text(line, case.sealed_summary).count(MESSAGE) == 1
    entry = AuditEntry.objects.get(action="receive referral")
    assert entry.member is not None and entry.member.user.username == "kim"


def test_an_imported_file_is_checked_as_the_api_checks_it(tmp_path: Path, line: Helpline) -> None:
    worker = signed_in(member(line, "kim", "caseworker"))
    other = make(tmp_path, helpline("other", "Other Helpline"))
    with other.path.open("rb") as file:
        answer = worker.post("/console/referrals/import/", {"file": file})
    assert answer.status_code == 400 and "another helpline" in answer.content.decode()
    assert Case.objects.count() == 0


def _png(response: Any) -> Image.Image:
    return Image.open(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


def test_pictures_are_veiled_until_revealed_and_each_reveal_is_logged(
    line: Helpline, made: Made
) -> None:
    case = received(line, made)
    worker = signed_in(member(line, "kim", "caseworker"))
    page = worker.get(f"/console/cases/{case.number}/shared/").content.decode()
    assert 'class="shared-picture veiled"' in page and "Show this image" in page
    picture = f"/console/cases/{case.number}/shared/{made.picture}/picture/"
    veiled = worker.get(picture)
    assert veiled["Cache-Control"] == "no-store" and veiled["Content-Type"] == "image/png"
    small = _png(veiled)
    assert max(small.size) <= 240 and small.mode == "L", "small and grey before the choice"

    answer = worker.post(f"/console/cases/{case.number}/shared/{made.picture}/reveal/")
    assert answer.status_code == 302
    assert (
        AuditEntry.objects.filter(action="reveal media", target=f"item:{made.picture}").count() == 1
    )
    page = worker.get(f"/console/cases/{case.number}/shared/").content.decode()
    assert 'class="shared-picture"' in page
    clear = _png(worker.get(picture))
    assert clear.size == (512, 512) and clear.mode == "RGB"
    other = signed_in(member(line, "lee", "caseworker"))
    assert _png(other.get(picture)).mode == "L", "a reveal is the one member's, not everyone's"


def test_the_hourly_reveal_limit_is_counted_before_a_reveal_is_granted(
    line: Helpline, made: Made
) -> None:
    line.reveals_per_hour = 2
    line.save()
    case = received(line, made)
    person = member(line, "kim", "caseworker")
    worker = signed_in(person)
    reveal = f"/console/cases/{case.number}/shared/{made.picture}/reveal/"
    assert worker.post(reveal)["Location"].endswith(f"#{made.picture}")
    near = worker.get(f"/console/cases/{case.number}/shared/").content.decode()
    assert "Think about taking a break" in near
    assert worker.post(reveal)["Location"].endswith(f"#{made.picture}")
    refused = worker.post(reveal)
    assert refused["Location"].endswith("?limit=1")
    assert AuditEntry.objects.filter(action="reveal media", member=person).count() == 2
    page = worker.get(refused["Location"]).content.decode()
    assert "Please take a break" in page


def test_an_under_18_referral_keeps_no_media(tmp_path: Path, line: Helpline) -> None:
    made = make(tmp_path / "a", line, under_18=True)
    assert post(line, made.body).status_code == 201
    case = Case.objects.get()
    assert case.under_18 and ReferralContent.objects.get(case=case).media_dropped == 0

    # An incident says under 18 but the referral does not, and it carries a picture: the case
    # is made (the words and addresses matter) and no media is kept at all.
    other = make(tmp_path / "b", line)

    def child(manifest: dict[str, Any]) -> None:
        manifest["incidents"][0]["under_18"] = True

    assert post(line, reseal(other.body, line, child)).status_code == 201
    second = Case.objects.exclude(pk=case.pk).get()
    content = ReferralContent.objects.get(case=second)
    assert second.under_18 and content.media_dropped == 1 and bytes(content.sealed_manifest) == b""
    assert not ReferralItem.objects.filter(content=content).exists(), "no item kept at all"
    worker = signed_in(member(line, "kim", "caseworker"))
    page = worker.get(f"/console/cases/{second.number}/shared/").content.decode()
    assert "no media was kept (media items not kept: 1)" in page
    picture = f"/console/cases/{second.number}/shared/{other.picture}/picture/"
    assert worker.get(picture).status_code == 404


def test_each_referral_page_adds_exactly_one_audit_entry(line: Helpline, made: Made) -> None:
    case = received(line, made)
    worker = signed_in(member(line, "kim", "caseworker"))
    base = f"/console/cases/{case.number}/shared/"
    requests = [
        ("get", base),
        ("get", f"{base}{made.picture}/picture/"),
        ("post", f"{base}{made.picture}/reveal/"),
        ("get", "/console/referrals/import/"),
        ("get", f"/console/cases/{case.number}/"),
    ]
    for method, url in requests:
        before = AuditEntry.objects.count()
        answer = getattr(worker, method)(url)
        assert answer.status_code < 400, url
        assert AuditEntry.objects.count() - before == 1, url


def test_another_helplines_staff_cannot_open_what_was_shared(line: Helpline, made: Made) -> None:
    case = received(line, made)
    stranger = signed_in(member(helpline("other", "Other Helpline"), "sam", "supervisor"))
    base = f"/console/cases/{case.number}/shared/"
    assert stranger.get(base).status_code == 404
    assert stranger.get(f"{base}{made.picture}/picture/").status_code == 404
    assert stranger.post(f"{base}{made.picture}/reveal/").status_code == 404
    admin = signed_in(member(line, "ada", "administrator"))
    assert admin.get(base).status_code == 404, "an administrator reads no case content"
