"""manage.py console sets up a helpline and its first administrator, who then signs in."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from reclaim.web.console.models import Helpline, StaffMember

from .fixtures import enrol_through


def run(*arguments: str) -> str:
    out = StringIO()
    call_command("console", *arguments, stdout=out)
    return out.getvalue()


def test_a_helpline_and_its_first_administrator_are_set_up_from_the_server() -> None:
    said = run("helpline-add", "rph", "Test Helpline")
    line = Helpline.objects.get(slug="rph")
    assert line.recipient.startswith("age1") and line.recipient in said
    said = run("admin-add", "rph", "ada", "--caseworker", "--origin", "https://rph.example")
    link = re.search(r"https://rph\.example/console/invitation/\S+/", said)
    assert link, said
    ada = StaffMember.objects.get()
    assert ada.roles == {"administrator", "caseworker"}
    assert not ada.user.has_usable_password(), "the operator saw no password"
    assert "otpauth://" not in said and not TOTPDevice.objects.exists(), "nor any app's key"
    client, _ = enrol_through(link.group(0), "the administrator's own password")
    assert client.get("/console/staff/").status_code == 200


def test_the_last_administrator_is_invited_again_from_the_server() -> None:
    run("helpline-add", "rph", "Test Helpline")
    first = re.search(r"\S+/console/invitation/\S+/", run("admin-add", "rph", "ada"))
    assert first
    enrol_through(first.group(0))
    again = re.search(r"\S+/console/invitation/\S+/", run("invite", "ada"))
    assert again and not TOTPDevice.objects.exists(), "the lost app is void"
    enrol_through(again.group(0))
    with pytest.raises(CommandError, match="no active member"):
        run("invite", "nobody")


def test_a_helpline_is_added_once() -> None:
    run("helpline-add", "rph", "Test Helpline")
    with pytest.raises(CommandError, match="already"):
        run("helpline-add", "rph", "Another")
