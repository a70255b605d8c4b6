"""Referral content past the survivor's "until" is deleted; the case and the record stay.

A survivor shares for as long as they choose (``Referral.expires_at``, from their manifest).
Past it the manifest no longer opens (reclaim.referrals refuses an expired one), and holding
the ciphertext any longer serves nobody: the worker's job ``delete_expired_referrals`` deletes
it (the ``ReferralContent`` row, and with it each ``ReferralItem``). What stays: the case
(what a caseworker wrote and the addresses being tracked), the ``Referral`` record (its id
and dates, so the survivor's Reclaim is still answered), and an audit entry "referral expired"
made by the worker (no member).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from reclaim.web.console import audit
from reclaim.web.console.models import ReferralContent

EXPIRY_BATCH = 500  # referrals' content deleted per run (the job runs every 10 minutes)
EXPIRED_ACTION = "referral expired"


def delete_expired_referrals(
    now: datetime.datetime | None = None, limit: int = EXPIRY_BATCH
) -> int:
    """Delete up to ``limit`` referral containers past their "until"; return how many."""
    moment = now or timezone.now()
    due = ReferralContent.objects.filter(referral__expires_at__lte=moment)
    deleted = 0
    for content_id in due.order_by("referral__expires_at", "pk").values_list("pk", flat=True)[
        :limit
    ]:
        with transaction.atomic():
            locked = due.select_for_update(of=("self",)).select_related("referral")
            content = locked.filter(pk=content_id).first()
            if content is None:  # withdrawn, or deleted with its case, since the list was read
                continue
            referral = content.referral
            ReferralContent.objects.filter(pk=content.pk).delete()
            detail = {"referral": referral.referral_id, "until": referral.expires_at.isoformat()}
            audit.append_many(
                referral.helpline_id,
                None,
                [
                    audit.Pending(
                        EXPIRED_ACTION, content.case_id, f"referral:{referral.referral_id}", detail
                    )
                ],
            )
        deleted += 1
    return deleted
