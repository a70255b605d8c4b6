"""Rows for console tests: helplines with keys, staff with a confirmed TOTP device, cases.

Rows are made directly (no pages), with a quick password hasher (see conftest.py).
"""

import datetime
import hashlib
import re
import time
from base64 import b32encode
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from reclaim.web.console import keys
from reclaim.web.console.access import SEEN
from reclaim.web.console.models import Case, CaseAddress, Helpline, StaffMember

PASSWORD = "long enough secret for staff"
HELPLINE_SECRET = "a test secret for helplines, long enough"


def helpline(slug: str = "rph", name: str = "Test Helpline") -> Helpline:
    return keys.new_helpline(slug, name)


def member(
    line: Helpline, username: str, *roles: str, device: bool = True, active: bool = True
) -> StaffMember:
    """A staff member of ``line`` holding ``roles``, with a confirmed authenticator app."""
    user = User.objects.create_user(username, password=PASSWORD)
    if device:
        TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
    flags = {role: True for role in roles}
    return StaffMember.objects.create(user=user, helpline=line, active=active, **flags)


def case(line: Helpline, number: str, **fields: Any) -> Case:
    values: dict[str, Any] = {
        "source": Case.Source.PHONE,
        "opened_at": timezone.now(),
        "contact_method": Case.Contact.PHONE,
        "contact_safe": True,
        "country": "gb",
        "sealed_summary": keys.seal_text(line, f"what happened in {number}"),
        "sealed_contact": keys.seal_text(line, "07700 900123"),
    }
    values.update(fields)
    return Case.objects.create(helpline=line, number=number, **values)


def address(item: Case, url: str, **fields: Any) -> CaseAddress:
    key = hashlib.sha256(url.encode()).hexdigest()
    values: dict[str, Any] = {"platform": "example", "status": CaseAddress.Status.SENT}
    values.update(fields)
    return CaseAddress.objects.create(
        case=item, helpline_id=item.helpline_id, url=url, key=key, **values
    )


def days(n: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=n)


def signed_in(member_: StaffMember) -> Client:
    """A test client signed in as ``member_``, verified by their device, as sign-in leaves it."""
    client = Client()
    device = TOTPDevice.objects.get(user=member_.user)
    client.force_login(member_.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SEEN] = time.time()
    session.save()
    return client


def current_code(device: TOTPDevice, offset_steps: int = 0) -> str:
    """The code the member's authenticator app shows now (or ``offset_steps`` steps away).

    No drift: the app knows nothing of the drift django-otp learns from a late code.
    """
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol_through(link: str, password: str = PASSWORD) -> tuple[Client, TOTPDevice]:
    """Enrol as an invited member does: open ``link``, press Start, choose ``password`` and
    confirm the new app with its code. Return the browser, signed in, and the app."""
    client = Client()
    path = link[link.index("/console/") :]
    assert client.get(path).status_code == 200, "the invitation's first page"
    started = client.post(path)
    assert started.status_code == 302 and started["Location"] == "/console/enrol/"
    page = client.get("/console/enrol/").content.decode()
    found = re.search(r'<p class="secret">([A-Z2-7]+)</p>', page)
    assert found, "the enrolment page shows the new app's key to the member"
    device = TOTPDevice.objects.get(user__console_member__invitations__token_digest=_digest(path))
    assert b32encode(device.bin_key).decode() == found.group(1)
    form = {"new": password, "again": password, "code": current_code(device)}
    done = client.post("/console/enrol/", form)
    assert done.status_code == 302, done.content.decode()[:3000]
    device.refresh_from_db()
    return client, device


def _digest(path: str) -> str:
    token = path.rstrip("/").rsplit("/", 1)[1]
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(page: str) -> str:
    """The invitation link an administrator's page shows."""
    found = re.search(r'id="invitation-link"[^>]*value="([^"]+)"', page)
    assert found, "the page shows the invitation link"
    return found.group(1)
