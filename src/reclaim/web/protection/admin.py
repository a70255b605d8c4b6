"""Admin pages for platforms and their API tokens (staff accounts only).

A token is shown once, in the message after "Issue a new API token"; only its SHA-256 is kept.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from reclaim.web.protection import tokens
from reclaim.web.protection.models import ApiToken, Platform


class TokenInline(admin.TabularInline):  # type: ignore[type-arg]  # django-stubs not installed
    model = ApiToken
    fields = ("prefix", "scopes", "created", "last_used", "revoked")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "created")
    inlines = [TokenInline]
    actions = ["issue_token"]

    @admin.action(description="Issue a new API token (shown once)")
    def issue_token(self, request: HttpRequest, chosen: QuerySet[Platform]) -> None:
        for platform in chosen:
            token = tokens.issue(platform)
            self.message_user(
                request, f"Token for {platform.name} (copy it now): {token}", messages.WARNING
            )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("platform", "prefix", "scopes", "created", "last_used", "revoked")
    readonly_fields = ("platform", "prefix", "digest", "scopes", "created", "last_used", "revoked")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued from the platform's page, to show them once

    @admin.action(description="Revoke the chosen tokens")
    def revoke(self, request: HttpRequest, chosen: QuerySet[ApiToken]) -> None:
        count = chosen.filter(revoked__isnull=True).update(revoked=timezone.now())
        self.message_user(request, f"Revoked {count} token(s).")
