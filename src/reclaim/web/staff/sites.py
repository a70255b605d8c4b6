"""The admin site: only verified staff (access.is_verified_staff) get past its sign-in."""

from django.http import HttpRequest
from django_otp.admin import OTPAdminSite

from reclaim.web.staff.access import is_verified_staff
from reclaim.web.staff.forms import StaffSignInForm


class StaffAdminSite(OTPAdminSite):  # type: ignore[misc]  # django-otp ships no type hints
    """Django's admin behind a password and a TOTP code (django-otp)."""

    login_form = StaffSignInForm
    login_template = "staff/login.html"
    site_header = site_title = "Reclaim administration"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)  # "admin", so that admin:... URLs keep their names

    def has_permission(self, request: HttpRequest) -> bool:
        return is_verified_staff(request.user)
