"""Every message from the core reaches a person as a plain sentence in the page's language:
never a browser's call log, a raw exception or its English detail."""

import re
import socket
from base64 import b64encode
from collections.abc import Iterator

import pytest
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import escape
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.capture import CaptureError, CaptureReason
from reclaim.locker import CorruptLockerError
from reclaim.notices import TrackingError
from reclaim.packs import PackError, PackReason
from reclaim.web import messages
from reclaim.web.evidence import tasks
from reclaim.web.sealing import seal_payload
from reclaim.web.worker.runner import run_ready

from .test_locker import add_incident
from .test_protection import YES
from .test_removals import FACTS, _write

pytestmark = pytest.mark.django_db
LANGUAGES = ["en", "ar"]
# What a browser or Python says when something fails: none of it may reach the page.
TECHNICAL = ("Traceback", "Error:", "Call log", "net::ERR_", "playwright", "navigating to")
CALL_LOG = (
    "the page could not be captured: Page.goto: net::ERR_CONNECTION_REFUSED at http://x.test/\n"
    'Call log:\n  - navigating to "http://x.test/", waiting until "networkidle"\n'
)


def sentence(promise: Promise, language: str) -> str:
    """Return ``promise`` in ``language``, checking that Arabic has its own words."""
    with translation.override(language):
        said = str(promise)
    with translation.override("en"):
        english = str(promise)
    assert language == "en" or said != english, f"{english!r} has no {language} translation"
    return said


def assert_plain(page: str, *class_names: str) -> None:
    # A field's message starts with a hidden "Error:" for screen readers (translated): not detail.
    page = page.replace('<span class="visually-hidden">Error:</span>', "")
    for word in (*TECHNICAL, *class_names):
        assert word.lower() not in page.lower(), f"{word!r} reached the page"


def case_page(client: Client, language: str) -> str:
    return client.get(f"/{language}/locker/case/").content.decode()


