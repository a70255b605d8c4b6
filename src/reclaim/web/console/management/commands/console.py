"""manage.py console: set up a helpline and its first administrator from the server.

Every later member is added by an administrator on the console's staff page.
"""

import argparse
import io
from typing import Any

import segno
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from reclaim.web.console import audit, keys, staffing
from reclaim.web.console.models import Helpline, StaffMember


class Command(BaseCommand):
    help = "Add a helpline, add its first administrator, or confirm their authenticator app."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        helpline = actions.add_parser("helpline-add", help="add a helpline with its own keys")
        helpline.add_argument("slug")
        helpline.add_argument("name")
        admin = actions.add_parser(
            "admin-add", help="add an administrator to a helpline (password and key shown once)"
        )
        admin.add_argument("slug")
        admin.add_argument("username")
        admin.add_argument("--caseworker", action="store_true", help="a caseworker as well")
        confirm = actions.add_parser(
            "device-confirm", help="confirm a member's authenticator app with a code it shows"
        )
        confirm.add_argument("username")
        confirm.add_argument("code")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "helpline-add":
            if Helpline.objects.filter(slug=options["slug"]).exists():
                raise CommandError(f"there is a helpline called {options['slug']} already")
            line = keys.new_helpline(options["slug"], options["name"])
            self.stdout.write(f"{line.name}: referrals are encrypted to {line.recipient}")
        elif options["action"] == "admin-add":
            self._add_admin(options["slug"], options["username"], options["caseworker"])
        else:
            self._confirm(options["username"], options["code"])

    def _add_admin(self, slug: str, username: str, caseworker: bool) -> None:
        line = Helpline.objects.filter(slug=slug).first()
        if line is None:
            raise CommandError(f"no helpline called {slug}: add it with helpline-add")
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"the username {username} is taken")
        password = staffing.first_password()
        with transaction.atomic():
            user = User.objects.create_user(username, password=password)
            member = StaffMember.objects.create(
                user=user,
                helpline=line,
                administrator=True,
                caseworker=caseworker,
                must_change_password=True,
            )
            device = TOTPDevice.objects.create(
                user=user, name=staffing.DEVICE_NAME, confirmed=False
            )
            audit.append(line, None, "add member", target=f"member:{member.pk}")
        drawn = io.StringIO()
        segno.make(device.config_url, error="m").terminal(out=drawn, compact=True)
        self.stdout.write(
            f"First password for {username} (shown once): {password}\n"
            "Scan this with an authenticator app, or add the URI or the key by hand:"
        )
        self.stdout.write(drawn.getvalue(), ending="")
        enrolment = staffing.enrolment_of(member, password, device)
        self.stdout.write(f"URI: {enrolment.config_url}\nKey: {enrolment.secret}")
        self.stdout.write(f"Then: manage.py console device-confirm {username} CODE")

    def _confirm(self, username: str, code: str) -> None:
        device = TOTPDevice.objects.filter(user__username=username, confirmed=False).first()
        if device is None:
            raise CommandError(f"{username} has no authenticator app waiting to be confirmed")
        if not device.verify_is_allowed()[0]:
            raise CommandError("too many wrong codes: wait a little, then type the current one")
        if not device.verify_token(code.strip()):
            raise CommandError("that code is not right; try the current one")
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        self.stdout.write(f"{username} signs in at /console/sign-in/ with this app from now on.")
