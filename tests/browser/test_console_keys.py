"""A security key in a real Chromium: Chrome's virtual authenticator (the DevTools Protocol's
WebAuthn domain, through a Playwright CDP session) stands in for the key. A caseworker signs in
with their app's code, adds the key on "Your sign-in" (their password asked again), signs out,
and signs in with the key instead of a code. The server checks each answer
(tests/web/console/test_security_keys.py covers the refusals)."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.web.access import limits
from reclaim.web.console.models import AuditEntry, SecurityKey, StaffMember

from ..web.console import fixtures

PASSWORD = "Long Enough Secret, for Staff!"


@pytest.fixture(scope="session")
def orm_beside_playwright() -> Iterator[None]:
    """Let the test make rows while Playwright's sync API runs (see test_console.py); asked
    for before the browser and the test database, so that both are set up with it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def console(
    orm_beside_playwright: None,
    live_server: Any,
    transactional_db: None,
    settings: SettingsWrapper,
) -> Iterator[tuple[str, StaffMember]]:
    settings.SERVICE = True
    settings.HELPLINE_SECRET = fixtures.HELPLINE_SECRET
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    limits.reset()
    member = fixtures.member(fixtures.helpline(), "kim", "caseworker")
    member.user.set_password(PASSWORD)
    member.user.save()
    yield live_server.url, member
    limits.reset()


def test_a_caseworker_adds_a_security_key_and_signs_in_with_it(
    orm_beside_playwright: None, console: tuple[str, StaffMember], browser: Browser
) -> None:
    origin, kim = console
    context = browser.new_context()
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    authenticator = {
        "protocol": "ctap2",
        "transport": "usb",
        "hasResidentKey": False,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": authenticator})

    page.goto(f"{origin}/console/sign-in/")
    page.get_by_label("Username").fill("kim")
    page.get_by_label("Password").fill(PASSWORD)
    device = kim.user.totpdevice_set.get()
    page.get_by_label(re.compile("code", re.I)).fill(fixtures.current_code(device))
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{origin}/console/")

    page.get_by_role("link", name="Your sign-in").click()
    expect(page.get_by_text("You have no security key yet.")).to_be_visible()
    page.get_by_label("A name for the key").fill("red key")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Add a security key").click()
    expect(page.get_by_role("listitem").filter(has_text="red key")).to_be_visible()
    assert SecurityKey.objects.filter(member=kim).count() == 1

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    page.get_by_label("Username").fill("kim")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Use a security key instead of a code").click()
    expect(page).to_have_url(f"{origin}/console/")
    key = SecurityKey.objects.get(member=kim)
    assert key.last_used_at is not None and key.sign_count > 0, "the counter moved on"
    assert AuditEntry.objects.filter(action="add security key", member=kim).count() == 1
    context.close()


def test_without_javascript_the_key_button_stays_hidden(
    orm_beside_playwright: None, console: tuple[str, StaffMember], browser: Browser
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{console[0]}/console/sign-in/")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Use a security key instead of a code")).to_be_hidden()
    context.close()
