"""Find a Chromium already on the machine: Debian's package first, then Playwright's own."""

import shutil
from pathlib import Path

from reclaim.errors import ReclaimError

SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
PLAYWRIGHT_CACHE = Path.home() / ".cache" / "ms-playwright"
PLAYWRIGHT_BINARIES = ("chromium-*/chrome-linux*/chrome", "chromium_headless_shell-*/*/chrome-*")

# Flags for a headless Chromium that must reach nothing but the pages it is given: no
# background fetches of updates, safe-browsing lists or sync (see the machine notes).
CHROMIUM_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-quic",
    "--no-first-run",
    "--disable-gpu",
    "--metrics-recording-only",
)
INSTALL_HELP = (
    "No Chromium found. Install one: on Debian or Ubuntu `sudo apt-get install chromium`; "
    "elsewhere `python -m playwright install chromium`."
)


class ChromiumNotFoundError(ReclaimError):
    """No Chromium is installed where Reclaim looks; the message says how to install one."""


def find_chromium(extra: Path | None = None) -> Path:
    """Return the path of a Chromium executable; raise ChromiumNotFoundError if none."""
    candidates = [extra] if extra else []
    candidates += [Path(found) for name in SYSTEM_NAMES if (found := shutil.which(name))]
    for pattern in PLAYWRIGHT_BINARIES:
        candidates += sorted(PLAYWRIGHT_CACHE.glob(pattern), reverse=True)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ChromiumNotFoundError(INSTALL_HELP)
