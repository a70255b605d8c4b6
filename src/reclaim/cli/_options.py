"""The options every `reclaim locker` action shares: which locker, and where its passphrase
comes from. Each may be given before the action or after it:

    reclaim locker --locker ~/evidence add photo.jpg
    reclaim locker add photo.jpg --locker ~/evidence

Scripts written before --locker existed name the locker as the action's first argument
(`reclaim locker list ~/evidence`), and so do the locker's own messages (`reclaim locker
check FOLDER`); that form still works, and is left out of the usage lines so that each shows
one way.
"""

import argparse
import functools
import getpass
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reclaim.cli._parsing import CommandParser

if TYPE_CHECKING:
    from reclaim.locker import Locker

Actions = argparse._SubParsersAction  # the type argparse gives to add_subparsers' result
Run = Callable[[argparse.Namespace], int]
FIRST_ARGUMENT = "locker_as_first_argument"


def add_locker_options(
    parser: argparse.ArgumentParser, *, on_action: bool, new: bool = False
) -> None:
    """Add --locker and --passphrase-file to ``parser`` (`reclaim locker`, or one action).

    ``new``: the file holds the passphrase to set (create, recover), not the one to open with.
    """
    # On an action, an option not given must not hide the same option given before the
    # action: argparse copies every value an action's parser sets over the verb's.
    default = argparse.SUPPRESS if on_action else None
    parser.add_argument(
        "--locker", type=Path, metavar="FOLDER", default=default, help="the locker folder"
    )
    add_passphrase_option(parser, default=default, new=new)


def add_passphrase_option(
    parser: argparse.ArgumentParser, *, default: str | None = None, new: bool = False
) -> None:
    """Add --passphrase-file: the passphrase is read from a file, or asked for."""
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="FILE",
        default=default,
        help=f"read the {'new ' if new else ''}passphrase from this file (else asked)",
    )


def locker_action(
    actions: "Actions[CommandParser]",
    name: str,
    words: str,
    run: Run,
    *,
    new_passphrase: bool = False,
) -> CommandParser:
    """Add a `reclaim locker` action that takes the shared options; return its parser.

    ``run`` is called with ``arguments.locker`` set, or the person is told how to name it.
    """
    parser = actions.add_parser(name, help=words, description=words)
    parser.add_argument(FIRST_ARGUMENT, nargs="?", type=Path, help=argparse.SUPPRESS)
    add_locker_options(parser, on_action=True, new=new_passphrase)
    parser.set_defaults(run=functools.partial(_with_locker, parser, run))
    return parser


def _with_locker(parser: CommandParser, run: Run, arguments: argparse.Namespace) -> int:
    first = vars(arguments).pop(FIRST_ARGUMENT)
    if first is not None and arguments.locker is None:
        arguments.locker = first
    elif first is not None and "files" in arguments:  # `add --locker X a.png b.png`
        arguments.files.insert(0, first)
    elif first is not None:
        parser.error(f"unrecognized arguments: {first}")
    if arguments.locker is None:
        parser.error("say which locker with --locker FOLDER")
    return run(arguments)


def passphrase(arguments: argparse.Namespace, prompt: str = "Locker passphrase: ") -> str:
    """Return the passphrase: the first line of --passphrase-file, or asked for."""
    if arguments.passphrase_file:
        return str(arguments.passphrase_file.read_text().rstrip("\n"))
    return getpass.getpass(prompt)


def open_locker(arguments: argparse.Namespace, root: Path | None = None) -> "Locker":
    """Open the locker named on the command line (or ``root``) with its passphrase."""
    from reclaim.locker import Locker

    return Locker.open(root or arguments.locker, passphrase(arguments))
