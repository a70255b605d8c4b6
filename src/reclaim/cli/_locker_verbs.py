"""`reclaim locker incident|message|recover|delete`: the locker's other verbs, with the web's
checks.

The rules are the web forms' (reclaim.web.evidence.forms), restated because the command line
does not load Django: an incident says what happened and whether anyone in the image was under
18 ("not sure" is kept as safely as "yes", and such an incident takes no files); a message
says who sent it and when; a new passphrase has at least MIN_PASSPHRASE_CHARS characters and
is typed twice. Secrets never come from the command line itself, where other users and the
shell's history could read them: they are asked for, or read from a file.
"""

import argparse
import datetime
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from reclaim import times
from reclaim.cli._options import Actions, locker_action, open_locker, passphrase
from reclaim.cli._parsing import CommandParser
from reclaim.errors import ReclaimError

MIN_PASSPHRASE_CHARS = 10  # as the web's set-up and recovery forms
MAX_SUMMARY_CHARS = 2000
MAX_MESSAGE_CHARS = 100_000
MAX_SENDER_CHARS = 300
MAX_REASON_CHARS = 500
UNDER_18_ANSWERS = {"yes": True, "not-sure": True, "no": False}
SENT_AT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d")
SENT_AT_UNKNOWN = ("unknown", "not known")  # --sent-at for a message whose time is not known


class InputError(ReclaimError):
    """What was given on the command line cannot be used; the message says what to change."""


def add_locker_verbs(actions: "Actions[CommandParser]") -> None:
    """Add the incident, message, recover and delete actions under `reclaim locker`."""
    for make in (_incident_parser, _message_parser, _recover_parser, _delete_parser):
        make(actions)


def file_origin(path: Path, source: BinaryIO) -> dict[str, str]:
    """Return where a file came from, for its custody entry: its name and its file times.

    Only the file's own name is kept, never the folders above it (they can say more about
    the person than the evidence does).
    """
    facts = os.fstat(source.fileno())
    origin = {
        "original_name": path.name,
        "file_modified_utc": _utc(facts.st_mtime),
        "file_changed_utc": _utc(facts.st_ctime),  # on Linux, the inode's last change
    }
    created = getattr(facts, "st_birthtime", None)  # macOS, Windows, some Linux file systems
    if created is not None:
        origin["file_created_utc"] = _utc(created)
    return origin


def _utc(timestamp: float) -> str:
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


# Parsers -------------------------------------------------------------------------------------


def _incident_parser(actions: "Actions[CommandParser]") -> CommandParser:
    from reclaim.locker import INCIDENT_KINDS

    words = "record an incident: what happened, when, where"
    parser = locker_action(actions, "incident", words, _run_incident)
    parser.add_argument("--kind", required=True, choices=INCIDENT_KINDS, help="what happened")
    parser.add_argument("--summary", required=True, help="in a few words")
    parser.add_argument(
        "--under-18",
        required=True,
        choices=list(UNDER_18_ANSWERS),
        help="was anyone in the image under 18 when it was taken? (if so, no files are kept)",
    )
    parser.add_argument("--when", dest="happened_on", metavar="DATE", help="when it happened")
    parser.add_argument("--discovered-on", metavar="DATE", help="when you found out")
    parser.add_argument("--platform", default="", help="the website or app")
    for option, words in (
        ("--url", "a web address"),
        ("--person", "a username or profile link"),
        ("--report", "a platform ticket or police crime reference"),
    ):
        parser.add_argument(option, action="append", default=[], help=f"{words} (repeatable)")
    return parser


def _message_parser(actions: "Actions[CommandParser]") -> CommandParser:
    words = "keep a message or threat, word for word"
    parser = locker_action(actions, "message", words, _run_message)
    parser.add_argument("--sender", required=True, help="who sent it (name, username, number)")
    parser.add_argument(
        "--sent-at",
        required=True,
        metavar="WHEN",
        help="2026-11-20T21:30 in your time zone, or unknown if you do not know when it was sent",
    )
    parser.add_argument(
        "--time-zone",
        metavar="ZONE",
        default=times.default_zone(),
        help="the time zone --sent-at is in, such as America/New_York "
        "(default: RECLAIM_TIME_ZONE, else Europe/London)",
    )
    parser.add_argument("--incident", metavar="ID", help="the incident it is part of")
    parser.add_argument(
        "--file", type=Path, metavar="TEXT", help="a UTF-8 text file with the message (else stdin)"
    )
    return parser


def _recover_parser(actions: "Actions[CommandParser]") -> CommandParser:
    parser = locker_action(
        actions,
        "recover",
        "open with the recovery code and choose a new passphrase",
        _run_recover,
        new_passphrase=True,
    )
    parser.add_argument(
        "--recovery-code-file",
        type=Path,
        metavar="FILE",
        help="read the recovery code from this file (else asked)",
    )
    return parser


