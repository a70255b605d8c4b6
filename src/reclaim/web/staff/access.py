"""The check every staff page makes: active staff, verified by a confirmed second factor."""

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

View = Callable[..., HttpResponse]


def is_verified_staff(user: Any) -> bool:
    """Return True for an active staff account verified this session by a confirmed device.

    ``is_verified`` comes from django-otp's middleware; without it nobody counts as verified.
    """
    verified = getattr(user, "is_verified", None)
    return bool(user.is_active and user.is_staff and verified is not None and verified())


def staff_required(view: View) -> View:
    """Wrap a view so that only verified staff reach it; others go to the staff sign-in."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_verified_staff(request.user):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        return view(request, *args, **kwargs)

    return wrapper
