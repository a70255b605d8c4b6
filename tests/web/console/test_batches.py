"""Batch removal requests and the worker's re-checks of case addresses.

Real components: an SMTP server (aiosmtpd) and web servers on loopback, started here; rows are
made directly (fixtures.py), and a signed-in, verified staff session is set up directly too.
"""

import datetime
import email
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.web.console import batches, casework, rechecks
from reclaim.web.console.access import SEEN
from reclaim.web.console.models import (
    AuditEntry,
    Batch,
    BatchItem,
    Case,
    CaseAddress,
    Helpline,
    Notification,
    StaffMember,
)
from tests.loopback import QuietHandler, loopback_server

from .fixtures import address, case, helpline, member

PROFILE = "uk-intimate-image-report"  # 48 hours to act
FLAGGER_DESK = "flagger-desk@reddit.example"
# Made up for the tests: no platform gave this route to anyone.
ROUTES = f"""
organisation = "example-helpline"

[[platform]]
id = "reddit"

[[platform.route]]
kind = "email"
purpose = "trusted-flagger"
address = "{FLAGGER_DESK}"
batch = true
batch_limit = 2
source = "Enrolment letter from the platform, 2 March 2026 (made up for the tests)"
"""
WHOLE = {
    "signer": "Sam Caseworker",
    "organisation": "Example Helpline",
    "email": "casework@helpline.example",
    "accuracy_statement": "on",
}


def per_case(item: Case, name: str) -> dict[str, str]:
    prefix = f"c{item.pk}-"
    return {
        prefix + "depicted": name,
        prefix + "authority": f"written consent from {name}",
        prefix + "consent_statement": "on",
        prefix + "intimate_statement": "on",
    }


@pytest.fixture
def routes(settings: SettingsWrapper, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "routes.toml"
    path.write_text(ROUTES)
    settings.HELPLINE_ROUTES = path
    casework.catalogue.cache_clear()
    yield path
    casework.catalogue.cache_clear()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings: SettingsWrapper) -> Iterator[Inbox]:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.DEFAULT_FROM_EMAIL = "requests@helpline.example"
    yield inbox
    controller.stop()


def signed_in(person: StaffMember) -> Client:
    """A client signed in as ``person`` with their authenticator confirmed this session."""
    client = Client()
    client.force_login(person.user)
    session = client.session
    device = TOTPDevice.objects.get(user=person.user, confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SEEN] = time.time()
    session.save()
    return client


def line_with_cases() -> tuple[Helpline, StaffMember, Case, Case]:
    line = helpline("example-helpline", "Example Helpline")
    worker = member(line, "sam", "caseworker")
    first = case(line, "2026-000001", assigned_to=worker)
    second = case(line, "2026-000002", assigned_to=worker)
    for item, n in ((first, 1), (first, 2), (second, 3)):
        waiting(item, f"https://www.reddit.com/r/a/{n}")
    return line, worker, first, second


def waiting(item: Case, url: str) -> CaseAddress:
    status = CaseAddress.Status.TO_SEND
    return address(item, url, platform="reddit", profile=PROFILE, status=status)


def send(client: Client, data: dict[str, Any], action: str = "send") -> Any:
    return client.post(f"/console/batches/reddit/{PROFILE}/", {**data, "action": action})


