"""Which helplines take referrals: the content directory's, and an operator's own file's."""

from collections.abc import Sequence
from pathlib import Path

from reclaim.content import ContentError, Helpline, load_helpline_file


def referral_helplines(directory: Sequence[Helpline], extra: Path | None = None) -> list[Helpline]:
    """Return the helplines that take referrals, from ``directory`` and the file ``extra``.

    ``directory`` is the content library's helplines (``Library.helplines``); ``extra`` an
    operator's directory file with the same schema (the web passes a setting; tests a file
    of their own). Its ids must not repeat the directory's. Raises ContentError.
    """
    added = load_helpline_file(extra) if extra is not None else ()
    known = {helpline.id for helpline in directory}
    for helpline in added:
        if helpline.id in known:
            raise ContentError(f"{extra}: helpline '{helpline.id}' is already in the directory")
    return [helpline for helpline in (*directory, *added) if helpline.referrals is not None]


def referral_helpline(helplines: Sequence[Helpline], helpline_id: str) -> Helpline:
    """Return the helpline with this id among those that take referrals; KeyError if none."""
    for helpline in helplines:
        if helpline.id == helpline_id and helpline.referrals is not None:
            return helpline
    raise KeyError(helpline_id)
