"""The one base of every error the core raises.

ReclaimError
 ├── ContentError          a content file breaks a rule in docs/content.md
 ├── MarkupError           content text links to a target of no allowed form
 ├── ChromiumNotFoundError no Chromium on this machine
 ├── KdfError              key-derivation settings below the locker's floor
 ├── SealError             a sealed blob or record failed authentication
 ├── CustodyError          the custody log's chain or a signature is broken
 ├── IncidentError         an incident lacks what it needs
 │    └── Under18Error      media offered where someone was under 18 in the image
 └── LockerError           a locker cannot be created, opened or changed
      ├── WrongKeyError       the passphrase or recovery code does not open it
      └── CorruptLockerError  part of it was changed or damaged outside Reclaim
"""


class ReclaimError(Exception):
    """Base class of every error raised on purpose by Reclaim."""
