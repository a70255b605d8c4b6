"""Evidence packs: export from the locker, and independent verification."""

from reclaim.packs._choose import PackChoice, choose, choose_items, scope_words
from reclaim.packs._encrypt import encrypt_pack
from reclaim.packs._export import PackError, PackReason, export_pack
from reclaim.packs._report import Exhibit
from reclaim.packs._timestamps import complete_timestamps
from reclaim.packs._verify import FAIL, PASS, WARN, Check, verify_pack

__all__ = [
    "FAIL",
    "PASS",
    "WARN",
    "Check",
    "Exhibit",
    "PackChoice",
    "PackError",
    "PackReason",
    "choose",
    "choose_items",
    "complete_timestamps",
    "encrypt_pack",
    "export_pack",
    "scope_words",
    "verify_pack",
]
