"""`reclaim locker ACTION`: create, add, list, key, timestamp, check and repair, each with its
own arguments (incident, message, recover and delete are in _locker_verbs).

`add` keeps files through reclaim.locker's keep_file, as the web page does: the type comes
from the file's first bytes, and a file the locker will not take is refused in the same words.
"""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reclaim.cli._locker_verbs import add_locker_verbs, file_origin
from reclaim.cli._options import Actions, add_locker_options, locker_action, open_locker, passphrase
from reclaim.cli._parsing import CommandParser
from reclaim.errors import ReclaimError

if TYPE_CHECKING:
    from reclaim.locker import EvidenceItem, ItemBatch, Locker

DAMAGED_PICTURE = "This picture seems damaged or incomplete. It is kept exactly as it came."


def add_verb(verbs: "Actions[CommandParser]") -> None:
    """Add `reclaim locker` and its actions to the command line."""
    verb = verbs.add_parser(
        "locker",
        help="create, fill and list an evidence locker",
        description="Create, fill and list an evidence locker. --locker and "
        "--passphrase-file may come before the action or after it.",
    )
    add_locker_options(verb, on_action=False)
    actions = verb.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = locker_action(
        actions,
        "create",
        "create a locker (asks for a passphrase; shows the recovery code once)",
        _guarded(_create),
        new_passphrase=True,
    )
    _authority_option(create, "timestamp the locker's key")
    add = locker_action(actions, "add", "keep files, each as it is", _guarded(_add))
    add.add_argument("files", nargs="+", type=Path, metavar="FILE", help="files to keep")
    add.add_argument("--incident", metavar="ID", help="the incident they are part of")
    add.add_argument("--note", default="", help="a note kept with each file")
    _authority_option(add, "timestamp the new items")
    locker_action(actions, "list", "list the items", _guarded(_list))
    _authority_option(
        locker_action(
            actions,
            "timestamp",
            "timestamp the custody log, the key and new items (RFC 3161)",
            _guarded(_timestamp),
        ),
        "timestamp the custody log, the key and any item not yet timestamped "
        "(pending requests are retried too)",
    )
    locker_action(
        actions,
        "key",
        "show the locker's key fingerprint, to read aloud, and when it was timestamped",
        _guarded(_key),
    )
    locker_action(
        actions, "check", "report every problem (exit 1 if any); changes nothing", _guarded(_check)
    )
    locker_action(
        actions,
        "repair",
        "rebuild the custody log from the sealed records and blobs, keeping the old log",
        _guarded(_repair),
    )
    add_locker_verbs(actions)


def _authority_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--timestamp-authority",
        action="append",
        default=[],
        metavar="URL",
        help=f"an RFC 3161 authority to {what} (repeat for more than one)",
    )


def _guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Return ``run`` printing a clear message instead of a traceback (exit status 1)."""

    def guarded(arguments: argparse.Namespace) -> int:
        try:
            return run(arguments)
        except (ReclaimError, OSError) as error:
            print(f"reclaim: {error}", file=sys.stderr)
            return 1

    return guarded


# Actions -------------------------------------------------------------------------------------


def _create(arguments: argparse.Namespace) -> int:
    from reclaim.locker import Locker

    authorities = tuple(arguments.timestamp_authority)
    secret = passphrase(arguments, "New passphrase: ")
    box, code = Locker.create(arguments.locker, secret, authorities=authorities)
    print("Locker created. Your recovery code (write it down; it is shown only once):")
    print(f"    {code}")
    _print_key(box, authorities)
    return 0


def _add(arguments: argparse.Namespace) -> int:
    box = open_locker(arguments)
    box.check_media_allowed(arguments.incident)  # before reading any of the files
    refused = 0
    for path in arguments.files:
        try:
            item = _keep(box, path, arguments)
        except (ReclaimError, OSError) as error:  # the others are still kept
            refused += 1
            print(f"reclaim: {path} was not kept: {error}", file=sys.stderr)
            continue
        print(f"added {path}  sha256 {item.sha256}  (item {item.id}, {item.media_type})")
        if item.details.get("readable") == "no":
            print(f"    {DAMAGED_PICTURE} ({item.details.get('problem', '')})")
    authorities = tuple(arguments.timestamp_authority)
    if refused < len(arguments.files) and authorities:
        box.retry_timestamps()
        _print_batches(box.timestamp_items(authorities))
    return 1 if refused else 0


def _keep(box: "Locker", path: Path, arguments: argparse.Namespace) -> "EvidenceItem":
    from reclaim.locker import keep_file

    with path.open("rb") as source:
        origin = file_origin(path, source)
        return keep_file(
            box, source, path.name, note=arguments.note, incident=arguments.incident, origin=origin
        )


def _list(arguments: argparse.Namespace) -> int:
    from reclaim.locker import quarantined

    box = open_locker(arguments)
    for item in box.items():
        mark = f"  DAMAGED: {item.damaged}" if item.damaged else ""
        print(f"{item.id}  {item.added_utc}  {item.size:>10}  {item.name}{mark}")
    for damage in box.damaged():
        if damage.kind != "item":
            print(f"DAMAGED {damage.kind} {damage.id} (added {damage.added_utc}): {damage.reason}")
    held = quarantined(box.root)
    if held:
        print(f"{len(held)} files the custody log does not name are in {box.root / 'quarantine'}:")
        print(f"    see: reclaim locker check --locker {box.root}")
    return 0


def _timestamp(arguments: argparse.Namespace) -> int:
    authorities = tuple(arguments.timestamp_authority)
    box = open_locker(arguments)
    box.retry_timestamps()
    box.anchor_key(authorities)
    _print_batches(box.timestamp_items(authorities))
    for stamp in box.timestamp_log_head(authorities):
        print(f"custody log up to entry {stamp.seq}: {stamp.time}  ({stamp.authority})")
    return 0


def _key(arguments: argparse.Namespace) -> int:
    _print_key(open_locker(arguments), ())
    return 0


def _check(arguments: argparse.Namespace) -> int:
    from reclaim.locker import check_locker

    report = check_locker(arguments.locker, passphrase(arguments))
    for note in report.notes:
        print(f"note: {note}")
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    if not report.problems:
        print("no problems found: every entry, record, blob, incident and request is whole")
    return 1 if report.problems else 0


def _repair(arguments: argparse.Namespace) -> int:
    from reclaim.locker import repair_locker

    for line in repair_locker(arguments.locker, passphrase(arguments)):
        print(line)
    return 0


# Output --------------------------------------------------------------------------------------


def _print_key(box: "Locker", authorities: tuple[str, ...]) -> None:
    from reclaim.signing.sshsig import spoken_fingerprint

    print(f"The locker's key fingerprint: {box.key_fingerprint()}")
    print(f"  to read aloud (a helpline may note it): {spoken_fingerprint(box.public_key())}")
    for stamp in box.key_anchors():
        print(f"  the key existed no later than {stamp.time}  ({stamp.authority})")
    if authorities and not box.key_anchors():
        print("  key timestamp pending: asked again the next time an authority is given")


def _print_batches(batches: "list[ItemBatch]") -> None:
    for batch in batches:
        print(f"{len(batch.items)} item(s) timestamped: {batch.time}  ({batch.authority})")
