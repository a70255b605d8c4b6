"""`reclaim protect`: send hashes of your images (made here) to a Reclaim hash bank.

    reclaim protect new --service https://help.example.org PHOTO...   a new case
    reclaim protect add --service URL --case NUMBER PHOTO...           more for a case
    reclaim protect status --service URL --case NUMBER                 hashes and matches
    reclaim protect withdraw --service URL --case NUMBER [--entry ID]  withdraw (all if none)

The images are hashed on this computer (reclaim hash); only the hashes are sent. The PIN is
asked for at a prompt (or read from --pin-file), never taken on the command line.
"""

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reclaim.cli._hash import describe, files_in
from reclaim.cli._parsing import CommandParser
from reclaim.content import under_18_listing

if TYPE_CHECKING:  # imported when a verb runs, so that `reclaim --help` stays quick
    from reclaim.bank import BankClient, Signal

QUESTIONS = (
    ("isTheSubject", "Are you the person in the images?"),
    ("isIntimate", "Are the images intimate (nude, sexual, or in underwear)?"),
    ("wasAdultWhenTaken", "Were you 18 or over when they were taken?"),
)


def under_18_message() -> str:
    """Return what a person who was under 18 in the images is told instead of a case."""
    return (
        "This bank takes only images of adults. If you were under 18 in the images, these "
        f"services can help, and the images stay with you: {under_18_listing()}. "
        "It is not your fault."
    )


def add_verb(verbs: "argparse._SubParsersAction[CommandParser]") -> None:
    """Add `reclaim protect` to the command line."""
    verb = verbs.add_parser("protect", help="send hashes of your images to a Reclaim hash bank")
    actions = verb.add_subparsers(dest="action", required=True)
    new = actions.add_parser("new", help="hash images here and open a protection case")
    add = actions.add_parser("add", help="hash more images here and add them to your case")
    for action in (new, add):
        action.add_argument("paths", nargs="+", type=Path, help="pictures, videos or folders")
        action.add_argument("--yes", action="store_true", help="answer yes to every question")
    for action in (new, add, *_case_actions(actions, add)):
        action.add_argument("--service", required=True, help="the Reclaim site, https://...")
    verb.set_defaults(run=_protect)


def _case_actions(actions: Any, add: CommandParser) -> list[CommandParser]:
    status = actions.add_parser("status", help="your case's hashes and what platforms did")
    withdraw = actions.add_parser("withdraw", help="withdraw hashes (all, unless --entry)")
    withdraw.add_argument("--entry", action="append", help="an entry id to withdraw")
    for action in (status, withdraw, add):
        action.add_argument("--case", required=True, help="your case number")
        action.add_argument("--pin-file", type=Path, help="read the PIN from this file")
    return [status, withdraw]


def _protect(arguments: argparse.Namespace) -> int:
    from reclaim.bank import BankClient
    from reclaim.errors import ReclaimError

    try:
        client = BankClient(arguments.service)
        if arguments.action in ("new", "add"):
            return _send(arguments, client)
        if arguments.action == "status":
            _print_case(client.status(arguments.case, _pin(arguments)))
        else:
            _print_case(client.withdraw(arguments.case, _pin(arguments), arguments.entry))
    except (ReclaimError, OSError) as error:
        print(f"reclaim: {error}", file=sys.stderr)
        return 1
    return 0


def _send(arguments: argparse.Namespace, client: "BankClient") -> int:
    answers = {key: arguments.yes or _ask(question) for key, question in QUESTIONS}
    if not answers["wasAdultWhenTaken"]:
        print(under_18_message(), file=sys.stderr)
        return 1
    if not all(answers.values()):
        print("This bank holds only intimate images of the person who sends them.", file=sys.stderr)
        return 1
    signals = _signals(list(files_in(arguments.paths)))
    if not signals:
        print("reclaim: no picture or video with a usable hash", file=sys.stderr)
        return 1
    print(f"These {len(signals)} hashes (no images, no file names) go to {client.service}:")
    for signal in signals:
        print(f"  {signal.signal_type} {signal.value.splitlines()[0][:64]}")
    if not (arguments.yes or _ask("Send them?")):
        print("Nothing was sent.")
        return 1
    if arguments.action == "add":
        _print_case(client.add(arguments.case, _pin(arguments), answers, signals))
        return 0
    made = client.new_case(answers, signals)
    print(f"Case number: {made['caseNumber']}\nPIN: {made['pin']}")
    print("Keep both safe now: they are shown only this once and cannot be recovered.")
    return 0


def _signals(paths: list[Path]) -> list["Signal"]:
    """Return the signals of these files, hashed here; say on stderr which were left out."""
    from reclaim.bank import LOW_QUALITY, SignalError, signals_from_hashes
    from reclaim.errors import ReclaimError

    signals: list[Signal] = []
    for path in paths:
        try:
            signals += signals_from_hashes(describe(path))
        except SignalError as error:
            if error.reason == LOW_QUALITY:
                print(f"reclaim: {path} has too little detail for a reliable hash", file=sys.stderr)
            else:
                print(f"reclaim: could not hash {path}: {error}", file=sys.stderr)
        except (ReclaimError, OSError) as error:
            print(f"reclaim: could not hash {path}: {error}", file=sys.stderr)
    return signals


def _ask(question: str) -> bool:
    answer = input(f"{question} [yes/no] ").strip().lower()
    return answer in ("y", "yes")


def _pin(arguments: argparse.Namespace) -> str:
    if arguments.pin_file:
        try:
            return str(arguments.pin_file.read_text(encoding="utf-8").strip())
        except UnicodeDecodeError:
            # An OSError, so the caller says it in one line like a missing file.
            raise OSError(f"{arguments.pin_file} holds no PIN: it is not a text file") from None
    return getpass.getpass("PIN: ")


def _print_case(case: dict[str, Any]) -> None:
    if "withdrawn" in case:
        print(f"Withdrawn: {case['withdrawn']}")
    if "added" in case:
        print(f"Added: {case['added']}")
    for entry in case["entries"]:
        print(json.dumps(entry))
