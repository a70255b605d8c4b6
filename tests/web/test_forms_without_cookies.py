"""No cookie before the person acts, and forms from other sites still refused.

Pages a person only reads or is about to fill in (the support pages, the locker's welcome,
set-up, unlock and recovery pages, the protection pages) set no cookie; forms are checked by
where the browser says they come from (reclaim.web.safety.origin), not by a csrftoken cookie.
"""

from pathlib import Path

import pytest
from django.test import Client

from .conftest import PASSPHRASE

SET_UP = {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE}
FIRST_PAGES = ["/en/locker/", "/ar/locker/set-up/", "/en/protect/", "/ar/protect/case/"]
LOCKER_EXISTS_PAGES = ["/en/locker/", "/ar/locker/unlock/", "/en/locker/recover/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", FIRST_PAGES)
def test_pages_before_a_locker_set_no_cookie(data_dir: Path, path: str) -> None:
    response = Client().get(path, follow=True)
    assert response.status_code == 200
    assert not response.cookies, f"{path} set {list(response.cookies)}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", LOCKER_EXISTS_PAGES)
def test_pages_that_open_a_locker_set_no_cookie(recovery_code: str, path: str) -> None:
    response = Client().get(path, follow=True)
    assert response.status_code == 200
    assert "<form" in response.content.decode()
    assert not response.cookies, f"{path} set {list(response.cookies)}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
        {"Origin": "http://testserver"},  # a browser too old for Sec-Fetch-Site
    ],
)
def test_a_form_from_this_site_works_with_no_cookie(
    data_dir: Path, headers: dict[str, str]
) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/en/locker/set-up/", SET_UP, headers=headers)
    assert response.status_code == 302 and response["Location"] == "/en/locker/recovery-code/"
    assert "csrftoken" not in response.cookies


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://other.testserver"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://testserver"},  # the browser's word wins
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {},  # says nothing about where it comes from
    ],
)
def test_a_form_from_another_site_is_refused(data_dir: Path, headers: dict[str, str]) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/en/locker/set-up/", SET_UP, headers=headers)
    assert response.status_code == 403
    assert not (data_dir / "locker").exists() or not any((data_dir / "locker").iterdir())
    assert not response.cookies


@pytest.mark.django_db
def test_an_unlock_from_another_site_is_refused(recovery_code: str) -> None:
    client = Client(enforce_csrf_checks=True)
    headers = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    response = client.post("/en/locker/unlock/", {"passphrase": PASSPHRASE}, headers=headers)
    assert response.status_code == 403 and "sessionid" not in response.cookies
