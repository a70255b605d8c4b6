"""Staff sign in at /console/sign-in/ with a password and then a real TOTP code; sessions end
after the idle time and at deactivation; the console does not exist in personal mode."""

import time

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.web.access import limits
from reclaim.web.access.attempts import MAX_TRIES
from reclaim.web.console.access import SEEN
from reclaim.web.console.models import CaseNote, StaffMember

from .fixtures import PASSWORD, case, current_code, helpline, member, signed_in

QUEUE = "/console/"


def sign_in(client: Client, username: str, code: str, password: str = PASSWORD) -> int:
    form = {"username": username, "password": password, "otp_token": code}
    return int(client.post("/console/sign-in/", form).status_code)


def device_of(person: StaffMember) -> TOTPDevice:
    return TOTPDevice.objects.get(user=person.user)


@pytest.fixture
def sam() -> StaffMember:
    return member(helpline(), "sam", "caseworker")


def test_the_password_and_the_current_code_open_the_console(sam: StaffMember) -> None:
    client = Client()
    assert client.get(QUEUE)["Location"].startswith("/console/sign-in/")
    assert sign_in(client, "sam", current_code(device_of(sam))) == 302
    assert client.get(QUEUE).status_code == 200


def test_a_wrong_code_or_no_code_does_not_open_it(sam: StaffMember) -> None:
    client = Client()
    wrong = current_code(device_of(sam), offset_steps=5)
    assert sign_in(client, "sam", wrong) == 400
    assert sign_in(client, "sam", "") == 400
    assert client.get(QUEUE).status_code == 302


def test_a_wrong_password_with_the_right_code_does_not_open_it(sam: StaffMember) -> None:
    client = Client()
    assert sign_in(client, "sam", current_code(device_of(sam)), password="not it at all") == 400
    assert client.get(QUEUE).status_code == 302


def test_a_member_without_a_confirmed_device_reaches_no_page() -> None:
    person = member(helpline(), "kim", "caseworker")
    TOTPDevice.objects.filter(user=person.user).update(confirmed=False)
    client = Client()
    response = client.post(
        "/console/sign-in/",
        {"username": "kim", "password": PASSWORD, "otp_token": current_code(device_of(person))},
    )
    assert "no confirmed authenticator app" in response.content.decode()
    client.force_login(person.user)  # a password alone, as a session without a device holds
    assert client.get(QUEUE).status_code == 302


def test_a_user_who_is_not_a_member_cannot_sign_in_to_the_console() -> None:
    person = member(helpline(), "kim", "caseworker")
    code = current_code(device_of(person))
    StaffMember.objects.filter(pk=person.pk).delete()
    assert sign_in(Client(), "kim", code) == 400


def test_codes_are_counted_per_account_before_they_are_checked(
    sam: StaffMember, settings: SettingsWrapper
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own wait off: only the count here
    device = device_of(sam)
    for _ in range(MAX_TRIES):
        sign_in(Client(), "sam", current_code(device, offset_steps=5))
    client = Client()
    response = client.post(
        "/console/sign-in/",
        {"username": "sam", "password": PASSWORD, "otp_token": current_code(device)},
    )
    assert "Too many codes were tried" in response.content.decode()
    assert client.get(QUEUE).status_code == 302


def test_passwords_are_counted_per_client(sam: StaffMember) -> None:
    limits.reset()
    code = current_code(device_of(sam))
    for number in range(30):  # the staff limit per client and hour (access.backends)
        sign_in(Client(), f"someone-{number}", code, password="guess")
    assert sign_in(Client(), "sam", code) == 400, "this client is over its limit"


def test_a_session_ends_after_the_idle_time(sam: StaffMember, settings: SettingsWrapper) -> None:
    client = signed_in(sam)
    assert client.get(QUEUE).status_code == 200
    session = client.session
    session[SEEN] = time.time() - settings.STAFF_IDLE_SECONDS - 1
    session.save()
    assert client.get(QUEUE)["Location"].startswith("/console/sign-in/")
    session = client.session
    session[SEEN] = time.time()
    session.save()
    assert client.get(QUEUE).status_code == 302, "the expired session was ended, not resumed"


def test_the_idle_time_defaults_to_a_quarter_of_an_hour() -> None:
    from django.conf import settings

    assert settings.STAFF_IDLE_SECONDS == 15 * 60


def test_signing_out_ends_the_session(sam: StaffMember) -> None:
    client = signed_in(sam)
    assert client.post("/console/sign-out/").status_code == 302
    assert client.get(QUEUE).status_code == 302


def test_the_console_does_not_exist_in_personal_mode(
    sam: StaffMember, settings: SettingsWrapper
) -> None:
    client = signed_in(sam)
    settings.SERVICE = False
    assert client.get(QUEUE).status_code == 404
    assert Client().get("/console/sign-in/").status_code == 404


# Not a substring of any token on the page ("x1" was, in 1.6% of runs, of the CSRF token).
TYPED = "typed password, never shown back"


def test_a_form_sent_after_the_idle_time_is_not_carried_out_but_shown_back(
    sam: StaffMember, settings: SettingsWrapper
) -> None:
    client = signed_in(sam)
    number = case(sam.helpline, "RPH-1").number
    session = client.session
    session[SEEN] = time.time() - settings.STAFF_IDLE_SECONDS - 1
    session.save()
    words = "Called back <b>at 6pm</b>"
    response = client.post(f"/console/cases/{number}/notes/", {"text": words, "password": TYPED})
    assert response.status_code == 401
    page = response.content.decode()
    assert "Called back &lt;b&gt;at 6pm&lt;/b&gt;" in page, "shown back, escaped"
    assert TYPED not in page, "a password field is never shown back"
    assert f'name="next" value="/console/cases/{number}/notes/"' in page
    assert not CaseNote.objects.exists(), "nothing was kept"
    assert client.get(QUEUE).status_code == 302, "the session stays ended"
