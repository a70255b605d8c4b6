"""Web capture with Chromium: finding a browser, and capturing a page as evidence."""

from reclaim.capture._capture import Capture, CaptureError, capture_page, check_address
from reclaim.capture.chromium import CHROMIUM_ARGS, ChromiumNotFoundError, find_chromium

__all__ = [
    "CHROMIUM_ARGS",
    "Capture",
    "CaptureError",
    "ChromiumNotFoundError",
    "capture_page",
    "check_address",
    "find_chromium",
]
