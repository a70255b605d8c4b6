"""Helpers for tests of staff pages: a staff account with a confirmed TOTP device, and codes."""

import time
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "long enough secret for staff"  # a test account's password


def staff_with_device(username: str = "admin") -> tuple[User, TOTPDevice]:
    """A superuser with a confirmed authenticator app, as `staff otp-setup` then -confirm make."""
    user = User.objects.create_superuser(username, password=PASSWORD)
    return user, TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows now, computed from the device's key."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A code that is not valid now nor one step either side."""
    valid = set()
    for offset in (-1, 0, 1):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time() + offset * device.step
        valid.add(totp.token())
    return next(f"{n:06d}" for n in range(123456, 1000000) if n not in valid)


def sign_in_verified(client: Client, user: Any, device: TOTPDevice) -> None:
    """Sign ``client`` in as ``user``, verified by ``device`` (as the sign-in page leaves it)."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
