"""`reclaim locker ...` (in _locker), `export`, `capture`, `verify` and `timestamp`: thin
verbs over the core."""

import argparse
import sys
from pathlib import Path

from reclaim.cli._locker import add_verb as add_locker_verb
from reclaim.cli._options import add_passphrase_option, open_locker
from reclaim.cli._parsing import CommandParser
from reclaim.errors import ReclaimError


def add_verbs(verbs: "argparse._SubParsersAction[CommandParser]") -> None:
    """Add the evidence verbs to the command line: locker, export, capture, verify, timestamp."""
    add_locker_verb(verbs)
    export = verbs.add_parser("export", help="export the locker as an evidence pack")
    export.add_argument("locker", type=Path)
    export.add_argument("destination", type=Path, help="a new folder for the pack")
    export.add_argument("--initials", required=True, help="for exhibit numbers, such as JS")
    export.add_argument("--title", default="Evidence pack", help="shown in the report")
    export.add_argument(
        "--incident",
        action="append",
        default=[],
        metavar="ID",
        help="only the items of this incident (repeat for more than one)",
    )
    export.add_argument(
        "--since", metavar="DATE", help="only items captured, sent or added from this date"
    )
    export.add_argument("--until", metavar="DATE", help="only items up to this date (included)")
    export.add_argument(
        "--timestamp-authority",
        action="append",
        default=[],
        metavar="URL",
        help="an RFC 3161 authority to timestamp the pack (repeat for more than one)",
    )
    export.add_argument(
        "--encrypt-to", metavar="AGE_RECIPIENT", help="also write PACK.tar.age for this recipient"
    )
    export.add_argument(
        "--time-zone",
        metavar="ZONE",
        default="",
        help="show the report's times in this zone, such as America/New_York "
        "(default: RECLAIM_TIME_ZONE, else Europe/London)",
    )
    add_passphrase_option(export)
    export.set_defaults(run=_export)

    capture = verbs.add_parser("capture", help="capture a web page as evidence")
    capture.add_argument("url")
    capture.add_argument("--out", type=Path, required=True, help="a new folder for the files")
    capture.add_argument("--locker", type=Path, help="also keep the capture in this locker")
    capture.add_argument("--incident", help="the incident the capture belongs to")
    capture.add_argument("--allow-private", action="store_true", help=argparse.SUPPRESS)
    add_passphrase_option(capture)
    capture.set_defaults(run=_capture)

    verify = verbs.add_parser("verify", help="check an evidence pack (PASS, WARN or FAIL)")
    verify.add_argument("pack", type=Path)
    verify.add_argument(
        "--tsa-root",
        action="append",
        default=[],
        type=Path,
        metavar="ROOT.pem",
        help="also trust this timestamp authority root (repeat for more); else the system's",
    )
    verify.add_argument(
        "--tsa-chain",
        action="append",
        default=[],
        type=Path,
        metavar="CHAIN.pem",
        help="intermediate certificates of an authority, if its tokens do not carry them",
    )
    verify.set_defaults(run=_verify)

    timestamp = verbs.add_parser("timestamp", help="complete a pack's pending timestamps")
    timestamp.add_argument("pack", type=Path)
    timestamp.add_argument(
        "--timestamp-authority",
        action="append",
        default=[],
        metavar="URL",
        help="ask this RFC 3161 authority instead of the one listed (repeat for more)",
    )
    timestamp.set_defaults(run=_timestamp)


def _export(arguments: argparse.Namespace) -> int:
    from reclaim.packs import choose, encrypt_pack, export_pack, scope_words

    try:
        box = open_locker(arguments)
        item_ids, incident_ids, scope = None, None, ""
        if arguments.incident or arguments.since or arguments.until:
            chosen = choose(box, arguments.incident or (), arguments.since, arguments.until)
            item_ids, incident_ids = chosen.item_ids, chosen.incident_ids
            scope = scope_words(box, arguments.incident or (), arguments.since, arguments.until)
        pack = export_pack(
            box,
            arguments.destination,
            arguments.initials,
            arguments.title,
            item_ids=item_ids,
            authorities=tuple(arguments.timestamp_authority),
            scope=scope,
            incident_ids=incident_ids,
            time_zone=arguments.time_zone,
        )
        if arguments.encrypt_to:
            sealed = pack.with_name(pack.name + ".tar.age")
            encrypt_pack(pack, arguments.encrypt_to, sealed)
            print(f"Encrypted copy: {sealed} (open with: age -d -i KEY {sealed.name} | tar x)")
    except (ReclaimError, OSError) as error:
        print(f"reclaim: {error}", file=sys.stderr)
        return 1
    print(f"Pack written to {pack}. Check it with: reclaim verify {pack}")
    return 0


def _capture(arguments: argparse.Namespace) -> int:
    from reclaim.capture import capture_page

    try:
        box = open_locker(arguments) if arguments.locker else None
        if box is not None:
            box.check_media_allowed(arguments.incident)  # before anything is fetched
        capture = capture_page(arguments.url, arguments.out, arguments.allow_private)
        if box is not None:
            started = str(capture.metadata["capture_started_utc"])
            more = capture.locker_details()
            box.add_capture(capture.files, arguments.url, started, arguments.incident, more)
    except (ReclaimError, OSError) as error:
        print(f"reclaim: {error}", file=sys.stderr)
        return 1
    for name, path in capture.files.items():
        print(f"{name:<16} {path}")
    return 0


def _verify(arguments: argparse.Namespace) -> int:
    from reclaim.packs import FAIL, verify_pack

    if not arguments.pack.is_dir():
        print(
            f"reclaim: {arguments.pack} is not a folder (open an encrypted pack first)",
            file=sys.stderr,
        )
        return 1
    checks = verify_pack(arguments.pack, arguments.tsa_root, arguments.tsa_chain)
    for check in checks:
        print(f"{check.status}  {check.name}: {check.detail}")
        if check.by_hand:
            print(f"      by hand: {check.by_hand}")
    return 1 if any(check.status == FAIL for check in checks) else 0


def _timestamp(arguments: argparse.Namespace) -> int:
    from reclaim.packs import complete_timestamps

    try:
        lines = complete_timestamps(arguments.pack, tuple(arguments.timestamp_authority))
    except (ReclaimError, OSError) as error:
        print(f"reclaim: {error}", file=sys.stderr)
        return 1
    if not lines:
        print("Nothing pending: every timestamp this pack asked for is here.")
    for line in lines:
        print(line)
    return 1 if any("still pending" in line for line in lines) else 0
