"""manage.py console sets up a helpline and its first administrator, who then signs in."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from reclaim.web.console.models import Helpline, StaffMember

from .fixtures import current_code


def run(*arguments: str) -> str:
    out = StringIO()
    call_command("console", *arguments, stdout=out)
    return out.getvalue()


def test_a_helpline_and_its_first_administrator_are_set_up_from_the_server() -> None:
    said = run("helpline-add", "rph", "Test Helpline")
    line = Helpline.objects.get(slug="rph")
    assert line.recipient.startswith("age1") and line.recipient in said
    said = run("admin-add", "rph", "ada", "--caseworker")
    password = re.search(r"First password for ada \(shown once\): (\S+)", said)
    assert password and "otpauth://totp/" in said
    device = TOTPDevice.objects.get(user__username="ada")
    with pytest.raises(CommandError, match="not right"):
        run("device-confirm", "ada", current_code(device, offset_steps=9))
    device.throttling_failure_timestamp = None
    device.throttling_failure_count = 0
    device.save()
    run("device-confirm", "ada", current_code(device, offset_steps=-1))
    client = Client()
    form = {"username": "ada", "password": password[1], "otp_token": current_code(device)}
    assert client.post("/console/sign-in/", form).status_code == 302
    assert client.get("/console/staff/")["Location"] == "/console/password/", "their own first"
    assert StaffMember.objects.get().roles == {"administrator", "caseworker"}


def test_a_helpline_is_added_once() -> None:
    run("helpline-add", "rph", "Test Helpline")
    with pytest.raises(CommandError, match="already"):
        run("helpline-add", "rph", "Another")
