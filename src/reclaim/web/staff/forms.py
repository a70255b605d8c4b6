"""The staff sign-in form: password, then the code from the person's authenticator app."""

from typing import Any

from django import forms
from django.utils.functional import Promise
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.models import Device

NO_DEVICE = (
    "This staff account has no second factor yet. An administrator with access to the "
    "server sets one up with: manage.py staff otp-setup {username}"
)


class OneDeviceForm:
    """Plain labels and messages for django-otp's sign-in forms, and the person's one device
    chosen for them; mixed in before a django-otp form (the admin's, the console's)."""

    no_device: str | Promise = NO_DEVICE  # what an account without a confirmed device is told
    fields: Any  # the form's, once mixed in
    cleaned_data: Any

    otp_error_messages = {
        **OTPAdminAuthenticationForm.otp_error_messages,
        "token_required": "Type the 6-digit code your authenticator app shows.",
        "invalid_token": "That code is not right. Check the app and try the current code.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["otp_token"].label = "Code from your authenticator app"
        self.fields["otp_token"].widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric"}
        )

    def clean_otp(self, user: Any) -> None:
        """Refuse an account with no confirmed device plainly, then check its code."""
        if user is not None and not any(devices_for_user(user, confirmed=True)):
            raise forms.ValidationError(str(self.no_device).format(username=user.get_username()))
        super().clean_otp(user)  # type: ignore[misc]

    def _chosen_device(self, user: Any) -> Device | None:
        # Staff have one TOTP device, so nobody has to pick it. django-otp refuses to try every
        # device in turn (each miss would throttle the others); with exactly one, there is no
        # other to throttle. Locked for update, as django-otp locks a chosen one, so parallel
        # guesses are checked one at a time against the throttle.
        device: Device | None = super()._chosen_device(user)  # type: ignore[misc]
        if device is None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user, confirmed=True, for_verify=True))
            device = devices[0] if len(devices) == 1 else None
        return device


# django-otp ships no type hints
class StaffSignInForm(OneDeviceForm, OTPAdminAuthenticationForm):  # type: ignore[misc]
    """django-otp's admin form, with plain labels and the person's one device chosen for them."""
