"""manage.py staff: give staff accounts their second factor (TOTP) and list who has one."""

import argparse
import base64
import io
from typing import Any

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "authenticator app"


class Command(BaseCommand):
    help = "Set up or confirm a staff account's second factor (TOTP), or list staff."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        setup = actions.add_parser(
            "otp-setup", help="print a new TOTP key for USER's authenticator app (shown once)"
        )
        setup.add_argument("username")
        setup.add_argument(
            "--replace",
            action="store_true",
            help="remove USER's current second factor now (a lost or stolen phone)",
        )
        confirm = actions.add_parser(
            "otp-confirm", help="confirm USER's new key with a code their app shows"
        )
        confirm.add_argument("username")
        confirm.add_argument("code")
        actions.add_parser("list", help="list staff accounts and their second factor")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "otp-setup":
            self._set_up(_staff(options["username"]), options["replace"])
        elif options["action"] == "otp-confirm":
            self._confirm(_staff(options["username"]), options["code"])
        else:
            self._list()

    def _set_up(self, user: Any, replace: bool) -> None:
        devices = TOTPDevice.objects.filter(user=user)
        if devices.filter(confirmed=True).exists() and not replace:
            raise CommandError(
                f"{user.get_username()} already has a second factor; "
                "add --replace to remove it and set up a new one"
            )
        with transaction.atomic():
            devices.delete()  # a pending key or, with --replace, the old device: one at a time
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        name = user.get_username()
        self.stdout.write(
            f"Second factor for {name} (shown once; anyone who sees it can make codes).\n"
            "Scan this with an authenticator app, or add the URI or the key by hand:"
        )
        drawn = io.StringIO()  # then one write: Django's stdout would end each piece with a line
        segno.make(device.config_url, error="m").terminal(out=drawn, compact=True)
        self.stdout.write(drawn.getvalue(), ending="")
        self.stdout.write(f"URI: {device.config_url}\nKey: {_base32(device)}")
        self.stdout.write(
            f"Then confirm it with a code the app shows:\n  manage.py staff otp-confirm {name} CODE"
        )

    def _confirm(self, user: Any, code: str) -> None:
        with transaction.atomic():
            pending = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False)
            device = pending.first()
            if device is None:
                raise CommandError(
                    f"nothing to confirm: run `staff otp-setup {user.get_username()}`"
                )
            allowed, _ = device.verify_is_allowed()
            verified = device.verify_token(code.strip())  # throttled: counts a miss, then waits
            if verified:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
        if not verified:
            # Outside the transaction, so that the throttle's count of this miss is kept.
            reason = "" if allowed else " (too many wrong codes: wait a little)"
            raise CommandError(f"that code is not right{reason}; try the current one")
        self.stdout.write(f"{user.get_username()} signs in at /admin/ with this app from now on.")

    def _list(self) -> None:
        for user in get_user_model().objects.filter(is_staff=True).order_by("username"):
            devices = TOTPDevice.objects.filter(user=user)
            if devices.filter(confirmed=True).exists():
                state = "second factor confirmed"
            elif devices.exists():
                state = "second factor not confirmed yet: cannot sign in"
            else:
                state = "no second factor: cannot sign in"
            active = "" if user.is_active else " (inactive)"
            self.stdout.write(f"{user.get_username()}{active}\t{state}")


def _staff(username: str) -> Any:
    found = get_user_model().objects.filter(username=username).first()
    if found is None:
        raise CommandError(f"no account called {username!r}: make one with createsuperuser")
    if not found.is_staff:
        raise CommandError(f"{username} is not staff: only staff sign in at /admin/")
    return found


def _base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()
