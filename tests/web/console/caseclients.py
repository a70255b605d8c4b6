"""Helpers for the case work tests: a signed-in client, what the whole database holds."""

import time

from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from reclaim.web.console.access import SEEN
from reclaim.web.console.models import StaffMember


def client_for(member_: StaffMember) -> Client:
    """A test client signed in as ``member_``, verified by their device, as sign-in leaves it."""
    client = Client()
    device = TOTPDevice.objects.get(user=member_.user)
    client.force_login(member_.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SEEN] = time.time()
    session.save()
    return client


def whole_database() -> bytes:
    """Every value of every table, as bytes (text encoded as UTF-8), to look for plaintext in."""
    found = bytearray()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)  # names the database itself listed
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        found += bytes(value)
                    elif value is not None:
                        found += str(value).encode()
                    found += b"\0"
    return bytes(found)
