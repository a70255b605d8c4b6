"""Administrators add members (a first password and an authenticator secret shown once, then
confirmed by a real code), change roles, deactivate (history kept, sessions end at once),
renew a lost authenticator app, and change the helpline's settings."""

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.web.console.models import AuditEntry, Helpline, StaffMember

from .fixtures import current_code, helpline, member, signed_in


@pytest.fixture
def line() -> Helpline:
    return helpline()


@pytest.fixture
def admin(line: Helpline) -> Client:
    return signed_in(member(line, "admin", "administrator"))


def add(admin: Client, username: str, *roles: str) -> tuple[str, str]:
    """Add a member through the staff page; return the first password and the secret shown."""
    page = admin.post("/console/staff/", {"username": username, "roles": list(roles)})
    assert page.status_code == 200, page.content.decode()[:2000]
    secrets = re.findall(r'<p class="secret">([^<]+)</p>', page.content.decode())
    password, secret, uri = secrets
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    return password, secret


def sign_in(username: str, password: str) -> Client:
    client = Client()
    device = TOTPDevice.objects.get(user__username=username)
    form = {"username": username, "password": password, "otp_token": current_code(device)}
    client.post("/console/sign-in/", form)
    return client


def test_a_new_member_signs_in_once_their_app_is_confirmed(
    admin: Client, settings: SettingsWrapper
) -> None:
    password, _ = add(admin, "river", "caseworker")
    assert sign_in("river", password).get("/console/").status_code == 302, "not confirmed yet"
    device = TOTPDevice.objects.get(user__username="river")
    wrong = admin.post(
        f"/console/staff/{device.user.console_member.pk}/confirm/", {"code": "000000"}
    )
    assert wrong.status_code == 400 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    code = current_code(device)
    waits = admin.post(f"/console/staff/{device.user.console_member.pk}/confirm/", {"code": code})
    assert "Wait a few seconds" in waits.content.decode(), "django-otp's wait after a miss"
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    code = current_code(device, offset_steps=-1)  # the code a moment ago: still accepted
    confirm = admin.post(f"/console/staff/{device.user.console_member.pk}/confirm/", {"code": code})
    assert confirm.status_code == 200
    first = sign_in("river", password).get("/console/")
    assert first["Location"] == "/console/password/", "signed in: their own password first"
    river = StaffMember.objects.get(user__username="river")
    assert river.roles == {"caseworker"} and not river.user.is_staff, "no way into /admin/"


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


def test_a_renewed_app_replaces_the_old_one(line: Helpline, admin: Client) -> None:
    kim = member(line, "kim", "caseworker")
    old = TOTPDevice.objects.get(user=kim.user)
    assert admin.post(f"/console/staff/{kim.pk}/device/").status_code == 200
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert signed_in_fails(kim)


def signed_in_fails(person: StaffMember) -> bool:
    return not TOTPDevice.objects.filter(user=person.user, confirmed=True).exists()


def test_settings_are_changed_and_the_public_key_is_shown(line: Helpline, admin: Client) -> None:
    page = admin.get("/console/settings/").content.decode()
    assert line.recipient in page and 'value="12"' in page and 'value="20"' in page
    admin.post("/console/settings/", {"retention_months": 6, "reveals_per_hour": 10})
    line.refresh_from_db()
    assert (line.retention_months, line.reveals_per_hour) == (6, 10)
    assert AuditEntry.objects.filter(action="change settings").exists()
