"""Referral files for console tests, made with the core from a copy of the template locker.

Pictures are scikit-image's sample photographs (never pictures of people in intimate
situations). ``reseal`` changes a referral's manifest and seals it again to the helpline, as
anyone holding its public key could: for referrals the survivor's Reclaim would not make.
"""

import datetime
import functools
import io
import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyrage
from PIL import Image
from skimage import data

from reclaim.content import Helpline as Directory
from reclaim.content import ReferralPoint
from reclaim.locker import Incident, Locker
from reclaim.notices import LockerRequestStore, RequestFacts, add, new_request
from reclaim.referrals import Contact, Selection, SharedReferral, make_referral
from reclaim.web.console import keys
from reclaim.web.console.models import Helpline

from ...lockers import copy_locker

PASSPHRASE = "correct horse battery staple"
MESSAGE = "Please help me get these taken down; my ex posted them."
HEAD = struct.Struct(">I")


@functools.cache  # the same bytes every time: encoding the PNG takes a good part of a second
def photo(name: str = "astronaut") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(getattr(data, name)())).save(buffer, format="PNG")
    return buffer.getvalue()


def directory_entry(line: Helpline, address: str = "https://reclaim.helpline.test") -> Directory:
    """The survivor's directory entry for the console's helpline ``line``."""
    point = ReferralPoint(address, line.recipient)
    return Directory(
        line.slug, "gb", "UK", line.name, "adults", "https://helpline.test/",
        datetime.date(2026, 11, 1), False, referrals=point,
    )  # fmt: skip


@dataclass(frozen=True)
class Made:
    """A referral file and what the survivor's locker knows of it."""

    path: Path
    shared: SharedReferral
    picture: str  # the shared picture's item id ("" if none)

    @property
    def body(self) -> bytes:
        return self.path.read_bytes()


def locker(folder: Path) -> Locker:
    return copy_locker(folder, PASSPHRASE)[0]


def make(
    folder: Path,
    line: Helpline,
    *,
    under_18: bool = False,
    days: int = 30,
    now: datetime.datetime | None = None,
    address: str = "https://reclaim.helpline.test",
    files: Sequence[bytes] = (),
) -> Made:
    """Make a referral to ``line``: an incident, a picture (not under 18), a message, a request.

    ``files`` are shared too, after those, as files (application/octet-stream).
    """
    box = locker(folder / "locker")
    incident = box.add_incident(
        Incident(
            "shared", "Posted on a forum without my consent",
            urls=("https://forum.example/t/1",), under_18=under_18,
        )
    )  # fmt: skip
    items = []
    if not under_18:
        items.append(box.add(photo(), "astronaut.png", "image/png", incident=incident.id).id)
    items.append(box.add_message("I will post more", "ex", "", incident=incident.id).id)
    for number, content in enumerate(files):
        items.append(box.add(content, f"file-{number}.bin", "application/octet-stream").id)
    facts = RequestFacts(locations=("https://x.com/a/status/1",), description="shared")
    request = new_request(
        "https://x.com/a/status/1", facts, "x", 0, "general", "gb", "person",
        incident_id=incident.id,
    )  # fmt: skip
    add(LockerRequestStore(box), request)
    chosen = Selection(
        (incident.id,), tuple(items), (request.id,), days,
        Contact("email", "me@example.test", "after 6pm"), MESSAGE, under_18,
    )  # fmt: skip
    path = folder / "r.reclaim-referral"
    shared = make_referral(box, directory_entry(line, address), chosen, path, now)
    return Made(path, shared, "" if under_18 else items[0])


def reseal(body: bytes, line: Helpline, change: Callable[[dict[str, Any]], None]) -> bytes:
    """Return ``body`` with its manifest changed by ``change`` and sealed again to ``line``."""
    (length,) = HEAD.unpack(body[8:12])
    manifest = json.loads(pyrage.decrypt(body[12 : 12 + length], [keys.identity(line)]))
    change(manifest)
    recipient = pyrage.x25519.Recipient.from_str(line.recipient)
    sealed = pyrage.encrypt(json.dumps(manifest).encode(), [recipient])
    return body[:8] + HEAD.pack(len(sealed)) + sealed + body[12 + length :]
