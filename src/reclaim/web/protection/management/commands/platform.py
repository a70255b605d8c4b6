"""manage.py platform: register platforms and manage their API tokens."""

import argparse
import datetime
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from reclaim.web.protection import tokens
from reclaim.web.protection.models import ApiToken, Platform


class Command(BaseCommand):
    help = "Register a platform, issue or revoke its API tokens, or list them."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="register a platform and print its first token")
        add.add_argument("name")
        issue = actions.add_parser("token", help="print a new token for a platform")
        issue.add_argument("name")
        for subcommand in (add, issue):
            subcommand.add_argument("--scopes", default=" ".join(tokens.SCOPES))
            subcommand.add_argument(
                "--expires",
                metavar="WHEN",
                help="when the token stops working: a number of days (90d), a date "
                "(2027-06-30: at 00:00 UTC that day) or a date and time (UTC unless given); "
                "without it, the token works until revoked",
            )
        revoke = actions.add_parser("revoke", help="revoke a token by its first characters")
        revoke.add_argument("prefix")
        actions.add_parser("list", help="list platforms and their tokens (prefixes only)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        until = _expiry(options.get("expires"))
        if action == "add":
            with transaction.atomic():  # a bad scope or expiry registers nothing
                platform, created = Platform.objects.get_or_create(name=options["name"])
                if not created:
                    raise CommandError(f"{platform.name} is already registered: use `token`")
                self._issue(platform, options["scopes"], until)
        elif action == "token":
            found = Platform.objects.filter(name=options["name"]).first()
            if found is None:
                raise CommandError(f"no platform called {options['name']!r}: use `add`")
            self._issue(found, options["scopes"], until)
        elif action == "revoke":
            count = tokens.revoke(options["prefix"])
            if not count:
                raise CommandError("no live token starts with that")
            self.stdout.write(f"revoked {count} token(s)")
        else:
            self._list()

    def _list(self) -> None:
        now = timezone.now()
        for token in ApiToken.objects.select_related("platform").order_by("platform__name", "id"):
            state = tokens.state(token, now)
            self.stdout.write(f"{token.platform.name}\t{token.prefix}…\t{token.scopes}\t{state}")

    def _issue(self, platform: Platform, scopes: str, until: datetime.datetime | None) -> None:
        try:
            token = tokens.issue(platform, tuple(scopes.split()), until)
        except ValueError as error:
            raise CommandError(str(error)) from None
        ends = "" if until is None else f", works until {until:%Y-%m-%d %H:%M} UTC"
        self.stdout.write(f"Token for {platform.name} (shown once, keep it secret{ends}):\n{token}")


def _expiry(text: str | None) -> datetime.datetime | None:
    try:
        return None if text is None else parse_expiry(text, timezone.now())
    except ValueError as error:
        raise CommandError(str(error)) from None


def parse_expiry(text: str, now: datetime.datetime) -> datetime.datetime:
    """Return the UTC instant ``text`` names: ``90d`` (days from ``now``), a date, or a time."""
    days = re.fullmatch(r"(\d{1,5})d", text.strip())
    if days:
        return now + datetime.timedelta(days=int(days[1]))
    try:
        when = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--expires {text!r}: give a number of days (90d), a date (2027-06-30) "
            "or a date and time (2027-06-30T12:00)"
        ) from None
    return (when if when.tzinfo else when.replace(tzinfo=datetime.UTC)).astimezone(datetime.UTC)
