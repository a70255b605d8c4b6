"""Security keys and passkeys (WebAuthn) as a member's second factor, beside their TOTP app.

py_webauthn (``webauthn``) checks each answer from the browser: that it signs the challenge
this server gave, for this site's origin and relying-party id (the host the console is served
on), with user presence, and for a sign-in that the key's signature counter moved on (a cloned
key shows up as a counter that did not). A challenge lives in the browser's session for
CHALLENGE_SECONDS and is taken out of it before the answer is checked, so it serves once,
whatever the answer. Each sign-in answer is counted as a code is (``console-code:<user>``),
before it is checked.

Adding a key asks for the member's password again (counted like a sign-in): a session left
open on a shared computer must not be enough to give someone a lasting way in.
"""

import hashlib
import json
import time
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.exceptions import InvalidJSONStructure, WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from reclaim.web.access import attempts
from reclaim.web.console import audit
from reclaim.web.console.models import SecurityKey, StaffMember

RP_NAME = "Reclaim console"
SESSION_KEY = "console_webauthn"  # {"purpose", "challenge" (hex), "user", "at"}
CHALLENGE_SECONDS = 300  # the browser's own timeout (options) is a minute less
MAX_KEYS = 10
MAX_NAME_CHARS = 60


class SecurityKeyError(Exception):
    """The key or its answer was not accepted; the message says why, for the member."""


def site_of(request: HttpRequest) -> tuple[str, str]:
    """Return this site's origin and relying-party id, as the browser must have seen them.

    The host is the one Django validated against ALLOWED_HOSTS, the scheme the one the trusted
    proxy reported (settings), so an answer made for any other site is refused.
    """
    host = request.get_host()
    domain, _port = split_domain_port(host)
    return f"{request.scheme}://{host}", domain


def registration_options(request: HttpRequest, member: StaffMember, password: str) -> str:
    """Check the member's password (counted) and return options for a new key, as JSON."""
    user = member.user
    try:
        known = authenticate(request, username=user.get_username(), password=password)
    except PermissionDenied:
        known = None
    if known is None or known.pk != user.pk:
        raise SecurityKeyError(_("That is not your current password."))
    if SecurityKey.objects.filter(member=member).count() >= MAX_KEYS:
        raise SecurityKeyError(
            _("You have {n} keys already. Remove one you no longer use.").format(n=MAX_KEYS)
        )
    _origin, rp_id = site_of(request)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_name=str(user.get_username()),
        user_id=hashlib.sha256(f"console-member:{member.pk}".encode()).digest(),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=bytes(key.credential_id))
            for key in SecurityKey.objects.filter(member=member)
        ],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        timeout=(CHALLENGE_SECONDS - 60) * 1000,
    )
    _remember(request, "register", user.pk, options.challenge)
    return options_to_json(options)


def register(request: HttpRequest, member: StaffMember, answer: str, name: str) -> SecurityKey:
    """Check the browser's answer to the registration challenge and keep the new key."""
    challenge = _take(request, "register", member.user_id)
    origin, rp_id = site_of(request)
    try:
        verified = verify_registration_response(
            credential=answer,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (WebAuthnException, ValueError, KeyError) as refused:
        raise SecurityKeyError(_("The key's answer was not accepted. Try again.")) from refused
    digest = hashlib.sha256(verified.credential_id).hexdigest()
    if SecurityKey.objects.filter(credential_digest=digest).exists():
        raise SecurityKeyError(_("This key is added already."))
    label = (name.strip() or "security key")[:MAX_NAME_CHARS]
    with transaction.atomic():
        key = SecurityKey.objects.create(
            user_id=member.user_id,
            member=member,
            name=label,
            confirmed=True,
            credential_id=verified.credential_id,
            credential_digest=digest,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            created_at=timezone.now(),
        )
        _log(member, "add security key", {"key": str(key.pk), "name": label})
    return key


def remove(member: StaffMember, key_id: int) -> None:
    """Remove one of the member's own keys (audited)."""
    with transaction.atomic():
        key = SecurityKey.objects.filter(member=member, pk=key_id).first()
        if key is None:
            raise SecurityKeyError(_("That key is not one of yours."))
        key.delete()
        _log(member, "remove security key", {"key": str(key_id), "name": key.name})


def sign_in_options(request: HttpRequest, username: str, password: str) -> str:
    """Check a password (counted, as the sign-in form does) and return options, as JSON."""
    try:
        user = authenticate(request, username=username, password=password)
    except PermissionDenied:
        user = None
    member = StaffMember.objects.filter(user=user, active=True).first() if user else None
    if user is None or member is None:
        raise SecurityKeyError(_("Check the username and password: they did not match an account."))
    keys = list(SecurityKey.objects.filter(member=member, confirmed=True))
    if not keys:
        raise SecurityKeyError(_("This account has no security key. Use the code from your app."))
    _origin, rp_id = site_of(request)
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[PublicKeyCredentialDescriptor(id=bytes(k.credential_id)) for k in keys],
        user_verification=UserVerificationRequirement.PREFERRED,
        timeout=(CHALLENGE_SECONDS - 60) * 1000,
    )
    _remember(request, "sign-in", user.pk, options.challenge)
    return options_to_json(options)


