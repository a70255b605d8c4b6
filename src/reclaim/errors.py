"""The one base of every error the core raises.

ReclaimError
 ├── ContentError          a content file breaks a rule in docs/content.md
 ├── MarkupError           content text links to a target of no allowed form
 └── ChromiumNotFoundError no Chromium on this machine
"""


class ReclaimError(Exception):
    """Base class of every error raised on purpose by Reclaim."""
