"""manage.py console: set up a helpline and its first administrator from the server.

The administrator is given an invitation link (as every member is): with it they choose their
own password and authenticator app. Every later member is added by an administrator on the
console's staff page; ``invite`` gives a member a new invitation from the server (for the last
administrator, who has nobody to ask).
"""

import argparse
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from reclaim.web.console import audit, enrolment, keys
from reclaim.web.console.models import Helpline, StaffMember


class Command(BaseCommand):
    help = "Add a helpline, add its first administrator, or give a member a new invitation."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        helpline = actions.add_parser("helpline-add", help="add a helpline with its own keys")
        helpline.add_argument("slug")
        helpline.add_argument("name")
        admin = actions.add_parser(
            "admin-add", help="add an administrator to a helpline (an invitation link, shown once)"
        )
        admin.add_argument("slug")
        admin.add_argument("username")
        admin.add_argument("--caseworker", action="store_true", help="a caseworker as well")
        invite = actions.add_parser(
            "invite", help="give a member a new invitation (voids their password and factors)"
        )
        invite.add_argument("username")
        for each in (admin, invite):
            each.add_argument(
                "--origin", default="https://HOST", help="the console's origin, for the link"
            )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "helpline-add":
            if Helpline.objects.filter(slug=options["slug"]).exists():
                raise CommandError(f"there is a helpline called {options['slug']} already")
            line = keys.new_helpline(options["slug"], options["name"])
            self.stdout.write(f"{line.name}: referrals are encrypted to {line.recipient}")
        elif options["action"] == "admin-add":
            issued = self._add_admin(options["slug"], options["username"], options["caseworker"])
            self._show(options["username"], issued, options["origin"])
        else:
            issued = self._invite(options["username"])
            self._show(options["username"], issued, options["origin"])

    def _add_admin(self, slug: str, username: str, caseworker: bool) -> enrolment.Issued:
        line = Helpline.objects.filter(slug=slug).first()
        if line is None:
            raise CommandError(f"no helpline called {slug}: add it with helpline-add")
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"the username {username} is taken")
        with transaction.atomic():
            user = User.objects.create_user(username)  # no usable password until they choose
            member = StaffMember.objects.create(
                user=user, helpline=line, administrator=True, caseworker=caseworker
            )
            issued, _ = enrolment.issue(member, None)
            detail = {"roles": "administrator,caseworker" if caseworker else "administrator"}
            audit.append(
                line, None, "add member", target=f"member:{member.pk}", detail=_of(issued, detail)
            )
        return issued

    def _invite(self, username: str) -> enrolment.Issued:
        found = StaffMember.objects.select_related("helpline").filter(user__username=username)
        member = found.first()
        if member is None or not member.active:
            raise CommandError(f"no active member called {username}")
        with transaction.atomic():
            issued, voided = enrolment.issue(member, None)
            detail = _of(issued, {"voided": ",".join(map(str, voided))})
            audit.append(
                member.helpline, None, "issue invitation", target=f"member:{member.pk}",
                detail=detail,
            )  # fmt: skip
        return issued

    def _show(self, username: str, issued: enrolment.Issued, origin: str) -> None:
        hours = enrolment.INVITATION_HOURS
        self.stdout.write(
            f"Invitation for {username} (shown once, for {hours} hours, usable once):\n"
            f"{origin.rstrip('/')}{issued.path}\n"
            "With it they choose their own password and set up their authenticator app."
        )


def _of(issued: enrolment.Issued, detail: dict[str, str]) -> dict[str, str]:
    invitation = issued.invitation
    expires = invitation.expires_at.isoformat()
    return {**detail, "invitation": str(invitation.pk), "expires": expires}
