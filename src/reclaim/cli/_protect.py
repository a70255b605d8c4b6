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
from typing import Any

from reclaim.cli._hash import describe, files_in
from reclaim.cli._parsing import CommandParser

QUESTIONS = (
    ("isTheSubject", "Are you the person in the images?"),
    ("isIntimate", "Are the images intimate (nude, sexual, or in underwear)?"),
    ("wasAdultWhenTaken", "Were you 18 or over when they were taken?"),
)
UNDER_18 = (
    "This bank takes only images of adults. If you were under 18 in the images, Take It Down "
    "(https://takeitdown.ncmec.org/) and the IWF (https://www.iwf.org.uk/) can help, in the "
    "same way: the images stay with you. It is not your fault."
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
    from reclaim.errors import ReclaimError

    try:
        _check_service(arguments.service)
        if arguments.action in ("new", "add"):
            return _send(arguments)
        body: dict[str, Any] = {"caseNumber": arguments.case, "pin": _pin(arguments)}
        if arguments.action == "withdraw" and arguments.entry:
            body["entryIds"] = arguments.entry
        path = "/cases/status" if arguments.action == "status" else "/cases/withdraw"
        _print_case(_post(arguments.service, path, body))
    except (ReclaimError, OSError) as error:
        print(f"reclaim: {error}", file=sys.stderr)
        return 1
    return 0


def _send(arguments: argparse.Namespace) -> int:
    answers = {key: arguments.yes or _ask(question) for key, question in QUESTIONS}
    if not answers["wasAdultWhenTaken"]:
        print(UNDER_18, file=sys.stderr)
        return 1
    if not all(answers.values()):
        print("This bank holds only intimate images of the person who sends them.", file=sys.stderr)
        return 1
    signals = _signals(list(files_in(arguments.paths)))
    if not signals:
        print("reclaim: no picture or video with a usable hash", file=sys.stderr)
        return 1
    print(f"These {len(signals)} hashes (no images, no file names) go to {arguments.service}:")
    for signal in signals:
        print(f"  {signal['signalType']} {str(signal['value']).splitlines()[0][:64]}")
    if not (arguments.yes or _ask("Send them?")):
        print("Nothing was sent.")
        return 1
    body: dict[str, Any] = {"eligibility": answers, "signals": signals}
    if arguments.action == "add":
        body |= {"caseNumber": arguments.case, "pin": _pin(arguments)}
        _print_case(_post(arguments.service, "/cases/add", body))
        return 0
    made = _post(arguments.service, "/cases", body)
    print(f"Case number: {made['caseNumber']}\nPIN: {made['pin']}")
    print("Keep both safe now: they are shown only this once and cannot be recovered.")
    return 0


def _check_service(service: str) -> None:
    from urllib.parse import urlsplit

    from reclaim.errors import ReclaimError

    parts = urlsplit(service)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ReclaimError(f"{service} must start with https:// (your PIN travels to it)")


def _signals(paths: list[Path]) -> list[dict[str, Any]]:
    from reclaim.errors import ReclaimError
    from reclaim.hashing import MIN_QUALITY

    signals: list[dict[str, Any]] = []
    for path in paths:
        try:
            found = describe(path)
        except (ReclaimError, OSError) as error:
            print(f"reclaim: could not hash {path}: {error}", file=sys.stderr)
            continue
        if found.get("pdq"):
            if int(str(found["quality"])) < MIN_QUALITY:
                print(f"reclaim: {path} has too little detail for a reliable hash", file=sys.stderr)
                continue
            signals.append(
                {"signalType": "ImagePDQ", "value": found["pdq"], "quality": found["quality"]}
            )
        elif found.get("kind") == "video":
            signals.append({"signalType": "VideoMD5", "value": found["md5"]})
            if found.get("vpdq"):
                frames = "\n".join(map(str, found["vpdq"]))  # type: ignore[call-overload]
                signals.append({"signalType": "VideoVPDQ", "value": frames})
    return signals


def _ask(question: str) -> bool:
    answer = input(f"{question} [yes/no] ").strip().lower()
    return answer in ("y", "yes")


def _pin(arguments: argparse.Namespace) -> str:
    if arguments.pin_file:
        return str(arguments.pin_file.read_text().strip())
    return getpass.getpass("PIN: ")


def _post(service: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    import httpx

    from reclaim.errors import ReclaimError

    url = service.rstrip("/") + "/api/v1" + path
    try:
        response = httpx.post(url, json=body, timeout=60)
    except httpx.HTTPError as error:
        raise ReclaimError(f"could not reach {service}: {error}") from None
    try:
        answer = response.json() if response.content else {}
    except ValueError:  # a proxy's or server's error page, not the API's JSON
        answer = {}
    if response.status_code >= 400 or not isinstance(answer, dict):
        detail = f": {answer.get('detail')}" if answer.get("detail") else ""
        raise ReclaimError(f"{answer.get('title', response.reason_phrase)}{detail}")
    return dict(answer)


def _print_case(case: dict[str, Any]) -> None:
    if "withdrawn" in case:
        print(f"Withdrawn: {case['withdrawn']}")
    if "added" in case:
        print(f"Added: {case['added']}")
    for entry in case["entries"]:
        print(json.dumps(entry))
