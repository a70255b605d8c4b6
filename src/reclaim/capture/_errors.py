"""What can go wrong in a capture, and a stable reason for each kind.

CaptureError (ReclaimError)    a page could not be captured: a bad address, a failed load
 ├── CaptureRefusedError        the address is private, local or reserved: never visited
 └── CaptureNotShownError       the address is a file this Chromium saves rather than shows

The message is English detail for logs and helpers; ``reason`` is what an interface uses to
choose its own words, so no browser's call log ever reaches a person.
"""

from enum import StrEnum

from reclaim.errors import ReclaimError


class CaptureReason(StrEnum):
    """Why a capture failed, in a form that does not change with the wording."""

    BAD_ADDRESS = "bad-address"  # not a plain http(s) web address
    NOT_FOUND = "not-found"  # the name stands for no address
    PRIVATE = "private"  # a private, local or reserved address: never visited
    UNREACHABLE = "unreachable"  # the site did not answer
    CERTIFICATE = "certificate"  # the site's certificate could not be verified
    TIMEOUT = "timeout"  # the page took too long
    EMPTY = "empty"  # the page sent nothing back
    NOT_SHOWN = "not-shown"  # a file (a PDF) that this Chromium saves rather than shows
    FAILED = "failed"  # anything else


class CaptureError(ReclaimError):
    """A page could not be captured: a bad or forbidden address, or the page failed to load."""

    default_reason = CaptureReason.FAILED

    def __init__(self, message: str, reason: CaptureReason | None = None) -> None:
        super().__init__(message)
        self.reason = reason or self.default_reason


class CaptureRefusedError(CaptureError):
    """An address stands for a private, local or reserved address and was not visited."""

    default_reason = CaptureReason.PRIVATE


class CaptureNotShownError(CaptureError):
    """The address is a file Chromium saves rather than shows (a PDF in the headless shell,
    which has no PDF viewer): a capture keeps pages, never downloads."""

    default_reason = CaptureReason.NOT_SHOWN


def reason_of_browser_error(message: str) -> CaptureReason:
    """Return the reason a browser's error message stands for (its net:: codes, timeouts)."""
    if "Timeout" in message or "ERR_TIMED_OUT" in message:
        return CaptureReason.TIMEOUT
    if "ERR_NAME_NOT_RESOLVED" in message or "ERR_NAME_RESOLUTION" in message:
        return CaptureReason.NOT_FOUND
    if "ERR_CERT" in message or "ERR_SSL" in message:
        return CaptureReason.CERTIFICATE
    if "net::ERR_" in message:
        return CaptureReason.UNREACHABLE
    return CaptureReason.FAILED