def _delete_parser(actions: "Actions[CommandParser]") -> CommandParser:
    words = "delete an item for good (the custody log keeps a tombstone)"
    parser = locker_action(actions, "delete", words, _run_delete)
    parser.add_argument("item", help="the item's id (see: reclaim locker list)")
    parser.add_argument("--reason", default="", help="why (kept in the tombstone)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return parser


# Running -------------------------------------------------------------------------------------


def _run_incident(arguments: argparse.Namespace) -> int:
    from reclaim.locker import Incident

    def run() -> None:
        incident = Incident(
            kind=arguments.kind,
            summary=_limited(arguments.summary.strip(), MAX_SUMMARY_CHARS, "--summary"),
            happened_on=_date(arguments.happened_on, "--when"),
            discovered_on=_date(arguments.discovered_on, "--discovered-on"),
            platform=arguments.platform.strip(),
            urls=_stripped(arguments.url),
            people=_stripped(arguments.person),
            reports=_stripped(arguments.report),
            under_18=UNDER_18_ANSWERS[arguments.under_18],
        )
        incident.check()  # before the passphrase is asked for: a typo costs nothing
        stored = open_locker(arguments).add_incident(incident)
        print(f"incident {stored.id} recorded")
        if stored.under_18:
            from reclaim.locker import Under18Error

            print(f"No files will be kept for it. {Under18Error()}")

    return _guarded(run)


def _run_message(arguments: argparse.Namespace) -> int:
    def run() -> None:
        sender = _limited(arguments.sender.strip(), MAX_SENDER_CHARS, "--sender")
        sent_at = _sent_at(arguments.sent_at, arguments.time_zone)
        if not sender:
            raise InputError("say who sent it with --sender")
        text = _message_text(arguments.file)  # before the passphrase: a mistake costs nothing
        zone = arguments.time_zone if sent_at else ""
        item = open_locker(arguments).add_message(text, sender, sent_at, arguments.incident, zone)
        print(f"message kept as item {item.id}  sha256 {item.sha256}")

    return _guarded(run)


def _run_recover(arguments: argparse.Namespace) -> int:
    from reclaim.locker import Locker

    def run() -> None:
        if arguments.recovery_code_file:
            code = arguments.recovery_code_file.read_text().strip()
        else:
            code = getpass.getpass("Recovery code: ")
        new = _new_passphrase(arguments)
        Locker.recover(arguments.locker, code, new)
        print("Locker opened with the recovery code; the new passphrase is set.")
        print("The recovery code still works: keep it safe.")

    return _guarded(run)


def _run_delete(arguments: argparse.Namespace) -> int:
    def run() -> None:
        from reclaim.locker import NotFoundError

        box = open_locker(arguments)
        try:
            found = box.item(arguments.item)
        except NotFoundError:
            raise InputError(
                f"there is no item {arguments.item} in this locker "
                "(see the ids with: reclaim locker list)"
            ) from None
        reason = _limited(arguments.reason.strip(), MAX_REASON_CHARS, "--reason")
        if not arguments.yes and not _confirmed(found.name, found.added_utc):
            raise InputError("nothing was deleted")
        box.delete(found.id, reason=reason)
        print(f"deleted {found.name}; the custody log keeps its digests and the reason")

    return _guarded(run)


# Helpers -------------------------------------------------------------------------------------


def _guarded(run: Callable[[], None]) -> int:
    """Run a verb; print a clear message instead of a traceback; return the exit status."""
    try:
        run()
    except (ReclaimError, OSError, UnicodeDecodeError) as error:
        print(f"reclaim: {error}", file=sys.stderr)
        return 1
    except (EOFError, KeyboardInterrupt):
        print("\nreclaim: stopped; nothing was changed", file=sys.stderr)
        return 1
    return 0


def _new_passphrase(arguments: argparse.Namespace) -> str:
    """Return the new passphrase: from --passphrase-file, or typed twice."""
    if arguments.passphrase_file:
        first = second = passphrase(arguments)
    else:
        first = getpass.getpass("New passphrase: ")
        second = getpass.getpass("Type it again: ")
    if len(first) < MIN_PASSPHRASE_CHARS:
        raise InputError(f"use at least {MIN_PASSPHRASE_CHARS} characters for the passphrase")
    if first != second:
        raise InputError("the two passphrases are not the same")
    return first


def _confirmed(name: str, added_utc: str) -> bool:
    answer = input(f"Delete {name} (added {added_utc}) for good? Type yes to delete: ")
    return answer.strip().lower() == "yes"


def _message_text(path: Path | None) -> str:
    if path is None and sys.stdin.isatty():
        print("Type or paste the message, then press Ctrl+D on a line of its own.", file=sys.stderr)
    text = path.read_text(encoding="utf-8") if path else sys.stdin.read()
    if not text.strip():
        raise InputError("the message is empty: give it with --file or on standard input")
    return _limited(text, MAX_MESSAGE_CHARS, "the message")


def _limited(text: str, limit: int, what: str) -> str:
    if len(text) > limit:
        raise InputError(f"{what} is longer than {limit} characters")
    return text


def _stripped(values: list[str]) -> tuple[str, ...]:
    return tuple(value.strip() for value in values if value.strip())


def _date(value: str | None, option: str) -> str:
    if not value:
        return ""
    try:
        day = datetime.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise InputError(f"{option}: {value!r} is not a date such as 2026-11-23") from None
    return _not_future(day, option)


def _sent_at(value: str, zone_name: str) -> str:
    """Return the time a message was sent, as the web stores it: ISO 8601 with the offset of
    ``zone_name`` at that time, or "" when not known."""
    if value.strip().lower() in SENT_AT_UNKNOWN:
        return ""
    try:
        times.zone(zone_name)
    except times.TimeZoneError as error:
        raise InputError(f"--time-zone: {error}") from None
    for layout in SENT_AT_FORMATS:
        try:
            moment = datetime.datetime.strptime(value.strip(), layout)
        except ValueError:
            continue
        return _not_future(times.stamp(times.typed_instant(moment, zone_name)), "--sent-at")
    raise InputError(f"--sent-at: {value!r} is not a time such as 2026-11-20T21:30, nor unknown")


def _not_future(value: str, option: str) -> str:
    """Return ``value`` unless it is a date still to come (then say so, naming the option)."""
    from reclaim.locker import IncidentError, check_not_future

    try:
        check_not_future(value, "That is in the future")
    except IncidentError as error:
        raise InputError(f"{option}: {error}") from None
    return value
