"""`reclaim locker ...`, `export`, `verify` and `timestamp`: thin verbs over the core."""

import argparse
import getpass
import mimetypes
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from reclaim.cli._locker_verbs import add_locker_verbs, file_origin
from reclaim.errors import ReclaimError

if TYPE_CHECKING:
    from reclaim.locker import ItemBatch, Locker


def add_verbs(verbs: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the evidence verbs to the command line."""
    locker = verbs.add_parser("locker", help="create, fill and list an evidence locker")
    actions = locker.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, words in (
        ("create", "create a locker (asks for a passphrase; shows the recovery code once)"),
        ("add", "add files"),
        ("list", "list the items"),
        ("timestamp", "timestamp the custody log, the key and new items (RFC 3161)"),
        ("key", "show the locker's key fingerprint, to read aloud, and when it was timestamped"),
        ("check", "report every problem (exit 1 if any); changes nothing"),
        (
            "repair",
            "rebuild the custody log from the sealed records and blobs, keeping the old log",
        ),
    ):
        parser = actions.add_parser(action, help=words)
        parser.add_argument("path", type=Path, help="the locker folder")
        parser.set_defaults(run=_locker, files=[], timestamp_authority=[], incident=None, note="")
        _passphrase_option(parser)
    actions.choices["add"].add_argument("files", nargs="+", type=Path, help="files to add")
    actions.choices["add"].add_argument("--incident", metavar="ID", help="the incident")
    actions.choices["add"].add_argument("--note", default="", help="a note kept with each file")
    for action in ("create", "add", "timestamp"):
        actions.choices[action].add_argument(
            "--timestamp-authority",
            action="append",
            default=[],
            metavar="URL",
            help=(
                "an RFC 3161 authority: with create, timestamps the locker's key; with add, the "
                "new items; with timestamp, the custody log, the key and any item not yet "
                "timestamped (pending requests are retried too)"
            ),
        )
    add_locker_verbs(actions, _passphrase_option)

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
    _passphrase_option(export)
    export.set_defaults(run=_export)

    capture = verbs.add_parser("capture", help="capture a web page as evidence")
    capture.add_argument("url")
    capture.add_argument("--out", type=Path, required=True, help="a new folder for the files")
    capture.add_argument("--locker", type=Path, help="also keep the capture in this locker")
    capture.add_argument("--incident", help="the incident the capture belongs to")
    capture.add_argument("--allow-private", action="store_true", help=argparse.SUPPRESS)
    _passphrase_option(capture)
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


def _passphrase_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-file", type=Path, help="read the passphrase from this file (else asked)"
    )


def _passphrase(arguments: argparse.Namespace, prompt: str = "Locker passphrase: ") -> str:
    if arguments.passphrase_file:
        return str(arguments.passphrase_file.read_text().rstrip("\n"))
    return getpass.getpass(prompt)


def _locker(arguments: argparse.Namespace) -> int:
    from reclaim.locker import Locker

    try:
        authorities = tuple(arguments.timestamp_authority)
        if arguments.action == "create":
            passphrase = _passphrase(arguments, "New passphrase: ")
            box, code = Locker.create(arguments.path, passphrase, authorities=authorities)
            print("Locker created. Your recovery code (write it down; it is shown only once):")
            print(f"    {code}")
            _print_key(box, authorities)
            return 0
        if arguments.action in ("check", "repair"):
            return _check_or_repair(arguments)
        box = Locker.open(arguments.path, _passphrase(arguments))
        if arguments.files:
            box.check_media_allowed(arguments.incident)  # before reading any of the files
        for path in arguments.files:
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            with path.open("rb") as source:
                item = box.add(
                    source,
                    path.name,
                    media_type,
                    note=arguments.note,
                    incident=arguments.incident,
                    origin=file_origin(path, source),
                )
            print(f"added {path}  sha256 {item.sha256}  (item {item.id})")
        if arguments.files and authorities:
            box.retry_timestamps()
            _print_batches(box.timestamp_items(authorities))
        if arguments.action == "key":
            _print_key(box, authorities)
        if arguments.action == "list":
            _list(box)
        if arguments.action == "timestamp":
            box.retry_timestamps()
            box.anchor_key(authorities)
            _print_batches(box.timestamp_items(authorities))
            for stamp in box.timestamp_log_head(authorities):
                print(f"custody log up to entry {stamp.seq}: {stamp.time}  ({stamp.authority})")
    except (ReclaimError, OSError) as error:
        print(f"reclaim: {error}", file=sys.stderr)
        return 1
    return 0


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


def _list(box: "Locker") -> None:
    from reclaim.locker import quarantined

    for item in box.items():
        mark = f"  DAMAGED: {item.damaged}" if item.damaged else ""
        print(f"{item.id}  {item.added_utc}  {item.size:>10}  {item.name}{mark}")
    for damage in box.damaged():
        if damage.kind != "item":
            print(f"DAMAGED {damage.kind} {damage.id} (added {damage.added_utc}): {damage.reason}")
    held = quarantined(box.root)
    if held:
        print(f"{len(held)} files the custody log does not name are in {box.root / 'quarantine'}:")
        print(f"    see: reclaim locker check {box.root}")


def _check_or_repair(arguments: argparse.Namespace) -> int:
    from reclaim.locker import check_locker, repair_locker

    if arguments.action == "repair":
        for line in repair_locker(arguments.path, _passphrase(arguments)):
            print(line)
        return 0
    report = check_locker(arguments.path, _passphrase(arguments))
    for note in report.notes:
        print(f"note: {note}")
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    if not report.problems:
        print("no problems found: every entry, record, blob, incident and request is whole")
    return 1 if report.problems else 0


def _export(arguments: argparse.Namespace) -> int:
    from reclaim.locker import Locker
    from reclaim.packs import choose, encrypt_pack, export_pack, scope_words

    try:
        box = Locker.open(arguments.locker, _passphrase(arguments))
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
    from reclaim.locker import Locker

    try:
        box = Locker.open(arguments.locker, _passphrase(arguments)) if arguments.locker else None
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
