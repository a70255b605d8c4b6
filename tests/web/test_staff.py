"""Staff reach /admin/ only with their password and a code from a confirmed authenticator app;
wrong codes are throttled; `manage.py staff` enrols the app; `staff_required` guards any page."""

import datetime
import re
from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.management import CommandError, call_command
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings as SettingsWrapper

from .staff import PASSWORD, current_code, sign_in_verified, staff_with_device, wrong_code

ADMIN_PAGE = "/admin/protection/platform/"


@pytest.fixture(autouse=True)
def quick_passwords(settings: SettingsWrapper) -> None:
    # The password is not what these tests check; PBKDF2's million rounds would take most of
    # their time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client: Client, code: str, username: str = "admin") -> str:
    """Post the admin's sign-in form; return the page it answers with (after redirects)."""
    form = {"username": username, "password": PASSWORD, "otp_token": code, "next": ADMIN_PAGE}
    return client.post("/admin/login/", form, follow=True).content.decode()


def reaches_admin(client: Client) -> bool:
    return client.get(ADMIN_PAGE).status_code == 200


@pytest.mark.django_db
def test_the_right_password_without_a_second_factor_does_not_reach_the_admin(
    client: Client,
) -> None:
    User.objects.create_superuser("admin", password=PASSWORD)
    page = sign_in(client, "")
    assert "no second factor yet" in page and "manage.py staff otp-setup admin" in page
    assert not reaches_admin(client)