def fail_capture_with(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    def failing(ref: str, sealed: bytes) -> None:
        raise error

    monkeypatch.setattr(tasks, "_capture", failing)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reason", list(CaptureReason))
def test_each_kind_of_failed_capture_is_said_plainly(
    client: Client,
    open_locker: None,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
    reason: CaptureReason,
) -> None:
    fail_capture_with(monkeypatch, CaptureError(CALL_LOG, reason))
    client.post("/en/locker/evidence/capture/", {"url": "https://example.org/post"})
    assert run_ready() == 1
    page = case_page(client, language)
    wanted = messages.CAPTURE_PROBLEMS.get(reason, messages.CAPTURE_FAILED)
    assert escape(sentence(wanted, language)) in page
    assert_plain(page, "CaptureError", "ERR_CONNECTION_REFUSED")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unexpected_failure_is_said_plainly_too(
    client: Client, open_locker: None, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    fail_capture_with(monkeypatch, RuntimeError("Traceback (most recent call last): boom"))
    client.post("/en/locker/evidence/capture/", {"url": "https://example.org/post"})
    run_ready()
    page = case_page(client, language)
    assert escape(sentence(messages.CAPTURE_FAILED, language)) in page
    assert_plain(page, "RuntimeError", "boom")


def test_every_capture_reason_has_its_own_sentence() -> None:
    said = {reason: messages.capture_problem(reason) for reason in CaptureReason}
    general = str(messages.CAPTURE_FAILED)
    assert [reason for reason, text in said.items() if text == general] == ["failed"]


def test_a_capture_the_gate_refuses_is_said_in_arabic(
    client: Client, open_locker: None, settings: SettingsWrapper
) -> None:
    settings.CAPTURE_ALLOW_PRIVATE = False
    client.post("/ar/locker/evidence/capture/", {"url": "http://127.0.0.1:9/secret"})
    run_ready()
    page = case_page(client, "ar")
    assert escape(sentence(messages.CAPTURE_PROBLEMS["private"], "ar")) in page
    assert_plain(page, "CaptureRefusedError", "AddressRefusedError", "private address")


@pytest.fixture
def refusing_url() -> Iterator[str]:
    """A loopback address where nothing listens: connections are refused."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
    yield f"http://127.0.0.1:{port}/post"


def test_a_page_that_cannot_be_reached_is_said_in_arabic(
    client: Client, open_locker: None, settings: SettingsWrapper, refusing_url: str
) -> None:
    settings.CAPTURE_ALLOW_PRIVATE = True  # the address is on loopback, as in the other tests
    client.post("/ar/locker/evidence/capture/", {"url": refusing_url})
    run_ready()  # real Chromium, through the recording proxy
    page = case_page(client, "ar")
    assert escape(sentence(messages.CAPTURE_PROBLEMS["unreachable"], "ar")) in page
    assert_plain(page, "CaptureError", "did not answer", "Connection refused")
    # The proxy's status must not show, but the page holds numbers that may contain its digits:
    # the port in the address the person typed, the capture's id, the form's token.
    assert not re.search(r"(?<![\w-])502(?![\w-])", page), "an HTTP status reached the page"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_pack_with_nothing_in_it_is_said_plainly(
    client: Client, open_locker: None, language: str
) -> None:
    response = client.post(f"/{language}/locker/export/", {"title": "Case", "initials": "JS"})
    assert response.status_code == 400
    page = response.content.decode()
    assert escape(sentence(messages.PACK_PROBLEMS["nothing"], language)) in page
    assert_plain(page, "PackError", "there is nothing to export", "nothing in the locker matches")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("error", "wanted"),
    [
        (PackError("since (2026-02-01) is after until", PackReason.CHOICE), "choice"),
        (PackError("/data/packs/case already exists", PackReason.EXISTS), ""),
        (CorruptLockerError("items/ab12 failed authentication (InvalidTag)"), ""),
    ],
)
def test_each_pack_problem_is_said_plainly(
    client: Client,
    open_locker: None,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
    error: Exception,
    wanted: str,
) -> None:
    from reclaim.web.evidence import packs

    def failing(*args: object) -> None:
        raise error

    monkeypatch.setattr(packs, "download", failing)
    add_incident(client)
    page = client.post(f"/{language}/locker/export/", {"title": "Case", "initials": "JS"})
    said = messages.PACK_PROBLEMS.get(wanted, messages.PACK_FAILED)
    assert escape(sentence(said, language)) in page.content.decode()
    assert_plain(page.content.decode(), type(error).__name__, str(error))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_file_the_locker_does_not_take_is_said_plainly(
    client: Client, open_locker: None, language: str
) -> None:
    response = client.post(
        f"/{language}/locker/evidence/upload/",
        {"file": _upload_file(b"\x00\x01\x02 not a kind of file the locker takes")},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert escape(sentence(messages.INTAKE_PROBLEMS["kind"], language)) in page
    assert_plain(page, "IntakeError", "HEIC, BMP, TIFF")


def _upload_file(data: bytes) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("thing.bin", data)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_status_change_the_request_cannot_take_is_said_plainly(
    client: Client, open_locker: None, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    from reclaim.web.removals import views

    made = _write(client, "https://x.com/a/status/9", "us", FACTS)
    location = str(made["Location"]).replace("/en/", f"/{language}/", 1)

    def refusing(*args: object, **kwargs: object) -> None:
        raise TrackingError("a request that is ready cannot become draft")

    monkeypatch.setattr(views, "move", refusing)
    page = client.post(location + "record/", {"status": "submitted", "at": "", "ticket": ""})
    assert page.status_code == 400
    text = page.content.decode()
    assert escape(sentence(messages.NOTICE_FAILED, language)) in text
    assert_plain(text, "TrackingError", "cannot become draft")


@pytest.mark.parametrize("language", LANGUAGES)
def test_hashes_that_cannot_be_taken_are_said_plainly(
    client: Client, data_dir: object, language: str
) -> None:
    client.post(f"/{language}/protect/", YES)
    low = client.post(f"/{language}/protect/hash/", {"hashes": f"ImagePDQ {'0' * 64} 20"})
    with translation.override(language):
        wanted = messages.hashes_problem("low-quality", 1, 500)
    page = low.content.decode()
    assert escape(wanted) in page, page[-3000:]
    assert_plain(page, "SignalError", "quality 20 is under")
    garbled = client.post(
        f"/{language}/protect/hash/", {"hashes": f"ImagePDQ {'0' * 64} 90\nnot a hash at all"}
    )
    with translation.override(language):
        wanted = messages.hashes_problem("unreadable", 2, 500)
    assert escape(wanted) in garbled.content.decode()
    assert_plain(garbled.content.decode(), "write a hash as")


@pytest.mark.parametrize("language", LANGUAGES)
def test_registries_that_did_not_answer_are_said_plainly_with_details_for_a_helper(
    client: Client, open_locker: None, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    from reclaim.notices import AbuseContact, HostingReport
    from reclaim.web.removals.services import hosting

    detail = "The RDAP server for example.org answered status 503 for the domain."
    host = AbuseContact("network", "EXAMPLE-HOSTING", "abuse@hosting.test", "", "")
    report = HostingReport("example.org", ("192.0.2.1",), None, (host,), "", (detail,))
    monkeypatch.setattr(hosting, "_bootstrap", lambda: None)  # never the internet
    monkeypatch.setattr(hosting, "look_up", lambda *args, **kwargs: report)
    made = _write(client, "https://example.org/a/7", "zz", FACTS)
    location = str(made["Location"]).replace("/en/", f"/{language}/", 1)
    client.post(location + "host/")
    page = client.get(location).content.decode()
    said = messages_sentence_for_registries(language)
    assert escape(said) in page
    helper = page.split("<details>", 1)[1].split("</details>", 1)[0]
    assert '<ul class="helper-details" lang="en" dir="ltr">' in helper and escape(detail) in helper
    assert escape(detail) not in page.replace(helper, ""), "the detail is only for a helper"


def messages_sentence_for_registries(language: str) -> str:
    english = (
        "Some of the public registries did not answer, or had no answer for this site. What "
        "was found is above; you can still send the request to the site itself."
    )
    with translation.override(language):
        said = translation.gettext(english)
    assert language == "en" or said != english
    return said


def test_a_capture_failed_before_this_change_shows_the_general_sentence(
    client: Client, open_locker: None
) -> None:
    client.post("/en/locker/evidence/capture/", {"url": "https://example.org/post"})
    older = seal_payload({"problem": CALL_LOG})  # a row kept the English detail then
    DBTaskResult.objects.update(
        status=TaskResultStatus.SUCCESSFUL, return_value={"problem": b64encode(older).decode()}
    )
    page = case_page(client, "ar")
    assert escape(sentence(messages.CAPTURE_FAILED, "ar")) in page
    assert_plain(page, "could not be captured: Page.goto")
