"""Find a Chromium already on the machine: Debian's packages first, then Playwright's own."""

import shutil
from pathlib import Path

from reclaim.errors import ReclaimError

# The headless shell first: captures are headless anyway, and it is the same Blink without the
# desktop browser around it, at less than half the CPU per capture (measured in bench/).
SYSTEM_NAMES = (
    "chromium-headless-shell",
    "chromium",
    "chromium-browser",
    "google-chrome-stable",
    "google-chrome",
)
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
    if extra and extra.is_file():
        return extra
    found = every_chromium()
    if not found:
        raise ChromiumNotFoundError(INSTALL_HELP)
    return found[0]


def every_chromium() -> list[Path]:
    """Return every Chromium on the machine that Reclaim would use, the one it picks first;
    names that lead to the same file (chromium-browser linked to chromium) count once."""
    candidates = [Path(found) for name in SYSTEM_NAMES if (found := shutil.which(name))]
    for pattern in PLAYWRIGHT_BINARIES:
        candidates += sorted(PLAYWRIGHT_CACHE.glob(pattern), reverse=True)
    distinct: dict[Path, Path] = {}
    for candidate in candidates:
        if candidate.is_file():
            distinct.setdefault(candidate.resolve(), candidate)
    return list(distinct.values())


def is_headless_shell(chromium: Path) -> bool:
    """Return whether ``chromium`` is a headless shell (Debian's or Playwright's), which has
    no PDF viewer: it saves a PDF address as a download where a full Chromium shows it."""
    return "headless" in chromium.name or "headless" in str(chromium.parent)
