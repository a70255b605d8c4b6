"""Staff sign-in (the admin site) with its tries counted before each password is checked."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from reclaim.web.access import attempts, limits

# Per client, whatever the names tried: enough for a team sharing one office's address.
STAFF_TRIES_PER_HOUR = 30


class CountedModelBackend(ModelBackend):
    """Django's username and password check, with the same counting as survivors' sign-in.

    Each try is counted (per username, and per client when there is a request) before the
    password is checked; a held name or a client over its limit stops authentication at
    once (PermissionDenied), with Django's usual "wrong username or password" answer.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        """Return the user whose password this is, or None; raise PermissionDenied if held."""
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        if request is not None and not limits.allow(request, "staff", STAFF_TRIES_PER_HOUR):
            raise PermissionDenied("too many sign-in tries from this client")
        name = "staff:" + username
        try:
            attempts.reserve(name)
        except attempts.HeldError:
            raise PermissionDenied("too many tries for this username") from None
        user = super().authenticate(request, username, password, **kwargs)
        if user is not None:
            attempts.forget(name)
        return user
