"""A security key in a real Chromium: Chrome's virtual authenticator (the DevTools Protocol's
WebAuthn domain, through a Playwright CDP session) stands in for the key. A caseworker signs in
with their app's code, adds the key on "Your sign-in" (their password asked again), signs out,
and signs in with the key instead of a code. The server checks each answer
(tests/web/console/test_security_keys.py covers the refusals)."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from reclaim.web.console.models import AuditEntry, SecurityKey, StaffMember

from ..web.console import fixtures
from .console_site import (  # noqa: F401  # fixtures
    PASSWORD,
    _console_tab,
    console_origin,
    console_tab,
    orm_beside_playwright,
)


@pytest.fixture
def console(console_origin: str) -> tuple[str, StaffMember]:  # noqa: F811
    member = fixtures.member(fixtures.helpline(), "kim", "caseworker")
    member.user.set_password(PASSWORD)
    member.user.save()
    return console_origin, member


@pytest.fixture
def with_a_key(console_tab: Page) -> Iterator[Page]:  # noqa: F811
    """The console tab with a virtual authenticator (a security key) attached, then taken off."""
    devtools = console_tab.context.new_cdp_session(console_tab)
    devtools.send("WebAuthn.enable")
    authenticator = {
        "protocol": "ctap2",
        "transport": "usb",
        "hasResidentKey": False,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    added = devtools.send("WebAuthn.addVirtualAuthenticator", {"options": authenticator})
    yield console_tab
    devtools.send("WebAuthn.removeVirtualAuthenticator", added)
    devtools.send("WebAuthn.disable")
    devtools.detach()


def test_a_caseworker_adds_a_security_key_and_signs_in_with_it(
    console: tuple[str, StaffMember], with_a_key: Page
) -> None:
    origin, kim = console
    page = with_a_key
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


def test_without_javascript_the_key_button_stays_hidden(
    console: tuple[str, StaffMember], browser: Browser
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{console[0]}/console/sign-in/")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Use a security key instead of a code")).to_be_hidden()
    context.close()
