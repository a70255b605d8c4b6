"""Administrators add members (an invitation link shown once, with which the member chooses
their own password and authenticator app: the administrator sees neither), change roles,
deactivate (history kept, sessions end at once), give a new invitation (a lost phone: the old
factors void), and change the helpline's settings."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.web.console import audit
from reclaim.web.console.models import AuditEntry, Helpline, Invitation, StaffMember

from .fixtures import (
    PASSWORD,
    current_code,
    enrol_through,
    helpline,
    invitation_link,
    member,
    signed_in,
)

OWN_PASSWORD = "a password only river knows"


@pytest.fixture
def line() -> Helpline:
    return helpline()


@pytest.fixture
def admin(line: Helpline) -> Client:
    return signed_in(member(line, "admin", "administrator"))


def add(admin: Client, username: str, *roles: str) -> str:
    """Add a member through the staff page; return the invitation link shown."""
    page = admin.post("/console/staff/", {"username": username, "roles": list(roles)})
    assert page.status_code == 200, page.content.decode()[:2000]
    assert page["Cache-Control"] == "no-store"
    return invitation_link(page.content.decode())


def sign_in(username: str, password: str) -> Client:
    client = Client()
    device = TOTPDevice.objects.get(user__username=username)
    form = {"username": username, "password": password, "otp_token": current_code(device)}
    client.post("/console/sign-in/", form)
    return client


def test_a_new_member_enrols_with_the_invitation_and_the_administrator_sees_no_factor(
    admin: Client, line: Helpline
) -> None:
    link = add(admin, "river", "caseworker")
    river = StaffMember.objects.get(user__username="river")
    assert not river.user.has_usable_password(), "no password before the member chooses one"
    assert not TOTPDevice.objects.filter(user=river.user).exists(), "nor any app"
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert Invitation.objects.filter(token_digest__contains=token).count() == 0, "only a hash"
    client, device = enrol_through(link, OWN_PASSWORD)
    assert client.get("/console/").status_code == 200, "signed in, and no other step first"
    river.refresh_from_db()
    assert river.user.check_password(OWN_PASSWORD) and device.confirmed
    assert river.roles == {"caseworker"} and not river.user.is_staff, "no way into /admin/"
    staff_page = admin.get("/console/staff/").content.decode()
    assert device.config_url not in staff_page and OWN_PASSWORD not in staff_page
    actions = list(AuditEntry.objects.filter(target=f"member:{river.pk}").values_list("action"))
    assert actions == [("add member",), ("open invitation",), ("enrol",)]
    assert audit.verify(line) == []


def test_an_invitation_serves_once_and_says_why_it_cannot_serve_again(admin: Client) -> None:
    link = add(admin, "river", "caseworker")
    path = link[link.index("/console/") :]
    previewer = Client()
    assert previewer.get(path).status_code == 200 and previewer.get(path).status_code == 200
    enrol_through(link)
    again = Client().post(path)
    assert again.status_code == 410 and "has been used already" in again.content.decode()
    assert Client().get(path).status_code == 410
    assert AuditEntry.objects.filter(action="refuse invitation", detail__reason="used").exists()
    unknown = Client().get("/console/invitation/not-a-token/")
    assert unknown.status_code == 404 and "not known" in unknown.content.decode()


def test_an_opened_invitation_belongs_to_the_browser_that_opened_it(admin: Client) -> None:
    link = add(admin, "river", "caseworker")
    path = link[link.index("/console/") :]
    assert Client().post(path).status_code == 302  # the member pressed Start
    other = Client()
    refused = other.post(path)
    assert refused.status_code == 410 and "opened already" in refused.content.decode()
    assert other.get("/console/enrol/").status_code == 404, "no enrolment in this browser"


def test_an_expired_invitation_is_refused(admin: Client) -> None:
    link = add(admin, "river", "caseworker")
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    answer = Client().post(link[link.index("/console/") :])
    assert answer.status_code == 410 and "has expired" in answer.content.decode()


def test_a_wrong_code_or_a_short_password_enrols_nothing(
    admin: Client, settings: SettingsWrapper
) -> None:
    link = add(admin, "river", "caseworker")
    client = Client()
    client.post(link[link.index("/console/") :])
    short = client.post("/console/enrol/", {"new": "short", "again": "short", "code": "000000"})
    assert short.status_code == 400 and "at least 12" in short.content.decode()
    form = {"new": OWN_PASSWORD, "again": OWN_PASSWORD, "code": "000000"}
    wrong = client.post("/console/enrol/", form)
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    river = StaffMember.objects.get(user__username="river")
    assert not river.user.has_usable_password()
    assert not TOTPDevice.objects.filter(user=river.user, confirmed=True).exists()
    assert Invitation.objects.get().used_at is None
    device = TOTPDevice.objects.get(user=river.user)
    waits = client.post("/console/enrol/", {**form, "code": current_code(device)})
    assert "Wait a few seconds" in waits.content.decode(), "django-otp's wait after a miss"
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    late = current_code(device, offset_steps=-1)  # the code a moment ago: still accepted
    assert client.post("/console/enrol/", {**form, "code": late}).status_code == 302


def test_a_new_invitation_voids_the_old_one_and_every_factor(line: Helpline, admin: Client) -> None:
    first = add(admin, "river", "caseworker")
    river = StaffMember.objects.get(user__username="river")
    client, _ = enrol_through(first)
    assert client.get("/console/").status_code == 200
    unused = admin.post(f"/console/staff/{river.pk}/invite/")
    voided_link = invitation_link(unused.content.decode())
    second = invitation_link(admin.post(f"/console/staff/{river.pk}/invite/").content.decode())
    assert client.get("/console/").status_code == 302, "the open session ended"
    river.refresh_from_db()
    assert not river.user.has_usable_password()
    assert not TOTPDevice.objects.filter(user=river.user).exists()
    refused = Client().post(voided_link[voided_link.index("/console/") :])
    assert refused.status_code == 410 and "replaced by a newer one" in refused.content.decode()
    assert sign_in_fails("river", PASSWORD)
    enrol_through(second, OWN_PASSWORD)
    entry = AuditEntry.objects.filter(action="issue invitation").last()
    assert entry is not None and entry.detail["voided"] != ""


def test_an_administrator_does_not_reinvite_themselves(line: Helpline) -> None:
    ada = member(line, "ada", "administrator")
    assert signed_in(ada).post(f"/console/staff/{ada.pk}/invite/").status_code == 302
    assert TOTPDevice.objects.filter(user=ada.user, confirmed=True).exists()


def test_a_deactivated_members_invitation_is_void(line: Helpline, admin: Client) -> None:
    link = add(admin, "river", "caseworker")
    river = StaffMember.objects.get(user__username="river")
    admin.post(f"/console/staff/{river.pk}/deactivate/")
    answer = Client().post(link[link.index("/console/") :])
    assert answer.status_code == 410


def sign_in_fails(username: str, password: str) -> bool:
    client = Client()
    form = {"username": username, "password": password, "otp_token": "123456"}
    return client.post("/console/sign-in/", form).status_code == 400


def test_the_staff_page_refuses_a_taken_username_or_no_role(admin: Client) -> None:
    add(admin, "river", "caseworker")
    assert (
        admin.post("/console/staff/", {"username": "River", "roles": ["caseworker"]}).status_code
        == 400
    )
    assert admin.post("/console/staff/", {"username": "sky"}).status_code == 400


def test_roles_are_changed(line: Helpline, admin: Client) -> None:
    kim = member(line, "kim", "caseworker")
    admin.post(f"/console/staff/{kim.pk}/roles/", {"roles": ["caseworker", "supervisor"]})
    kim.refresh_from_db()
    assert kim.roles == {"caseworker", "supervisor"}


def test_deactivation_ends_sessions_at_once_and_keeps_history(
    line: Helpline, admin: Client
) -> None:
    kim = member(line, "kim", "caseworker")
    kims = signed_in(kim)
    assert kims.get("/console/").status_code == 200
    assert admin.post(f"/console/staff/{kim.pk}/deactivate/").status_code == 302
    assert kims.get("/console/").status_code == 302, "the open session stopped working"
    kim.refresh_from_db()
    assert not kim.active and kim.deactivated_at is not None
    assert AuditEntry.objects.filter(member=kim).exists(), "their queue view is still logged"
    assert "deactivated" in admin.get("/console/staff/").content.decode()


def test_settings_are_changed_and_the_public_key_is_shown(line: Helpline, admin: Client) -> None:
    page = admin.get("/console/settings/").content.decode()
    assert line.recipient in page and 'value="12"' in page and 'value="20"' in page
    admin.post("/console/settings/", {"retention_months": 6, "reveals_per_hour": 10})
    line.refresh_from_db()
    assert (line.retention_months, line.reveals_per_hour) == (6, 10)
    assert AuditEntry.objects.filter(action="change settings").exists()
