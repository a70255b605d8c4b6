"""Every page of the support site, in every language, through Django's test client."""

import re

import pytest
from django.test import Client
from django.utils import translation

from reclaim.languages import LANGUAGE_CODES, LANGUAGES
from reclaim.web.support.content import library, page_paths
from reclaim.web.support.templatetags.reclaim import whole_filesize

ALL_PAGES = [(code, path) for code in LANGUAGE_CODES for path in page_paths(code)]


@pytest.mark.parametrize(("code", "path"), ALL_PAGES)
def test_every_page_renders_in_its_language(client: Client, code: str, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    direction = "rtl" if code in ("ur", "ar") else "ltr"
    assert f'<html lang="{code}" dir="{direction}">' in html
    assert html.count("<h1") == 1
    assert 'href="/exit/"' in html, "every page has the exit button"
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies, "no cookie is set until one is needed"


def test_site_has_the_pages_the_issue_names() -> None:
    paths = page_paths("en")
    for expected in (
        "/en/plan/shared/",
        "/en/plan/threatened/",
        "/en/plan/worried/",
        "/en/plan/under-18/",
        "/en/plan/helping/",
        "/en/guides/what-it-is/",
        "/en/guides/not-your-fault/",
        "/en/guides/asking-for-removal/",
        "/en/guides/keeping-evidence/",
        "/en/guides/reporting-to-police/",
        "/en/guides/staying-safe-online/",
        "/en/guides/coping/",
        "/en/guides/families-and-friends/",
        "/en/walkthrough/police/1/",
        "/en/helplines/gb/",
    ):
        assert expected in paths


def test_header_holds_the_helpline_link_and_exit_in_the_same_place_on_every_page(
    client: Client,
) -> None:
    headers = set()
    for path in page_paths("en"):
        html = client.get(path).content.decode()
        start = html.index('<header class="site-header">')
        headers.add(html[start : html.index("</header>", start)])
    assert len(headers) == 1
    (header,) = headers
    assert 'class="help-link" href="/en/helplines/"' in header
    assert 'class="exit-button" href="/exit/"' in header


def test_language_switcher_names_each_language_in_itself(client: Client) -> None:
    html = client.get("/ar/guides/coping/").content.decode()
    for language in LANGUAGES:
        link = (
            f'<a href="/{language.code}/guides/coping/" lang="{language.code}" '
            f'hreflang="{language.code}"'
        )
        assert link in html
        assert f">{language.native_name}</a>" in html
    assert 'lang="ar" hreflang="ar" aria-current="true"' in html


def test_root_redirects_to_the_browser_language(client: Client) -> None:
    response = client.get("/", headers={"accept-language": "pl-PL,pl;q=0.9"})
    assert response.status_code == 302
    assert response["Location"] == "/pl/"


def test_start_page_offers_the_five_situations(client: Client) -> None:
    html = client.get("/en/").content.decode()
    for slug in ("shared", "threatened", "worried", "under-18", "helping"):
        assert f'value="{slug}"' in html


@pytest.mark.parametrize("situation", ["shared", "threatened", "worried", "helping"])
def test_age_is_asked_before_any_plan(client: Client, situation: str) -> None:
    response = client.get("/en/start/age/", {"situation": situation})
    assert response.status_code == 200
    assert "under 18 in the image?" in response.content.decode()


@pytest.mark.parametrize(
    ("situation", "answer", "plan"),
    [
        ("shared", "adult", "shared"),
        ("threatened", "adult", "threatened"),
        ("helping", "adult", "helping"),
        ("shared", "under-18", "under-18"),
        ("worried", "not-sure", "under-18"),
        ("under-18", None, "under-18"),
    ],
)
def test_age_answer_leads_to_the_right_plan(
    client: Client, situation: str, answer: str | None, plan: str
) -> None:
    query = {"situation": situation} | ({"age": answer} if answer else {})
    response = client.get("/ro/start/age/", query)
    assert response.status_code == 302
    assert response["Location"] == f"/ro/plan/{plan}/"


def test_missing_situation_shows_a_clear_error(client: Client) -> None:
    response = client.get("/en/start/age/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose what has happened to see your plan." in html
    assert 'aria-invalid="true"' in html
    assert "<title>Error:" in html


def test_unknown_age_answer_shows_a_clear_error(client: Client) -> None:
    response = client.get("/en/start/age/", {"situation": "shared", "age": "maybe"})
    assert response.status_code == 400
    assert "Choose one answer." in response.content.decode()


@pytest.mark.parametrize("slug", ["shared", "threatened", "helping"])
def test_plans_with_evidence_advice_put_the_under_18_stop_first(client: Client, slug: str) -> None:
    html = client.get(f"/en/plan/{slug}/").content.decode()
    assert library().document("plan", slug, "en").evidence_advice
    assert html.index('class="stop-box"') < html.index('class="checklist"')


def test_under_18_plan_never_advises_keeping_copies_of_the_image(client: Client) -> None:
    document = library().document("plan", "under-18", "en")
    assert not document.evidence_advice
    assert all(target.value != "keeping-evidence" for target in document.links())
    text = client.get("/en/plan/under-18/").content.decode().lower()
    assert (
        "do not screenshot" in text
        or "don't screenshot" in text
        or "do not take screenshots" in text
    )


def test_plan_is_a_checklist_with_a_labelled_box_per_step(client: Client) -> None:
    document = library().document("plan", "threatened", "en")
    html = client.get("/en/plan/threatened/").content.decode()
    for section in document.sections:
        assert f'<input type="checkbox" id="done-{section.id}" data-step="{section.id}">' in html
        assert f'<label for="done-{section.id}">' in html


def test_walkthrough_steps_link_back_and_forward(client: Client) -> None:
    steps = len(library().document("walkthrough", "police", "en").sections)
    first = client.get("/en/walkthrough/police/1/").content.decode()
    assert 'rel="next" href="/en/walkthrough/police/2/"' in first and 'rel="prev"' not in first
    last = client.get(f"/en/walkthrough/police/{steps}/").content.decode()
    assert f'rel="prev" href="/en/walkthrough/police/{steps - 1}/"' in last
    assert client.get(f"/en/walkthrough/police/{steps + 1}/").status_code == 404
    assert client.get("/en/walkthrough/police/").status_code == 200


def test_helplines_show_tel_links_hours_and_unverified_flag(client: Client) -> None:
    html = client.get("/en/helplines/gb/").content.decode()
    assert 'href="tel:+443456000459"' in html  # Revenge Porn Helpline
    assert "Monday to Friday, 10:00–16:00" in html
    unverified = [entry for entry in library().helplines_in("gb") if not entry.verified]
    assert html.count('class="unverified"') == len(
        [entry for entry in unverified if not entry.emergency]
    )


def test_helpline_directory_lists_countries_without_guessing(client: Client) -> None:
    html = client.get("/en/helplines/").content.decode()
    for code in library().countries():
        assert f'href="/en/helplines/{code}/"' in html
    assert client.get("/en/helplines/zz/").status_code == 404


def test_unknown_guide_is_not_found(client: Client) -> None:
    assert client.get("/en/guides/no-such-guide/").status_code == 404


def test_pages_make_no_reference_to_other_origins_except_links(client: Client) -> None:
    for path in page_paths("en"):
        html = client.get(path).content.decode()
        for attribute in re.findall(r'(?:src|srcset|action|data)="([^"]+)"', html):
            assert attribute.startswith("/"), (path, attribute)
        for href in re.findall(r'<link[^>]+href="([^"]+)"', html):
            assert href.startswith("/"), (path, href)


@pytest.mark.parametrize("code", ["en", "ar"])
def test_continue_without_an_age_answer_says_what_to_do(client: Client, code: str) -> None:
    form = client.get(f"/{code}/start/age/", {"situation": "shared"}).content.decode()
    assert 'name="asked"' in form, "the form says it was sent with Continue"
    response = client.get(f"/{code}/start/age/", {"situation": "shared", "asked": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and 'aria-invalid="true"' in html
    if code == "en":
        assert "If you do not know, choose “I am not sure”." in html


def test_arriving_at_the_age_question_shows_no_error(client: Client) -> None:
    response = client.get("/en/start/age/", {"situation": "shared"})
    assert response.status_code == 200 and "error-summary" not in response.content.decode()


@pytest.mark.parametrize(
    ("size", "words"),
    [(500 * 1024**2, "500 MB"), (1024**3, "1 GB"), (3 * 1024**2 // 2, "1.5 MB")],
)
def test_size_limits_read_as_people_write_them(size: int, words: str) -> None:
    with translation.override("en"):
        assert whole_filesize(size).replace("\xa0", " ") == words


@pytest.mark.django_db
def test_upload_page_says_up_to_500_mb(client: Client, open_locker: None) -> None:
    html = client.get("/en/locker/evidence/upload/").content.decode()
    assert "up to 500 MB." in html and "500.0" not in html
    assert "500.0" not in client.get("/ar/locker/evidence/upload/").content.decode()