def test_a_batch_goes_by_smtp_in_parts_and_each_address_gets_its_own_deadline(
    routes: Path, smtp: Inbox
) -> None:
    _line, worker, first, second = line_with_cases()
    client = signed_in(worker)
    page = client.get("/console/batches/").content.decode()
    assert "your helpline's own route" in page and ">3</td>" in page
    ids = [str(pk) for pk in CaseAddress.objects.order_by("pk").values_list("pk", flat=True)]
    lacking = send(client, {**WHOLE, **per_case(first, "Jo Example"), "address": ids}, "preview")
    assert lacking.status_code == 400 and smtp.messages == []
    text = lacking.content.decode()
    assert "Missing for this case's addresses:" in text and text.count('role="alert"') >= 2
    data = {**WHOLE, **per_case(first, "Jo Example"), **per_case(second, "Ash"), "address": ids}
    preview = send(client, data, "preview").content.decode()
    assert "Request 1 of 2: 2 addresses" in preview and "Request 2 of 2: 1 addresses" in preview
    before = timezone.now()
    done = send(client, data)
    assert done.status_code == 200, done.content.decode()[:3000]
    assert len(smtp.messages) == 2, "the route takes 2 addresses a request: two requests"
    sent = email.message_from_bytes(smtp.messages[0].content)
    assert smtp.messages[0].rcpt_tos == [FLAGGER_DESK]
    assert sent["Reply-To"] == WHOLE["email"] and "(2 addresses)" in sent["Subject"]
    body = sent.get_payload()[0].get_payload(decode=True).decode()
    assert "1. https://www.reddit.com/r/a/1" in body and "Our reference: 2026-000001" in body
    batches_made = list(Batch.objects.order_by("pk"))
    assert [b.count for b in batches_made] == [2, 1]
    assert batches_made[0].message_id == sent["Message-ID"] and batches_made[0].member == worker
    for row in CaseAddress.objects.all():
        assert row.status == CaseAddress.Status.SENT and row.sent_at is not None
        assert row.sent_at >= before
        assert row.deadline == row.sent_at + datetime.timedelta(hours=48)
    assert BatchItem.objects.count() == 3
    first.refresh_from_db()
    assert first.next_deadline == CaseAddress.objects.filter(case=first).first().deadline  # type: ignore[union-attr]
    sends = AuditEntry.objects.filter(action="batch sent", member=worker)
    assert sorted(sends.values_list("case_id", flat=True)) == [first.pk, second.pk]
    again = send(client, data)
    assert again.status_code == 400 and len(smtp.messages) == 2, "nothing is sent twice"


def test_the_same_batch_is_never_sent_twice(routes: Path, smtp: Inbox) -> None:
    _line, worker, first, second = line_with_cases()
    chosen = batches.selection(worker, "reddit", PROFILE)
    facts = batches.CaseFacts("Jo", "written consent", "", True, True)
    whole = batches.WholeFacts("Sam", "Example Helpline", "casework@helpline.example", "", "", True)
    composed = batches.compose(chosen, whole, {first.pk: facts, second.pk: facts}, "2026-11-24")
    assert composed.ready
    batches.send(worker, chosen, composed, whole.email)
    with pytest.raises(batches.DuplicateBatchError):
        batches.send(worker, chosen, composed, whole.email)
    with pytest.raises(batches.DuplicateBatchError):
        batches.record_submitted(worker, chosen, composed)
    assert len(smtp.messages) == 2 and Batch.objects.count() == 2


def test_under_18_anywhere_refuses_the_whole_batch(routes: Path, smtp: Inbox) -> None:
    _line, worker, first, second = line_with_cases()
    Case.objects.filter(pk=second.pk).update(under_18=True)
    ids = [str(pk) for pk in CaseAddress.objects.values_list("pk", flat=True)]
    data = {**WHOLE, **per_case(first, "Jo"), **per_case(second, "Ash"), "address": ids}
    refused = send(signed_in(worker), data)
    assert refused.status_code == 400 and "under 18" in refused.content.decode()
    assert smtp.messages == [] and not Batch.objects.exists()
    assert set(CaseAddress.objects.values_list("status", flat=True)) == {"to-send"}


def test_500_addresses_are_composed_and_recorded_in_bulk(routes: Path) -> None:
    line = helpline("example-helpline", "Example Helpline")
    worker = member(line, "sam", "caseworker")
    cases = [case(line, f"2026-{n:06d}", assigned_to=worker) for n in range(1, 101)]
    CaseAddress.objects.bulk_create(
        CaseAddress(
            case=item,
            helpline=line,
            url=f"https://www.reddit.com/r/{item.pk}/{n}",
            key=f"{item.pk}-{n}",
            platform="reddit",
            profile="uk-online-safety",
        )
        for item in cases
        for n in range(5)
    )
    facts = batches.CaseFacts("Jo", "written consent", "", True, True)
    whole = batches.WholeFacts("Sam", "Example Helpline", "casework@helpline.example", "", "", True)
    casework.catalogue()  # read the directory once, as a running site has
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        chosen = batches.selection(worker, "reddit", "uk-online-safety")
        # The public route takes any number; the helpline's own takes 2: use the public one.
        chosen.route = chosen.platform.routes[0]
        chosen.route_index = 0
        composed = batches.compose(chosen, whole, {c.pk: facts for c in cases}, "2026-11-24")
        recorded = batches.record_submitted(worker, chosen, composed)
    elapsed = time.perf_counter() - started
    assert [b.count for b in recorded] == [500]
    assert CaseAddress.objects.filter(status="sent", deadline__isnull=False).count() == 500
    assert len(queries.captured_queries) <= 25, [q["sql"][:80] for q in queries.captured_queries]
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    assert AuditEntry.objects.filter(action="batch sent").count() == 100


