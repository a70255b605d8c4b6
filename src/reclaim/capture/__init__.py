"""Web capture with Chromium: finding a browser, and capturing a page as evidence through a
recording proxy behind one address gate."""

from reclaim.capture._capture import Capture, Network, capture_page, check_address
from reclaim.capture._errors import (
    CaptureError,
    CaptureNotShownError,
    CaptureReason,
    CaptureRefusedError,
)
from reclaim.capture._gate import AddressGate, check_url
from reclaim.capture._sign import WaczSignatureError, sign_wacz, verify_wacz
from reclaim.capture.chromium import CHROMIUM_ARGS, ChromiumNotFoundError, find_chromium

__all__ = [
    "CHROMIUM_ARGS",
    "AddressGate",
    "Capture",
    "CaptureError",
    "CaptureNotShownError",
    "CaptureReason",
    "CaptureRefusedError",
    "ChromiumNotFoundError",
    "Network",
    "WaczSignatureError",
    "capture_page",
    "check_address",
    "check_url",
    "find_chromium",
    "sign_wacz",
    "verify_wacz",
]