@pytest.mark.django_db
def test_a_signed_in_session_without_a_verified_device_does_not_reach_the_admin(
    client: Client,
) -> None:
    user, _ = staff_with_device()
    client.force_login(user)  # a password alone, as any other sign-in would leave the session
    assert client.get(ADMIN_PAGE)["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_the_right_password_with_a_wrong_code_does_not_reach_the_admin(client: Client) -> None:
    _, device = staff_with_device()
    assert "That code is not right" in sign_in(client, wrong_code(device))
    assert "That code is not right" not in sign_in(client, ""), "no code: asked for one"
    assert not reaches_admin(client)


@pytest.mark.django_db
def test_the_right_password_with_the_current_code_reaches_the_admin(client: Client) -> None:
    _, device = staff_with_device()
    page = sign_in(client, current_code(device))
    assert "Select platform to change" in page, page[:2000]
    assert reaches_admin(client)


@pytest.mark.django_db
def test_an_unconfirmed_device_does_not_open_the_admin(client: Client) -> None:
    _, device = staff_with_device()
    TOTPDevice.objects.filter(id=device.id).update(confirmed=False)
    assert "no second factor yet" in sign_in(client, current_code(device))
    assert not reaches_admin(client)


def test_throttling_is_on_each_wrong_code_doubles_the_wait_from_one_second() -> None:
    from django.conf import settings

    assert settings.OTP_TOTP_THROTTLE_FACTOR == 1


@pytest.mark.django_db
def test_repeated_wrong_codes_are_throttled_even_the_right_code_waits(
    client: Client, settings: SettingsWrapper
) -> None:
    # A minute instead of a second for the first wait, so that the test never races the clock;
    # the setting's own value is checked above.
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    _, device = staff_with_device()
    for _ in range(3):
        sign_in(client, wrong_code(device))
    device.refresh_from_db()
    assert device.throttling_failure_count == 1, "guesses during the wait are not even checked"
    page = sign_in(client, current_code(device))
    assert "Verification temporarily disabled" in page and not reaches_admin(client)
    device.throttling_failure_timestamp -= datetime.timedelta(seconds=60)
    device.save()
    sign_in(client, wrong_code(device))
    device.refresh_from_db()
    assert device.throttling_failure_count == 2
    device.throttling_failure_timestamp -= datetime.timedelta(seconds=60)
    device.save()
    assert "Verification temporarily disabled" in sign_in(client, current_code(device)), (
        "the second miss doubles the wait"
    )
    device.throttling_failure_timestamp -= datetime.timedelta(seconds=60)
    device.save()
    assert "Select platform to change" in sign_in(client, current_code(device))
    device.refresh_from_db()
    assert device.throttling_failure_count == 0, "a right code resets the count"


@pytest.mark.django_db
def test_a_code_is_taken_once(client: Client) -> None:
    _, device = staff_with_device()
    code = current_code(device)
    assert reaches_admin(client) is False
    sign_in(client, code)
    assert reaches_admin(client)
    other = Client()
    assert "That code is not right" in sign_in(other, code), "a replayed code is refused"


@pytest.mark.django_db
def test_staff_required_lets_only_verified_staff_through(client: Client) -> None:
    from reclaim.web.staff.access import staff_required

    @staff_required
    def console(request: HttpRequest) -> HttpResponse:
        return HttpResponse("console")

    user, _ = staff_with_device()
    request = RequestFactory().get("/console/cases/?page=2")
    request.user = AnonymousUser()
    refused = console(request)
    assert refused.status_code == 302
    target = urlparse(refused["Location"])
    assert target.path == "/admin/login/"
    assert parse_qs(target.query)["next"] == ["/console/cases/?page=2"]
    user.is_verified = lambda: False  # type: ignore[attr-defined]  # as django-otp sets it
    request.user = user
    assert console(request).status_code == 302, "a password alone is not enough"
    user.is_verified = lambda: True  # type: ignore[attr-defined]
    assert console(request).content == b"console"
    user.is_staff = False
    assert console(request).status_code == 302, "verified, but not staff"


@pytest.mark.django_db
def test_otp_setup_shows_the_key_once_and_confirm_needs_a_right_code(client: Client) -> None:
    User.objects.create_superuser("admin", password=PASSWORD)
    out = StringIO()
    call_command("staff", "otp-setup", "admin", stdout=out)
    printed = out.getvalue()
    uri = re.search(r"URI: (otpauth://totp/Reclaim%3Aadmin\?\S+)", printed)
    assert uri and "issuer=Reclaim" in uri[1], printed
    device = TOTPDevice.objects.get(user__username="admin")
    assert not device.confirmed
    assert "\u2588" in printed or "\u2580" in printed, "a QR code drawn in the terminal"
    assert "no second factor yet" in sign_in(client, current_code(device)), "not confirmed yet"
    with pytest.raises(CommandError, match="not right"):
        call_command("staff", "otp-confirm", "admin", wrong_code(device), stdout=StringIO())
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1
    device.throttling_failure_timestamp -= datetime.timedelta(seconds=1)  # the throttle's wait
    device.save()
    call_command("staff", "otp-confirm", "admin", current_code(device), stdout=StringIO())
    device.refresh_from_db()
    assert device.confirmed
    with pytest.raises(CommandError, match="already has a second factor"):
        call_command("staff", "otp-setup", "admin", stdout=StringIO())


@pytest.mark.django_db
def test_otp_setup_replace_removes_the_old_app_at_once(client: Client) -> None:
    _, old = staff_with_device()
    call_command("staff", "otp-setup", "admin", "--replace", stdout=StringIO())
    assert not TOTPDevice.objects.filter(id=old.id).exists(), "a lost phone stops working now"
    assert "no second factor yet" in sign_in(client, current_code(old))


@pytest.mark.django_db
def test_otp_setup_is_for_staff_only_and_list_says_who_can_sign_in() -> None:
    User.objects.create_user("person", password=PASSWORD)
    with pytest.raises(CommandError, match="not staff"):
        call_command("staff", "otp-setup", "person", stdout=StringIO())
    with pytest.raises(CommandError, match="no account called"):
        call_command("staff", "otp-setup", "nobody", stdout=StringIO())
    staff_with_device("ready")
    User.objects.create_superuser("new", password=PASSWORD)
    out = StringIO()
    call_command("staff", "list", stdout=out)
    assert out.getvalue().splitlines() == [
        "new\tno second factor: cannot sign in",
        "ready\tsecond factor confirmed",
    ]


@pytest.mark.django_db
def test_a_verified_session_reaches_the_admin(client: Client) -> None:
    user, device = staff_with_device()
    sign_in_verified(client, user, device)
    assert reaches_admin(client)
