"""Web capture with Chromium. For now: finding a Chromium on this machine."""

from reclaim.capture.chromium import CHROMIUM_ARGS, ChromiumNotFoundError, find_chromium

__all__ = ["CHROMIUM_ARGS", "ChromiumNotFoundError", "find_chromium"]