def verify_sign_in(request: HttpRequest, answer: str) -> SecurityKey:
    """Check the browser's answer to the sign-in challenge (counted first); return the key."""
    state = request.session.get(SESSION_KEY)
    user_id = state.get("user") if isinstance(state, dict) else None
    challenge = _take(request, "sign-in", user_id)
    assert isinstance(user_id, int)  # _take refuses a challenge for nobody
    name = f"console-code:{user_id}"  # the same count as the app's codes
    try:
        attempts.reserve(name)
    except attempts.HeldError as held:
        raise SecurityKeyError(
            _("Too many tries for this account. Try again in {minutes} minutes.").format(
                minutes=held.minutes
            )
        ) from None
    key = _key_of(answer, user_id)
    origin, rp_id = site_of(request)
    try:
        verified = verify_authentication_response(
            credential=answer,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(key.public_key),
            credential_current_sign_count=key.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError) as refused:
        raise SecurityKeyError(_("The key's answer was not accepted. Try again.")) from refused
    attempts.forget(name)
    key.sign_count, key.last_used_at = verified.new_sign_count, timezone.now()
    key.save(update_fields=["sign_count", "last_used_at"])
    return key


def user_of(key: SecurityKey) -> User:
    """Return the user a key signs in."""
    return User.objects.get(pk=key.user_id)


def _key_of(answer: str, user_id: int) -> SecurityKey:
    try:
        raw_id = parse_authentication_credential_json(answer).raw_id
    except (InvalidJSONStructure, ValueError, KeyError) as refused:
        raise SecurityKeyError(_("The key's answer was not accepted. Try again.")) from refused
    digest = hashlib.sha256(raw_id).hexdigest()
    found = SecurityKey.objects.filter(credential_digest=digest, user_id=user_id, confirmed=True)
    key = found.select_related("member").first()
    if key is None or not key.member.active:
        raise SecurityKeyError(_("That key is not one of this account's keys."))
    return key


def _remember(request: HttpRequest, purpose: str, user_id: int, challenge: bytes) -> None:
    state: dict[str, Any] = {"purpose": purpose, "challenge": challenge.hex(), "user": user_id}
    request.session[SESSION_KEY] = {**state, "at": time.time()}


def _take(request: HttpRequest, purpose: str, user_id: object) -> bytes:
    """Take the challenge out of the session (it serves once) and return it, or refuse."""
    state = request.session.pop(SESSION_KEY, None)
    fresh = isinstance(state, dict) and time.time() - state.get("at", 0) < CHALLENGE_SECONDS
    if not fresh or state["purpose"] != purpose or state["user"] != user_id or user_id is None:
        raise SecurityKeyError(_("That took too long, or the page was used twice. Start again."))
    return bytes.fromhex(state["challenge"])


def _log(member: StaffMember, action: str, detail: dict[str, str]) -> None:
    audit.append(member.helpline, member, action, target=f"member:{member.pk}", detail=detail)


def as_json(error: Exception) -> str:
    """Return an error's words as the JSON the page's script shows."""
    return json.dumps({"error": str(error)})
