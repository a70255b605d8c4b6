"""Where and as whom Chromium runs for a capture: with its sandbox on, never as root.

Chromium's sandbox cannot start as root, and without it a page that breaks the renderer runs
with the capture process's rights. So when the capture process is root (a container, CI),
Chromium is started through a small launcher that drops to an unprivileged user (``nobody``)
first; its sandbox then uses user namespaces, as on any desktop. Either way it gets a profile
folder of its own (0700, owned by the user it runs as), with its home and caches inside it,
an environment that carries none of the capture process's secrets, and the folder is removed
when the capture ends.
"""

import os
import pwd
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reclaim.capture._errors import CaptureError

UNPRIVILEGED_USER = "nobody"
PROFILE_PREFIX = "reclaim-capture-profile-"
PRIVATE_FOLDER_MODE = 0o700
# What Chromium needs from the environment; nothing else of the capture process's (database
# address, secret key) reaches a process another program running as nobody could inspect.
KEPT_VARIABLES = ("PATH", "LANG", "LC_ALL", "TZ", "FONTCONFIG_FILE", "FONTCONFIG_PATH")
NO_SANDBOX_HELP = (
    "Chromium's sandbox could not start, and Reclaim does not capture pages without it. "
    "Allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 on "
    "Debian; in a container, a seccomp profile that permits them)."
)

LAUNCHER = """#!{python} -I
# Starts Chromium as {user}: written by Reclaim for one capture, removed after it.
import os, sys
os.setgroups([])
os.setgid({gid})
os.setuid({uid})
if os.getuid() == 0 or os.geteuid() == 0:
    sys.exit("reclaim: could not leave root before starting Chromium")
os.chdir({home!r})
os.execv({chromium!r}, [{chromium!r}, *sys.argv[1:]])
"""


@dataclass(frozen=True)
class BrowserHome:
    """How one capture starts Chromium: the program to run, its profile and environment."""

    executable: Path  # Chromium itself, or the launcher that leaves root first
    profile: Path
    env: dict[str, str]
    user: str  # who Chromium runs as


@contextmanager
def browser_home(chromium: Path) -> Iterator[BrowserHome]:
    """Yield a private home for one Chromium run; remove everything when the run ends."""
    profile = Path(tempfile.mkdtemp(prefix=PROFILE_PREFIX))  # 0700, for us alone
    launcher_folder: Path | None = None
    try:
        if os.geteuid() != 0:
            yield BrowserHome(chromium, profile, _environment(profile), _user_name(os.getuid()))
            return
        account = _unprivileged_account()
        os.chown(profile, account.pw_uid, account.pw_gid)
        launcher_folder = Path(tempfile.mkdtemp(prefix="reclaim-capture-launcher-"))
        launcher = _write_launcher(launcher_folder, chromium, account, profile)
        yield BrowserHome(launcher, profile, _environment(profile), account.pw_name)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
        if launcher_folder is not None:
            shutil.rmtree(launcher_folder, ignore_errors=True)


def is_sandbox_failure(message: str) -> bool:
    """Return whether Chromium's start-up error says its sandbox could not start."""
    return "No usable sandbox" in message


def _unprivileged_account() -> pwd.struct_passwd:
    try:
        account = pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        raise CaptureError(
            f"Captures started as root run Chromium as the user {UNPRIVILEGED_USER}, and this "
            "machine has no such user; run Reclaim as an ordinary user instead."
        ) from None
    if account.pw_uid == 0:
        raise CaptureError(f"The user {UNPRIVILEGED_USER} is root here; captures will not run.")
    return account


def _write_launcher(folder: Path, chromium: Path, account: pwd.struct_passwd, home: Path) -> Path:
    text = LAUNCHER.format(
        python=sys.executable, user=account.pw_name, uid=account.pw_uid, gid=account.pw_gid,
        home=str(home), chromium=str(chromium.resolve()),
    )  # fmt: skip
    launcher = folder / "chromium"
    launcher.write_text(text)
    launcher.chmod(stat.S_IRWXU)  # root's alone: nobody cannot change what root runs
    return launcher


def _environment(home: Path) -> dict[str, str]:
    kept = {name: os.environ[name] for name in KEPT_VARIABLES if name in os.environ}
    return kept | {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_DATA_HOME": str(home / "data"),
    }


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
