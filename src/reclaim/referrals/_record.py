"""The survivor's own record of a referral, kept sealed in their locker with a custody entry.

What was shared, with whom, when and until when, the consent token, and later when it was
sent, when consent was withdrawn and every opening the helpline reported. Each change is a
``referral-changed`` custody entry saying what changed; the first is ``referral-shared``.
"""

import datetime
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from reclaim.locker import Locker
from reclaim.times import parse

ROLES = ("caseworker", "supervisor", "administrator")


@dataclass(frozen=True, order=True)
class Opening:
    """One time someone at the helpline opened the referral: when, and in which role."""

    at_utc: str
    role: str  # one of ROLES


@dataclass(frozen=True)
class SharedReferral:
    """What the survivor shared with one helpline, as their locker keeps it."""

    id: str
    helpline: str  # the directory id
    helpline_name: str
    address: str  # the helpline's Reclaim address, where withdrawal and openings are asked
    created_utc: str
    expires_utc: str
    consent_token: str = field(repr=False)  # shown to nobody but this locker
    under_18: bool
    incidents: tuple[str, ...]
    items: tuple[str, ...]
    requests: tuple[str, ...]
    contact_method: str  # "" when the survivor gave no contact
    sent_utc: str = ""  # "" until the helpline's service received it (or only a file was made)
    withdrawn_utc: str = ""
    openings: tuple[Opening, ...] = ()

    @property
    def withdrawn(self) -> bool:
        """Return whether the survivor withdrew their consent."""
        return bool(self.withdrawn_utc)

    def expired(self, now: datetime.datetime | None = None) -> bool:
        """Return whether the time the survivor chose for it has passed."""
        expires = parse(self.expires_utc)
        moment = now or datetime.datetime.now(datetime.UTC)
        return isinstance(expires, datetime.datetime) and moment >= expires

    def to_record(self) -> dict[str, Any]:
        """Return the referral as plain JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "SharedReferral":
        """Return the referral stored as ``record`` by ``to_record``."""
        fields = dict(record)
        for key in ("incidents", "items", "requests"):
            fields[key] = tuple(fields[key])
        fields["openings"] = tuple(Opening(**each) for each in fields["openings"])
        return cls(**fields)


def record_shared(box: Locker, referral: SharedReferral) -> None:
    """Keep a new referral in the locker; its custody entry says with whom and until when."""
    counts = {key: str(len(getattr(referral, key))) for key in ("incidents", "items", "requests")}
    details = {"helpline": referral.helpline, "expires_utc": referral.expires_utc, **counts}
    box.save_referral(referral.id, referral.to_record(), {"action": "shared", **details})


def shared_referrals(box: Locker) -> list[SharedReferral]:
    """Return every referral the locker keeps (that can be read), in the order made."""
    return [SharedReferral.from_record(record) for record in box.referral_records()]


def shared_referral(box: Locker, referral_id: str) -> SharedReferral:
    """Return one referral the locker keeps; NotFoundError if there is none with that id."""
    return SharedReferral.from_record(box.referral_record(referral_id))


def record_sent(box: Locker, referral_id: str, at_utc: str) -> SharedReferral:
    """Keep that the helpline's service received the referral at ``at_utc``; return it."""
    changed = replace(shared_referral(box, referral_id), sent_utc=at_utc)
    box.save_referral(referral_id, changed.to_record(), {"action": "sent", "at_utc": at_utc})
    return changed


def record_withdrawal(box: Locker, referral_id: str, at_utc: str) -> SharedReferral:
    """Keep that the survivor withdrew consent at ``at_utc``; return it (once: later calls
    change nothing)."""
    found = shared_referral(box, referral_id)
    if found.withdrawn:
        return found
    changed = replace(found, withdrawn_utc=at_utc)
    box.save_referral(referral_id, changed.to_record(), {"action": "withdrawn", "at_utc": at_utc})
    return changed


def record_openings(box: Locker, referral_id: str, openings: Sequence[Opening]) -> SharedReferral:
    """Add the openings the helpline reported to those kept; return the referral.

    Openings already kept are not added twice; nothing is written when none is new.
    """
    found = shared_referral(box, referral_id)
    merged = tuple(sorted(set(found.openings) | set(openings)))
    if merged == found.openings:
        return found
    changed = replace(found, openings=merged)
    details = {"action": "openings", "openings": str(len(merged))}
    box.save_referral(referral_id, changed.to_record(), details)
    return changed