def test_only_casework_roles_send_batches_and_only_their_cases(routes: Path, smtp: Inbox) -> None:
    line, _worker, first, second = line_with_cases()
    admin = member(line, "ada", "administrator")
    other = member(line, "kim", "caseworker")
    elsewhere = member(helpline("another", "Another Helpline"), "lee", "caseworker", "supervisor")
    ids = [str(pk) for pk in CaseAddress.objects.values_list("pk", flat=True)]
    data = {**WHOLE, **per_case(first, "Jo"), **per_case(second, "Ash"), "address": ids}
    assert signed_in(admin).get("/console/batches/").status_code == 403
    assert send(signed_in(admin), data).status_code == 403
    for outsider in (other, elsewhere):  # the cases are sam's, or another helpline's
        client = signed_in(outsider)
        assert ">3</td>" not in client.get("/console/batches/").content.decode()
        assert send(client, data).status_code == 400
    assert smtp.messages == [] and not Batch.objects.exists()
    supervisor = member(line, "sup", "supervisor")
    assert send(signed_in(supervisor), data).status_code == 200
    assert len(smtp.messages) == 2


# Re-checks ----------------------------------------------------------------------------------


class Site:
    """Pages on loopback that are up or gone, as the test says."""

    def __init__(self) -> None:
        self.gone: set[str] = set()


@pytest.fixture
def site(settings: SettingsWrapper) -> Iterator[tuple[Site, str]]:
    settings.CAPTURE_ALLOW_PRIVATE = True  # the test's server is on loopback
    state = Site()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            if self.path in state.gone:
                self.answer(404, b"not found", "text/plain")
            else:
                self.answer(200, f"<html><p>post {self.path}</p></html>".encode(), "text/html")

    with loopback_server(Handler) as base:
        yield state, base


def test_re_checks_see_removal_then_reappearance_and_tell_the_caseworker(
    site: tuple[Site, str], smtp: Inbox, settings: SettingsWrapper
) -> None:
    settings.CONSOLE_NOTIFY_EMAIL = True
    state, base = site
    line = helpline("example-helpline", "Example Helpline")
    worker = member(line, "sam", "caseworker")
    User.objects.filter(pk=worker.user_id).update(email="sam@helpline.example")
    item = case(line, "2026-000007", assigned_to=worker)
    past = timezone.now() - datetime.timedelta(hours=1)
    up = address(item, f"{base}/p/1", deadline=past)
    other = address(item, f"{base}/p/2", deadline=past + datetime.timedelta(days=30))
    hours = datetime.timedelta(hours=settings.RECHECK_HOURS)
    assert rechecks.arm(timezone.now()) == 2, "each first look somewhere in the next interval"
    now = timezone.now() + hours
    assert rechecks.run_due_rechecks(now) == 2
    up.refresh_from_db()
    assert up.status == "still-up" and up.last_checked_at == now
    assert CaseAddress.objects.get(pk=other.pk).status == "sent", "its deadline is ahead"
    assert rechecks.run_due_rechecks(now) == 0, "nothing is due again before the interval"
    state.gone.add("/p/1")
    assert rechecks.run_due_rechecks(now + hours) == 2
    up.refresh_from_db()
    assert up.status == "removed" and up.removed_at == now + hours
    state.gone.clear()
    assert rechecks.run_due_rechecks(now + 2 * hours) == 2
    up.refresh_from_db()
    assert (up.status, up.reappearances, up.deadline) == ("reappeared", 1, None)
    [note] = Notification.objects.all()
    assert (note.member, note.case, note.address_id) == (worker, item, up.pk)
    machine = AuditEntry.objects.filter(action="re-check").order_by("seq")
    assert [(e.member_id, e.detail["to"]) for e in machine] == [
        (None, "still-up"),
        (None, "removed"),
        (None, "reappeared"),
    ]
    assert all(e.detail["actor"] == "worker" for e in machine)
    [mail] = smtp.messages
    words = email.message_from_bytes(mail.content).get_payload()
    assert mail.rcpt_tos == ["sam@helpline.example"]
    assert item.number not in words and base not in words, "no case content in an email"
    queue = signed_in(worker).get("/console/").content.decode()
    assert "An address is back online" in queue and f"{base}/p/1" in queue
    client = signed_in(worker)
    client.post(f"/console/notifications/{note.pk}/read/")
    assert "An address is back online" not in client.get("/console/").content.decode()
    item.refresh_from_db()
    assert item.next_deadline == other.deadline
