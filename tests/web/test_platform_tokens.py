"""Platform tokens on the admin page and the command line: shown once on the page (never in a
cookie), optionally expiring, listed with their state, and refused by the API once expired."""

import datetime
import json
import re
from io import StringIO

import pytest
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.management import CommandError, call_command
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from reclaim.web.protection import tokens
from reclaim.web.protection.models import ApiToken, Platform

from .staff import sign_in_verified, staff_with_device

TOKEN = re.compile(r"rcl_[A-Za-z0-9_-]{40,}")


@pytest.fixture
def admin_client(client: Client, db: None) -> Client:
    sign_in_verified(client, *staff_with_device())
    return client


def issue_on_the_admin_page(client: Client, platform: Platform, expires: str = "") -> HttpResponse:
    """Choose the action, then fill in its form, as an administrator does."""
    chosen = {"action": "issue_token", "_selected_action": [str(platform.id)]}
    form = client.post("/admin/protection/platform/", chosen)
    assert form.status_code == 200 and "Expires on" in form.content.decode()
    assert not TOKEN.search(form.content.decode()), "nothing issued before the form is sent"
    fields = {**chosen, "scopes": list(tokens.SCOPES), "expires": expires, "issue": "1"}
    response: HttpResponse = client.post("/admin/protection/platform/", fields, follow=True)
    return response


def cookie_texts(client: Client, response: HttpResponse) -> list[str]:
    """Every cookie the response set or the client holds, messages decoded as Django reads them."""
    texts = [morsel.OutputString() for morsel in response.cookies.values()]
    for hop in getattr(response, "redirect_chain", []):
        texts.append(str(hop))
    texts += [morsel.value for morsel in client.cookies.values()]
    messages = client.cookies.get(CookieStorage.cookie_name)
    if messages is not None:
        storage = CookieStorage(RequestFactory().get("/"))
        texts += [str(message) for message in storage._decode(messages.value) or []]
    return texts


def test_an_issued_token_is_shown_once_on_the_page_and_never_put_in_a_cookie(
    admin_client: Client,
) -> None:
    platform = Platform.objects.create(name="Example Video")
    response = issue_on_the_admin_page(admin_client, platform)
    page = response.content.decode()
    [token] = set(TOKEN.findall(page))
    assert page.count(token) == 1 and "only time it is shown" in page
    assert response["Cache-Control"] == "no-store"
    assert tokens.find(token) is not None
    assert all(token not in text for text in cookie_texts(admin_client, response))
    assert token not in json.dumps(dict(admin_client.session.items()))
    later = admin_client.get("/admin/protection/platform/").content.decode()
    assert token not in later and not TOKEN.search(later), "not shown a second time"


def test_a_token_issued_on_the_admin_page_can_expire(admin_client: Client) -> None:
    platform = Platform.objects.create(name="Example Video")
    past = issue_on_the_admin_page(admin_client, platform, str(timezone.now().date()))
    assert "Choose a day after today" in past.content.decode() and not platform.tokens.exists()
    day = timezone.now().date() + datetime.timedelta(days=30)
    page = issue_on_the_admin_page(admin_client, platform, day.isoformat()).content.decode()
    assert f"works until {day:%Y-%m-%d} 00:00 UTC" in page
    [record] = platform.tokens.all()
    assert record.expires == datetime.datetime.combine(day, datetime.time.min, datetime.UTC)


@pytest.mark.django_db
def test_the_command_issues_tokens_that_expire_and_lists_when() -> None:
    out = StringIO()
    call_command("platform", "add", "Example Video", "--expires", "90d", stdout=out)
    assert "works until" in out.getvalue()
    call_command("platform", "token", "Example Video", "--expires", "2999-06-30", stdout=out)
    call_command("platform", "token", "Example Video", stdout=out)
    soon, far, forever = ApiToken.objects.order_by("id")
    assert soon.expires is not None
    assert abs(soon.expires - timezone.now() - datetime.timedelta(days=90)).total_seconds() < 60
    assert far.expires == datetime.datetime(2999, 6, 30, tzinfo=datetime.UTC)
    assert forever.expires is None
    ApiToken.objects.filter(id=soon.id).update(expires=timezone.now() - datetime.timedelta(days=1))
    listed = StringIO()
    call_command("platform", "list", stdout=listed)
    states = [line.split("\t")[-1] for line in listed.getvalue().splitlines()]
    assert states[0].startswith("expired ") and states[1] == "live until 2999-06-30 00:00 UTC"
    assert states[2] == "live"


@pytest.mark.django_db
@pytest.mark.parametrize("when", ["2001-01-01", "soon", "-3d"])
def test_the_command_refuses_an_expiry_in_the_past_or_unreadable_and_registers_nothing(
    when: str,
) -> None:
    with pytest.raises(CommandError, match=r"must be in the future|a number of days"):
        call_command("platform", "add", "Example Video", f"--expires={when}", stdout=StringIO())
    assert not Platform.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_an_expired_token_with_a_problem(client: Client) -> None:
    platform = Platform.objects.create(name="Example Video")
    token = tokens.issue(platform, expires=timezone.now() + datetime.timedelta(hours=1))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/bank", **auth).status_code == 200
    assert tokens.platforms_connected()
    ApiToken.objects.update(expires=timezone.now() - datetime.timedelta(seconds=1))
    refused = client.get("/api/v1/bank", **auth)
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["title"] == "Unknown, expired or revoked token"
    assert not tokens.platforms_connected(), "an expired token connects nothing"
