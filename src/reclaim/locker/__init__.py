"""The evidence locker: encrypted at rest, crash-safe, with a signed custody log.

Keys: a random master key, wrapped by a key stretched from the passphrase with Argon2id and
again by one from the recovery code shown at set-up. Every item has its own key, wrapped by the
master key, so that it can later be shared with a helpline without sharing the rest
(``Locker.sealed_item`` gives one item's sealed blob and key; ``unseal`` opens it).
"""

from reclaim.locker._custody import GENESIS, CustodyEntry, CustodyError, parse_entry, verify_chain
from reclaim.locker._errors import (
    CorruptLockerError,
    LockerError,
    NotFoundError,
    RolledBackError,
    WrongKeyError,
)
from reclaim.locker._inbox import Delivery
from reclaim.locker._incidents import (
    INCIDENT_KINDS,
    Incident,
    IncidentError,
    Under18Error,
    check_not_future,
    latest_today,
)
from reclaim.locker._intake import (
    MAX_CHECKED_PIXELS,
    SNIFF_BYTES,
    FileType,
    IntakeError,
    IntakeReason,
    read_metadata,
    sniff,
)
from reclaim.locker._items import Damage, EvidenceItem, SealedItem
from reclaim.locker._keep import keep_file
from reclaim.locker._keys import LOW_MEMORY_PROFILE, KdfError, KdfParams, calibrate
from reclaim.locker._locker import Locker
from reclaim.locker._quarantine import quarantined
from reclaim.locker._repair import CheckReport, check_locker, repair_locker
from reclaim.locker._scratch import remove_abandoned, scratch_folder
from reclaim.locker._spool import SealedSpool
from reclaim.locker._stamps import BatchProofs, ItemBatch, KeyStamp, LogStamp, key_anchor_data
from reclaim.locker._stream import SealError, seal_bytes, sealed_size, unseal, unseal_bytes

__all__ = [
    "GENESIS",
    "INCIDENT_KINDS",
    "LOW_MEMORY_PROFILE",
    "MAX_CHECKED_PIXELS",
    "SNIFF_BYTES",
    "BatchProofs",
    "CheckReport",
    "CorruptLockerError",
    "CustodyEntry",
    "CustodyError",
    "Damage",
    "Delivery",
    "EvidenceItem",
    "FileType",
    "Incident",
    "IncidentError",
    "IntakeError",
    "IntakeReason",
    "ItemBatch",
    "KdfError",
    "KdfParams",
    "KeyStamp",
    "Locker",
    "LockerError",
    "LogStamp",
    "NotFoundError",
    "RolledBackError",
    "SealError",
    "SealedItem",
    "SealedSpool",
    "Under18Error",
    "WrongKeyError",
    "calibrate",
    "check_locker",
    "check_not_future",
    "keep_file",
    "key_anchor_data",
    "latest_today",
    "parse_entry",
    "quarantined",
    "read_metadata",
    "remove_abandoned",
    "repair_locker",
    "scratch_folder",
    "seal_bytes",
    "sealed_size",
    "sniff",
    "unseal",
    "unseal_bytes",
    "verify_chain",
]
