"""Leaving quickly, privacy headers, and logs that say nothing about what a person reads."""

import io
import logging

import pytest
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import translation

from reclaim.web import urls as site_urls
from reclaim.web.safety import errors
from reclaim.web.safety.logging import RedactRequests


@pytest.mark.django_db
def test_exit_ends_the_session_and_clears_site_data(client: Client) -> None:
    session = client.session
    session["anything"] = "kept on the server"
    session.save()
    assert Session.objects.filter(session_key=session.session_key).exists()

    response = client.get("/exit/")

    assert response.status_code == 200
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert response["Cache-Control"] == "no-store"
    assert not Session.objects.filter(session_key=session.session_key).exists()


def test_exit_page_goes_to_the_neutral_site_without_javascript(client: Client) -> None:
    html = client.get("/exit/").content.decode()
    assert f'<meta http-equiv="refresh" content="0;url={settings.EXIT_URL}">' in html
    assert f'<a href="{settings.EXIT_URL}" rel="nofollow noreferrer">' in html


def test_exit_button_is_a_plain_link_that_works_without_javascript(client: Client) -> None:
    html = client.get("/pl/").content.decode()
    assert '<a class="exit-button" href="/exit/" rel="nofollow noreferrer" data-exit>' in html


def test_exit_refuses_post(client: Client) -> None:
    assert client.post("/exit/").status_code == 405


def test_pages_forbid_third_party_content_and_referrers(client: Client) -> None:
    response = client.get("/en/guides/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db  # closing the response runs request_finished, which may touch the database
def test_static_files_are_served_without_no_store(client: Client) -> None:
    response = client.get("/static/support/site.css")
    response.close()
    assert response.status_code == 200
    assert response.get("Cache-Control") != "no-store"


def test_request_log_records_lose_their_path() -> None:
    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "Internal Server Error: %s",
        ("/en/guides/keeping-evidence/",),
        None,
    )
    record.status_code = 500
    RedactRequests().filter(record)
    assert record.getMessage() == "request failed with status 500"


def test_a_failing_page_is_logged_without_its_path(client: Client) -> None:
    handler = logging.getLogger("django.request").handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        client.get("/en/guides/secret-topic-name/")  # a 404: below the logger's level
        client.post("/en/guides/coping/")  # a 405
        client.raise_request_exception = False
        client.get("/en/helplines/gb/", headers={"host": "attacker.example"})  # DisallowedHost
    finally:
        handler.setStream(previous)
    assert "secret-topic-name" not in stream.getvalue()
    assert "/en/" not in stream.getvalue()


# Error pages: the page's language and the exit button, whatever went wrong ----------------

EXIT_LINK = '<a class="exit-button" href="/exit/"'


@pytest.mark.parametrize(("code", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_not_found_page_has_the_exit_and_the_language(
    client: Client, code: str, direction: str
) -> None:
    response = client.get(f"/{code}/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{code}" dir="{direction}">' in html
    assert EXIT_LINK in html


def _raise(request: object) -> None:
    raise RuntimeError("a fault in a view")


urlpatterns = [*i18n_patterns(path("broken/", _raise)), *site_urls.urlpatterns]
# The site's own 500 handler (Django's default where the site sets none).
handler500 = getattr(site_urls, "handler500", "django.views.defaults.server_error")


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize(("code", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_server_error_page_has_the_exit_and_the_language(code: str, direction: str) -> None:
    client = Client(raise_request_exception=False)
    response = client.get(f"/{code}/broken/")
    html = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{code}" dir="{direction}">' in html
    assert EXIT_LINK in html and "Server Error" not in html


def test_a_refused_method_gets_the_error_page_not_an_empty_one(client: Client) -> None:
    response = client.post("/ar/guides/")
    assert response.status_code == 405 and response["Allow"] == "GET"
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html and EXIT_LINK in html


@pytest.mark.django_db
def test_a_form_sent_from_another_site_gets_the_error_page(client: Client) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/ar/locker/set-up/", {}, headers={"Origin": "https://evil.example"})
    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="ar" dir="rtl">' in html and EXIT_LINK in html


def test_error_page_keeps_the_exit_when_the_site_cannot_render(
    monkeypatch: pytest.MonkeyPatch, rf: RequestFactory
) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("templates unreadable")

    monkeypatch.setattr(errors, "render_to_string", broken)
    with translation.override("ar"):
        response = errors.server_error(rf.get("/ar/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="ar" dir="rtl">' in html and EXIT_LINK in html


def test_a_body_larger_than_its_page_takes_gets_the_error_page_in_its_language(
    client: Client,
) -> None:
    response = client.post(
        "/ar/locker/evidence/upload/", {"note": "x"}, CONTENT_LENGTH=str(10 * 1024 * 1024)
    )
    assert response.status_code == 413, "not signed in: an upload page takes a form's size"
    page = response.content.decode()
    assert 'lang="ar"' in page and 'dir="rtl"' in page and "exit-button" in page


def test_the_api_refuses_a_large_body_as_problem_json(client: Client) -> None:
    response = client.post(
        "/api/v1/match", b"{}", "application/json", CONTENT_LENGTH=str(100 * 1024 * 1024)
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 413
