"""What can go wrong when opening or changing a locker."""

from pathlib import Path

from reclaim.errors import ReclaimError
from reclaim.locker._custody import CustodyError


def what_to_do(root: Path) -> str:
    """Return what to do about a damaged locker; every message about damage ends with it."""
    return (
        f"Nothing has been deleted. Run `reclaim locker check {root}` to see every problem and "
        f"`reclaim locker repair {root}` to rebuild what can be rebuilt (the old log is kept)."
    )


class LockerError(ReclaimError):
    """A locker cannot be created, opened or changed; the message says why."""


class WrongKeyError(LockerError):
    """The passphrase or recovery code does not open this locker."""


class NotFoundError(LockerError):
    """The locker holds no item, incident or removal request with that id (or it was deleted)."""


class CorruptLockerError(LockerError):
    """Part of the locker was changed or damaged outside Reclaim."""


class RolledBackError(CorruptLockerError):
    """The custody log is shorter, or other, than the head the locker last sealed."""


class BrokenChainError(CorruptLockerError, CustodyError):
    """The custody log's entries are each whole, but they do not chain or are not signed."""


def damaged(what: str, root: Path) -> CorruptLockerError:
    """Return the error for damage ``what`` in the locker at ``root``, saying what to do."""
    return CorruptLockerError(f"{what}. {what_to_do(root)}")
