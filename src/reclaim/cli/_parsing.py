"""How `reclaim` reads its command line: each verb takes its own arguments, options anywhere.

argparse, as it comes, stops reading a verb's positional arguments at the first option after
them (`add a.png --note x b.png` leaves b.png over), and names a stray argument under the
usage of `reclaim` rather than that of the verb it was given to. ``CommandParser`` reads a
verb's line as GNU tools do (parse_intermixed_args, which the standard library offers only
for parsers without verbs) and refuses what is left over with the verb's own usage.
"""

import argparse
from collections.abc import Sequence
from typing import Any


class CommandParser(argparse.ArgumentParser):
    """A parser whose options may come before, between or after its positional arguments;
    an argument it does not take is refused with its own usage line (exit status 2)."""

    _intermixing = False  # inside parse_known_intermixed_args, which calls parse_known_args

    def parse_known_args(  # type: ignore[override]  # one signature for typeshed's overloads
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[Any, list[str]]:
        """Return the parsed arguments and an empty list, or exit with this parser's usage."""
        if self._intermixing:
            return super().parse_known_args(args, namespace)
        if self._subparsers is None:  # a verb's own line: options anywhere
            self._intermixing = True
            try:
                parsed, extras = self.parse_known_intermixed_args(args, namespace)
            finally:
                self._intermixing = False
        else:  # a verb with actions: its options, then an action reading the rest
            parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras
