"""What can go wrong in a capture.

CaptureError (ReclaimError)    a page could not be captured: a bad address, a failed load
 └── CaptureRefusedError        the address is private, local or reserved: never visited
"""

from reclaim.errors import ReclaimError


class CaptureError(ReclaimError):
    """A page could not be captured: a bad or forbidden address, or the page failed to load."""


class CaptureRefusedError(CaptureError):
    """An address stands for a private, local or reserved address and was not visited."""
