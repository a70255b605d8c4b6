"""Protection cases through the pages: eligibility, hashes only, number and PIN once, check,
add, withdraw at once, and guessing held back. No image ever reaches the server."""

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from reclaim.bank import make_signal
from reclaim.hashing import pdq_from_image
from reclaim.web.access import limits
from reclaim.web.protection import bank, index
from reclaim.web.protection.models import BankEntry, ProtectionCase

YES = {"is_subject": "yes", "is_intimate": "yes", "was_adult": "yes"}


def picture_hash(seed: int = 3) -> tuple[str, int]:
    """A generated picture's PDQ and quality (never a photo of a person)."""
    import numpy as np
    from PIL import Image

    noise = np.random.default_rng(seed).integers(0, 255, (48, 48, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(noise).resize((256, 256), Image.Resampling.BICUBIC).save(out, "PNG")
    signal = pdq_from_image(io.BytesIO(out.getvalue()))
    return str(signal.hash), signal.quality


@pytest.fixture(autouse=True)
def fresh(data_dir: Path) -> Iterator[None]:
    index.reset()  # rate limits are counted in the database, which each test starts empty
    yield
    index.reset()


def _make_case(client: Client, lines: str) -> tuple[str, str]:
    client.post("/en/protect/", YES)
    review = client.post("/en/protect/hash/", {"hashes": lines, "step": "review"})
    assert review.status_code == 200, review.content.decode()
    made = client.post("/en/protect/hash/", {"hashes": lines, "step": "send"})
    page = made.content.decode()
    number = re.search(r'<code[^>]* dir="ltr">([0-9A-Z]{5}-[0-9A-Z]{5})</code>', page)
    pin = re.search(r'<code dir="ltr">(\d{8})</code>', page)
    assert number and pin, page
    return number[1], pin[1]


@pytest.mark.django_db
def test_under_18_is_routed_and_nothing_is_asked_for(client: Client) -> None:
    page = client.post("/en/protect/", {**YES, "was_adult": "not-sure"}).content.decode()
    assert "takeitdown.ncmec.org" in page and "iwf.org.uk" in page
    assert client.get("/en/protect/hash/").status_code == 302, "no hashing page without a yes"


@pytest.mark.django_db
def test_a_person_gets_a_number_and_pin_once_and_only_hashes_are_kept(client: Client) -> None:
    value, quality = picture_hash()
    lines = f"ImagePDQ {value} {quality}\nVideoMD5 {'ab' * 16}"
    review = client.post(
        "/en/protect/", YES, follow=True
    )  # the hashing page: the browser hashes, the form posts text
    assert 'type="file"' in review.content.decode() and 'name="hashes"' in review.content.decode()
    number, pin = _make_case(client, lines)
    case = ProtectionCase.objects.get(number=bank.normalise_number(number))
    assert pin not in case.pin_hash and case.pin_hash.startswith("$argon2id$")
    assert sorted(e.signal_type for e in case.entries.all()) == ["ImagePDQ", "VideoMD5"]


@pytest.mark.django_db
def test_low_quality_hashes_are_refused_with_a_reason(client: Client) -> None:
    client.post("/en/protect/", YES)
    refused = client.post("/en/protect/hash/", {"hashes": f"ImagePDQ {'0' * 64} 20"})
    assert refused.status_code == 400
    assert "Line 1: this picture has so little detail" in refused.content.decode()
    assert BankEntry.objects.count() == 0


@pytest.mark.django_db
def test_check_add_and_withdraw_with_number_and_pin(client: Client) -> None:
    first, quality = picture_hash(1)
    number, pin = _make_case(client, f"ImagePDQ {first} {quality}")
    bank.activate_received()  # the worker's job: received becomes active
    opened = client.post("/en/protect/case/", {"number": number.lower(), "pin": pin})
    assert opened.status_code == 302
    page = client.get("/en/protect/case/view/").content.decode()
    assert "Active: platforms can match it" in page
    second, quality2 = picture_hash(2)
    more = {"hashes": f"ImagePDQ {second} {quality2}", "step": "send"}
    unconfirmed = client.post("/en/protect/hash/", more)
    assert unconfirmed.status_code == 400 and "Please confirm this" in unconfirmed.content.decode()
    case = ProtectionCase.objects.get(number=bank.normalise_number(number))
    assert case.entries.count() == 1
    client.post("/en/protect/hash/", {**more, "same_person": "yes"})
    assert case.entries.count() == 2
    entry = case.entries.get(value=first)
    client.post("/en/protect/case/view/", {"entry": str(entry.id)})
    assert case.entries.get(value=first).status == "Withdrawn"
    client.post("/en/protect/case/view/", {"all": "1", "confirm": "yes"})
    assert set(case.entries.values_list("status", flat=True)) == {"Withdrawn"}
    again = {"hashes": f"ImagePDQ {first} {quality}", "step": "send", "same_person": "yes"}
    client.post("/en/protect/hash/", again)
    assert case.entries.get(value=first).status == "Received", "sent again, it counts again"


@pytest.mark.django_db
def test_a_wrong_number_and_a_wrong_pin_get_the_same_answer_and_guessing_is_held(
    client: Client,
) -> None:
    value, quality = picture_hash()
    number, pin = _make_case(client, f"ImagePDQ {value} {quality}")
    wrong_pin = client.post("/en/protect/case/", {"number": number, "pin": "00000000"})
    wrong_number = client.post("/en/protect/case/", {"number": "ZZZZZ-ZZZZZ", "pin": pin})
    assert wrong_pin.status_code == wrong_number.status_code == 400
    message = "That case number and PIN do not match"
    assert message in wrong_pin.content.decode() and message in wrong_number.content.decode()
    for _ in range(4):
        client.post("/en/protect/case/", {"number": number, "pin": "00000000"})
    held = client.post("/en/protect/case/", {"number": number, "pin": pin})
    assert held.status_code == 429 and "too many tries" in held.content.decode()


@pytest.mark.django_db
def test_the_number_and_pin_can_be_kept_in_the_open_locker(
    client: Client, open_locker: None, data_dir: Path
) -> None:

    from .conftest import personal_locker

    value, quality = picture_hash()
    number, pin = _make_case(client, f"ImagePDQ {value} {quality}")
    kept = client.post("/en/protect/keep/", {"number": number, "pin": pin})
    assert "Kept in your locker" in kept.content.decode()
    box = personal_locker(data_dir)
    [item] = box.items()
    assert pin.encode() in b"".join(box.read(item.id))


@pytest.mark.django_db
def test_an_administrator_registers_a_platform_and_issues_a_token_on_the_admin_page(
    client: Client,
) -> None:
    from reclaim.web.protection import tokens
    from reclaim.web.protection.models import Platform

    from .staff import sign_in_verified, staff_with_device

    sign_in_verified(client, *staff_with_device())
    added = client.post(
        "/admin/protection/platform/add/",
        {"name": "Example Video", "tokens-TOTAL_FORMS": "0", "tokens-INITIAL_FORMS": "0"},
    )
    assert added.status_code == 302
    platform = Platform.objects.get(name="Example Video")
    page = client.post(
        "/admin/protection/platform/",
        {
            "action": "issue_token",
            "_selected_action": [str(platform.id)],
            "scopes": list(tokens.SCOPES),
            "issue": "1",
        },
    ).content.decode()
    token = re.search(r"(rcl_[A-Za-z0-9_-]{40,})", page)
    assert token and tokens.find(token[1]) is not None
    assert token[1] not in str(list(platform.tokens.values())), "only its digest is kept"
    assert client.get("/admin/protection/platform/").status_code == 200
    client.logout()
    assert client.get("/admin/protection/platform/").status_code == 302, "staff only"


@pytest.mark.django_db
def test_a_saved_index_loads_on_restart_and_catches_up_from_the_feed(
    data_dir: Path, settings: object
) -> None:
    from io import StringIO

    from django.core.management import call_command

    first, quality = picture_hash(21)
    second, quality2 = picture_hash(22)
    case, _ = bank.new_case([make_signal("ImagePDQ", first, quality)])
    bank.activate_received()
    out = StringIO()
    call_command("bankindex", "save", stdout=out)
    assert "Saved 1 picture hashes" in out.getvalue()
    assert (data_dir / "bank-index" / "cursor.json").exists()
    bank.add_signals(case, [make_signal("ImagePDQ", second, quality2)])
    bank.withdraw(case, [case.entries.get(value=first).id])
    bank.activate_received()
    index.reset()  # a restart: the saved index loads, then the feed's later changes apply
    restarted = index.current()
    found = {s: [h.entry_id for h in restarted.match(make_signal("ImagePDQ", s, 90), 31)]
             for s in (first, second)}  # fmt: skip
    assert found == {first: [], second: [case.entries.get(value=second).id]}


@pytest.mark.django_db
def test_rate_limits_count_an_ipv6_home_network_as_one_client() -> None:
    from django.test import RequestFactory

    factory = RequestFactory()
    first = factory.get("/", REMOTE_ADDR="2001:db8:1:2::10")
    same_home = factory.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::1")
    elsewhere = factory.get("/", REMOTE_ADDR="2001:db8:9:9::1")
    assert limits.allow(first, "test", 2) and limits.allow(same_home, "test", 2)
    assert not limits.allow(first, "test", 2), "the third try from one /64 waits"
    assert limits.allow(elsewhere, "test", 2)


def test_reclaim_serve_trusts_only_the_configured_proxy() -> None:
    from reclaim.web.server import site_app

    def seen(environ: dict[str, str], start_response: object) -> list[bytes]:
        return [f"{environ['REMOTE_ADDR']} {environ['wsgi.url_scheme']}".encode()]

    def call(trusted: str, peer: str) -> bytes:
        environ = {
            "REMOTE_ADDR": peer,
            "wsgi.url_scheme": "http",
            "HTTP_X_FORWARDED_FOR": "203.0.113.7",
            "HTTP_X_FORWARDED_PROTO": "https",
        }
        return b"".join(site_app(seen, trusted)(environ, lambda *a: None))

    assert call("10.0.0.5", "10.0.0.5") == b"203.0.113.7 https"
    assert call("10.0.0.5", "10.0.0.9") == b"10.0.0.9 http", "anyone else's headers are dropped"
    assert call("", "10.0.0.5") == b"10.0.0.5 http", "no proxy configured: none trusted"


def _open_case(client: Client, seed: int = 1) -> ProtectionCase:
    value, quality = picture_hash(seed)
    number, pin = _make_case(client, f"ImagePDQ {value} {quality}")
    assert client.post("/en/protect/case/", {"number": number, "pin": pin}).status_code == 302
    return ProtectionCase.objects.get(number=bank.normalise_number(number))


@pytest.mark.django_db
def test_withdraw_all_asks_first_and_withdraws_only_when_confirmed(client: Client) -> None:
    case = _open_case(client)
    asked = client.post("/en/protect/case/view/", {"all": "1"})
    page = asked.content.decode()
    assert "Withdraw all your hashes?" in page and 'name="confirm" value="yes"' in page
    assert "Withdrawn:" not in page
    assert case.entries.filter(status="Withdrawn").count() == 0, "nothing withdrawn yet"
    client.post("/en/protect/case/view/", {"all": "1", "confirm": "yes"})
    assert set(case.entries.values_list("status", flat=True)) == {"Withdrawn"}


@pytest.mark.django_db
def test_withdraw_the_chosen_with_none_chosen_says_so(client: Client) -> None:
    case = _open_case(client)
    nothing = client.post("/en/protect/case/view/", {})
    page = nothing.content.decode()
    assert nothing.status_code == 400
    assert "You did not choose any hashes, so nothing was withdrawn." in page
    assert "Withdrawn: 0" not in page
    assert case.entries.filter(status="Withdrawn").count() == 0


NO_PLATFORM = {
    "en": "No platform uses this bank yet.",
    "pl": "Żadna platforma nie korzysta jeszcze z tej bazy.",
    "ro": "Nicio platformă nu folosește încă această bază.",
    "ur": "ابھی کوئی پلیٹ فارم یہ بینک استعمال نہیں کرتا۔",
    "ar": "لا تستخدم أي منصة بنك البصمات هذا بعد.",
}


@pytest.mark.django_db
@pytest.mark.parametrize("code", list(NO_PLATFORM))
def test_with_no_platform_registered_the_pages_say_so_and_point_to_stopncii(
    client: Client, code: str
) -> None:
    page = client.get(f"/{code}/protect/").content.decode()
    assert NO_PLATFORM[code] in page
    assert 'href="https://stopncii.org/"' in page and 'href="https://takeitdown.ncmec.org/"' in page
    client.post(f"/{code}/protect/", YES)
    value, quality = picture_hash()
    made = client.post(
        f"/{code}/protect/hash/", {"hashes": f"ImagePDQ {value} {quality}", "step": "send"}
    ).content.decode()
    assert NO_PLATFORM[code] in made and 'href="https://stopncii.org/"' in made


@pytest.mark.django_db
def test_with_a_platform_registered_the_pages_promise_blocking_and_drop_the_warning(
    client: Client,
) -> None:
    from reclaim.web.protection import tokens
    from reclaim.web.protection.models import Platform

    platform = Platform.objects.create(name="Example Video")
    token = tokens.issue(platform)
    start = client.get("/en/protect/").content.decode()
    assert NO_PLATFORM["en"] not in start and "Who this bank is for" in start
    client.post("/en/protect/", YES)
    value, quality = picture_hash()
    made = client.post(
        "/en/protect/hash/", {"hashes": f"ImagePDQ {value} {quality}", "step": "send"}
    ).content.decode()
    assert "Platforms that use it can now block copies of your images." in made
    assert NO_PLATFORM["en"] not in made
    tokens.revoke(token)
    assert NO_PLATFORM["en"] in client.get("/en/protect/").content.decode(), "revoked: none"
