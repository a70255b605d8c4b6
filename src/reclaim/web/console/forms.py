"""The console's forms: sign-in, intake, assignment, staff and settings."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.forms import OTPAuthenticationForm
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from reclaim.web.access import attempts
from reclaim.web.console.models import Case, StaffMember
from reclaim.web.console.permissions import ROLES
from reclaim.web.countries import COUNTRY_NAMES
from reclaim.web.staff.forms import OneDeviceForm

NO_DEVICE = _(
    "This account has no confirmed authenticator app yet. Open the invitation link an "
    "administrator of your helpline gave you, or ask them for a new one."
)
INTAKE_SOURCES = (Case.Source.PHONE, Case.Source.EMAIL, Case.Source.CHAT)
NO_MATCH = _("That username and password do not match. Check both; capital letters count.")
HELD = _("Too many codes were tried for this account. Try again in {minutes} minutes.")


class SignInForm(OneDeviceForm, OTPAuthenticationForm):  # type: ignore[misc]  # django-otp: no types
    """Username and password (counted before each check), then the authenticator code.

    Each code is counted per account before it is checked (access.attempts), on top of
    django-otp's throttle, which doubles the wait after each wrong code.
    """

    no_device = NO_DEVICE  # lazy: in the language of the page that shows it
    otp_error_messages = {
        **OneDeviceForm.otp_error_messages,
        "token_required": _("Type the 6-digit code your authenticator app shows."),
        "invalid_token": _("That code is not right. Check the app and try the current code."),
    }

    error_messages = {
        **OTPAuthenticationForm.error_messages,
        "invalid_login": NO_MATCH,
        "inactive": NO_MATCH,  # an account that is off is not told apart from a wrong password
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django's own words for these are not in every language the console has (Urdu).
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.fields["otp_token"].label = _("Code from your authenticator app")

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not StaffMember.objects.filter(user=user, active=True).exists():
            raise forms.ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )

    def clean_otp(self, user: Any) -> None:
        if user is None:
            return
        name = f"console-code:{user.pk}"
        try:
            attempts.reserve(name)
        except attempts.HeldError as held:
            raise forms.ValidationError(HELD.format(minutes=held.minutes)) from None
        super().clean_otp(user)
        attempts.forget(name)

    def _chosen_device(self, user: Any) -> Device | None:
        # A member may have security keys beside their app (django-otp devices too, which take
        # no typed code): the code typed here is for the app.
        device: Device | None = super()._chosen_device(user)
        if device is None and not self.cleaned_data.get("otp_device"):
            found = devices_for_user(user, confirmed=True, for_verify=True)
            apps = [each for each in found if isinstance(each, TOTPDevice)]
            device = apps[0] if len(apps) == 1 else None
        return device


class IntakeForm(forms.Form):
    """What a caseworker asks at intake: as little as needed, and no real name."""

    source = forms.ChoiceField(
        label=_("How they reached us"),
        # Intake is a call, an email or a chat; a referral (sent or a file) makes its own case.
        choices=[(c.value, c.label) for c in INTAKE_SOURCES],
    )
    contact_method = forms.ChoiceField(label=_("How to reach them"), choices=Case.Contact.choices)
    contact = forms.CharField(
        label=_("Contact details (a number or address they chose; not a real name)"),
        required=False,
        max_length=200,
    )
    contact_safe = forms.TypedChoiceField(
        label=_("Is it safe to contact them this way?"),
        choices=[("no", _("No, or not sure: never use it")), ("yes", _("Yes, they said so"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="no",
    )
    country = forms.ChoiceField(label=_("Country they live in"), choices=(), required=False)
    under_18 = forms.TypedChoiceField(
        label=_("Was anyone in the images under 18 when they were taken?"),
        choices=[("no", _("No")), ("yes", _("Yes, or not sure"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    summary = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )
    pasted = forms.CharField(
        label=_("Addresses where the content is (paste them, one a line or in any text)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=500_000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = country_choices()


def country_choices() -> list[tuple[str, str]]:
    """Return the countries a case can be in, by name, with "not known" first."""
    named = sorted((str(name), code) for code, name in COUNTRY_NAMES.items())
    return [("", str(_("Not known, or another country"))), *((c, n) for n, c in named)]


class AssignForm(forms.Form):
    member = forms.IntegerField(label=_("Caseworker"), min_value=1)


class ClaimForm(forms.Form):
    take_over = forms.BooleanField(required=False)


class MemberForm(forms.Form):
    username = forms.SlugField(label=_("Username"), max_length=64)
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[(role, _(role)) for role in ROLES],  # each role a msgid (staff.html)
        widget=forms.CheckboxSelectMultiple,
    )


class RolesForm(forms.Form):
    roles = MemberForm.base_fields["roles"]


class PasswordForm(forms.Form):
    """A member replaces their password (the first one, which someone else saw)."""

    old = forms.CharField(
        label=_("Your current password"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new = forms.CharField(
        label=_("A new password only you know (at least 12 characters)"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    again = forms.CharField(
        label=_("The new password again"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("new") and data.get("again") and data["new"] != data["again"]:
            self.add_error("again", _("The two new passwords are not the same."))
        return data


class EnrolForm(forms.Form):
    """A member's own password, and the first code from the app they have just added."""

    new = PasswordForm.base_fields["new"]
    again = PasswordForm.base_fields["again"]
    code = forms.CharField(
        label=_("The code your app shows now"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("new") and data.get("again") and data["new"] != data["again"]:
            self.add_error("again", _("The two new passwords are not the same."))
        return data


class KeySignInForm(forms.Form):
    """The first step of signing in with a security key: who, and their password."""

    username = forms.CharField(max_length=150)
    password = forms.CharField(strip=False, max_length=200)


class KeyAddForm(forms.Form):
    """Adding a security key: its name, and the member's password again."""

    name = forms.CharField(
        label=_("A name for the key (for example: blue key, work laptop)"),
        max_length=60,
        required=False,
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SettingsForm(forms.Form):
    retention_months = forms.IntegerField(
        label=_("Keep closed cases for (months)"), min_value=1, max_value=120
    )
    reveals_per_hour = forms.IntegerField(
        label=_("Media a caseworker may reveal in an hour"), min_value=1, max_value=200
    )


def member_choices(members: list[StaffMember]) -> list[tuple[str, str]]:
    """Return (id, username) choices for a caseworker filter."""
    return [(str(m.pk), str(m.user.get_username())) for m in members]
