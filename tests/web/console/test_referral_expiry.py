"""Referral containers past the survivor's "until" are deleted by the worker's job: the
container goes; the case, its addresses, the referral record and the audit log stay; a
container still inside its time, on this helpline or another, is not touched."""

from django.utils import timezone

from reclaim.web.console import audit, expiry
from reclaim.web.console.models import (
    AuditEntry,
    Case,
    CaseAddress,
    Helpline,
    Referral,
    ReferralContent,
    ReferralItem,
)
from reclaim.web.console.tasks import delete_expired_referrals
from reclaim.web.worker import jobs

from .fixtures import address, case, days, helpline, member, signed_in


def _shared(line: Helpline, number: str, until_days: float) -> Case:
    """A case made by a referral shared until ``until_days`` from now (rows made directly)."""
    item = case(line, number, source=Case.Source.REFERRAL)
    address(item, f"https://example.com/{number}")
    referral = Referral.objects.create(
        helpline=line, referral_id=f"ref-{number}", source="referral", case_id=item.pk,
        consent_sha256="0" * 64, received_at=days(-30), expires_at=days(until_days),
    )  # fmt: skip
    content = ReferralContent.objects.create(
        case=item, referral=referral, sealed_manifest=b"age ciphertext"
    )
    ReferralItem.objects.create(content=content, position=0, sealed=b"sealed item")
    return item


def test_expired_containers_go_and_the_case_and_its_record_stay() -> None:
    line, other = helpline("a", "A"), helpline("b", "B")
    gone = _shared(line, "2026-000001", -0.01)
    kept = [_shared(line, "2026-000002", 2), _shared(other, "2026-000001", 1)]
    late = _shared(other, "2026-000003", -3)

    assert expiry.delete_expired_referrals(limit=1) == 1, "bounded: the oldest first"
    assert not ReferralContent.objects.filter(case=late).exists()
    assert ReferralContent.objects.filter(case=gone).exists()
    assert delete_expired_referrals.call() == 1
    assert delete_expired_referrals.call() == 0

    for done in (gone, late):
        assert not ReferralContent.objects.filter(case=done).exists()
        assert not ReferralItem.objects.filter(content__case=done).exists(), "its items go too"
        assert Case.objects.filter(pk=done.pk).exists(), "the case stays"
        assert CaseAddress.objects.filter(case=done).count() == 1, "its addresses stay"
        assert Referral.objects.get(case_id=done.pk).withdrawn_at is None, "its record stays"
        entry = AuditEntry.objects.get(case_id=done.pk, action=expiry.EXPIRED_ACTION)
        assert entry.member is None and entry.detail["referral"] == f"ref-{done.number}"
    assert all(ReferralContent.objects.filter(case=item).exists() for item in kept)
    assert ReferralItem.objects.count() == len(kept), "the kept ones keep their items"
    assert audit.verify(line) == [] and audit.verify(other) == []


def test_the_shared_page_says_expired_not_withdrawn() -> None:
    line = helpline()
    kim = member(line, "kim", "caseworker")
    gone = _shared(line, "2026-000001", -1)
    expiry.delete_expired_referrals(now=timezone.now())
    page = signed_in(kim).get(f"/console/cases/{gone.number}/shared/")
    assert page.status_code == 200
    assert b"That time has passed" in page.content
    assert b"withdrew consent" not in page.content


def test_the_job_runs_every_ten_minutes_in_the_worker() -> None:
    assert delete_expired_referrals in jobs.JOBS
    [periodic] = [p for p in jobs.SCHEDULE if p.job is delete_expired_referrals]
    assert periodic.every.total_seconds() == 600
