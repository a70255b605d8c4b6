"""Admin pages for platforms and their API tokens (verified staff only: reclaim.web.staff).

"Issue a new API token" asks for the scopes and an optional expiry, then shows each token once,
on that page only: never in a message (Django keeps those in a cookie), never in the session.
Only its SHA-256 is kept.
"""

import datetime

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from reclaim.web.protection import tokens
from reclaim.web.protection.models import ApiToken, Platform


class TokenInline(admin.TabularInline):  # type: ignore[type-arg]  # django-stubs not installed
    model = ApiToken
    fields = ("prefix", "scopes", "created", "last_used", "expires", "revoked")
    readonly_fields = fields
    extra = 0
    can_delete = False


class IssueForm(forms.Form):
    """What a new token may do, and until when."""

    scopes = forms.MultipleChoiceField(
        choices=[(s, s) for s in tokens.SCOPES],
        initial=list(tokens.SCOPES),
        widget=forms.CheckboxSelectMultiple,
    )
    expires = forms.DateField(
        required=False,
        label="Expires on (optional)",
        help_text="YYYY-MM-DD. The token stops working at 00:00 UTC that day. "
        "Leave empty for a token that works until it is revoked.",
    )

    def clean_expires(self) -> datetime.datetime | None:
        day = self.cleaned_data.get("expires")
        if day is None:
            return None
        when = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
        if when <= timezone.now():
            raise forms.ValidationError("Choose a day after today.")
        return when


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "created")
    inlines = [TokenInline]
    actions = ["issue_token"]

    @admin.action(description="Issue a new API token (shown once)")
    def issue_token(self, request: HttpRequest, chosen: QuerySet[Platform]) -> HttpResponse:
        form = IssueForm(request.POST if "issue" in request.POST else None)
        if not form.is_valid():
            return self._page(request, "issue_token.html", form=form, platforms=chosen)
        scopes, expires = tuple(form.cleaned_data["scopes"]), form.cleaned_data["expires"]
        issued = [(platform, tokens.issue(platform, scopes, expires)) for platform in chosen]
        response = self._page(request, "tokens_issued.html", issued=issued, expires=expires)
        response["Cache-Control"] = "no-store"  # the page holds the tokens: keep no copy
        return response

    def _page(self, request: HttpRequest, name: str, **context: object) -> TemplateResponse:
        return TemplateResponse(
            request,
            f"admin/protection/platform/{name}",
            {**self.admin_site.each_context(request), "opts": self.model._meta, **context},
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("platform", "prefix", "scopes", "created", "last_used", "expires", "revoked")
    readonly_fields = (
        "platform",
        "prefix",
        "digest",
        "scopes",
        "created",
        "last_used",
        "expires",
        "revoked",
    )
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued from the platform's page, to show them once

    @admin.action(description="Revoke the chosen tokens")
    def revoke(self, request: HttpRequest, chosen: QuerySet[ApiToken]) -> None:
        count = chosen.filter(revoked__isnull=True).update(revoked=timezone.now())
        self.message_user(request, f"Revoked {count} token(s).")
