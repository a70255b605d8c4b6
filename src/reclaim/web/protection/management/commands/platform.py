"""manage.py platform: register platforms and manage their API tokens."""

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reclaim.web.protection import tokens
from reclaim.web.protection.models import ApiToken, Platform


class Command(BaseCommand):
    help = "Register a platform, issue or revoke its API tokens, or list them."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="register a platform and print its first token")
        add.add_argument("name")
        add.add_argument("--scopes", default=" ".join(tokens.SCOPES))
        issue = actions.add_parser("token", help="print a new token for a platform")
        issue.add_argument("name")
        issue.add_argument("--scopes", default=" ".join(tokens.SCOPES))
        revoke = actions.add_parser("revoke", help="revoke a token by its first characters")
        revoke.add_argument("prefix")
        actions.add_parser("list", help="list platforms and their tokens (prefixes only)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "add":
            platform, created = Platform.objects.get_or_create(name=options["name"])
            if not created:
                raise CommandError(f"{platform.name} is already registered: use `token`")
            self._issue(platform, options["scopes"])
        elif action == "token":
            found = Platform.objects.filter(name=options["name"]).first()
            if found is None:
                raise CommandError(f"no platform called {options['name']!r}: use `add`")
            self._issue(found, options["scopes"])
        elif action == "revoke":
            count = tokens.revoke(options["prefix"])
            if not count:
                raise CommandError("no live token starts with that")
            self.stdout.write(f"revoked {count} token(s)")
        else:
            for token in ApiToken.objects.select_related("platform").order_by("platform__name"):
                state = f"revoked {token.revoked:%Y-%m-%d}" if token.revoked else "live"
                self.stdout.write(
                    f"{token.platform.name}\t{token.prefix}…\t{token.scopes}\t{state}"
                )

    def _issue(self, platform: Platform, scopes: str) -> None:
        try:
            token = tokens.issue(platform, tuple(scopes.split()))
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Token for {platform.name} (shown once, keep it secret):\n{token}")
