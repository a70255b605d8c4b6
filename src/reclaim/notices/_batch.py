"""One request to a platform listing many addresses, as a helpline sends it (a trusted flagger).

A batch is checked against its legal profile as a single request is (``compose``), in two
parts. Facts about the sender (the caseworker who signs, the helpline's contact details, the
statement that the request is true) are given once, for the whole. Facts about what is at an
address (where it is, how to find it, who is shown, on what authority the helpline acts for
them, the statements about that person's image) are given per address, so one request can
carry addresses from several cases. An element made from any per-address fact must be present
for every address; the others once. Anyone under 18 at any address stops the whole batch.

The result is an email with the addresses numbered, each with its own facts, or a form pack:
the fields for the whole, the fields for each address, and a CSV of the addresses. The words
are English, as ``compose``'s. ``batch_requests`` turns a batch into one tracked request per
address (reclaim.notices._tracking), each with its own status, deadline and re-checks.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from reclaim import times
from reclaim.notices._compose import (
    MissingElementsError,
    NoticeError,
    RequestFacts,
    Under18RequestError,
    _contact_lines,
    _e,
    _fill,
    _how,
    _is_date,
    _plain_fact,
)
from reclaim.notices._directory import Platform, Route
from reclaim.notices._profiles import Element, Profile
from reclaim.notices._tracking import READY, SUBMITTED, RemovalRequest, move, new_request

HOW_TO_FIND = "What it shows and how to find it"
# The facts that belong to one address (and the person shown there) rather than to the sender.
PER_ADDRESS_FACTS = frozenset(
    {"locations", "description", "depicted", "authority", "consent_statement", "intimate_statement"}
)


@dataclass(frozen=True)
class BatchAddress:
    """One address in a batch, with the facts that are its own."""

    url: str
    description: str = ""  # what it shows and how to find it there
    depicted: str = ""  # the person shown, as the platform should know them
    authority: str = ""  # on what authority the helpline acts for them
    consent_statement: bool = False
    intimate_statement: bool = False
    under_18: bool = False
    reference: str = ""  # the helpline's own reference (its case number), for the reply


@dataclass(frozen=True)
class BatchFacts:
    """What the helpline says once for the whole batch, and the addresses."""

    addresses: tuple[BatchAddress, ...]
    signer: str = ""  # the caseworker who signs
    organisation: str = ""  # the helpline's name, as the platform knows it
    signed_on: str = ""  # ISO date of the electronic signature
    email: str = ""
    phone: str = ""
    postal: str = ""
    accuracy_statement: bool = False

    def for_address(self, address: BatchAddress) -> RequestFacts:
        """Return the facts of a single request about ``address`` (a helpline acts for them)."""
        return RequestFacts(
            locations=(address.url,),
            description=address.description,
            depicted=address.depicted,
            signer=self.signer,
            acting_for=True,
            authority=address.authority,
            signed_on=self.signed_on,
            email=self.email,
            phone=self.phone,
            postal=self.postal,
            consent_statement=address.consent_statement,
            accuracy_statement=self.accuracy_statement,
            intimate_statement=address.intimate_statement,
            under_18=address.under_18,
        )


class BatchMissingElementsError(MissingElementsError):
    """A batch lacks elements: ``missing`` for the whole, ``by_address`` (number from 1 to
    elements) for each address that lacks some."""

    def __init__(
        self, profile: Profile, missing: list[Element], by_address: dict[int, list[Element]]
    ) -> None:
        super().__init__(profile, missing or sorted_unique(by_address))
        self.by_address = {n: tuple(found) for n, found in by_address.items()}
        if by_address:
            numbers = ", ".join(str(n) for n in list(by_address)[:10])
            more = " and more" if len(by_address) > 10 else ""
            self.args = (f"{self.args[0]} Addresses lacking something: {numbers}{more}.",)


def sorted_unique(by_address: dict[int, list[Element]]) -> list[Element]:
    """Return each element missing at some address once, in the order first found."""
    return list({e.id: e for found in by_address.values() for e in found}.values())


@dataclass(frozen=True)
class Split:
    """A profile's elements cut once: those for the whole request and those per address."""

    whole: tuple[Element, ...]
    each: tuple[Element, ...]

    @classmethod
    def of(cls, profile: Profile) -> "Split":
        """Return the profile's elements split by whether any fact they need is per address."""
        each = tuple(e for e in profile.elements if PER_ADDRESS_FACTS.intersection(e.needs))
        return cls(tuple(e for e in profile.elements if e not in each), each)


@dataclass(frozen=True)
class BatchNotice:
    """A batch ready to go: an email (``route.address``) or a form pack (``fields``,
    ``address_fields`` and ``csv_text``)."""

    platform_name: str
    route: Route
    profile: Profile
    subject: str
    body: str
    addresses: tuple[BatchAddress, ...]
    fields: tuple[tuple[str, str], ...]  # for the whole request
    address_fields: tuple[tuple[tuple[str, str], ...], ...]  # for each address, in order

    @property
    def is_email(self) -> bool:
        """Return whether this batch is sent as an email."""
        return self.route.kind == "email"

    @property
    def how_to_send(self) -> str:
        """Return the one line that says where and how the batch goes."""
        return _how(self.route)

    def plain_text(self) -> str:
        """Return the whole batch as plain text: how to send it, then what to send."""
        head = [f"To: {self.platform_name}", _how(self.route), f"Subject: {self.subject}", ""]
        if not self.is_email:
            head += ["Form fields for the whole request, in order:", ""]
            head += [f"{label}:\n{value}\n" for label, value in self.fields]
            for number, pairs in enumerate(self.address_fields, 1):
                head += [f"Address {number}:", *[f"{label}: {value}" for label, value in pairs], ""]
            head += ["The full request:", ""]
        return "\n".join(head) + self.body

    def csv_text(self) -> str:
        """Return the addresses as CSV: number, address, each per-address field, reference."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        first = zip(self.addresses[:1], self.address_fields[:1], strict=True)
        labels = [label for address, pairs in first for label, v in pairs if v != address.url]
        writer.writerow(["Number", "Address", *labels, "Reference"])
        for number, (address, pairs) in enumerate(
            zip(self.addresses, self.address_fields, strict=True), 1
        ):
            words = [v for _, v in pairs if v != address.url]  # the address has its column
            writer.writerow([number, address.url, *words, address.reference])
        return out.getvalue()

    def printable_html(self) -> str:
        """Return the batch as one printable HTML page, with no outside resources."""
        rows = "".join(
            f"<tr><td>{n}</td><td dir='auto'>{_e(a.url)}</td><td>{_e(a.reference)}</td></tr>"
            for n, a in enumerate(self.addresses, 1)
        )
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{_e(self.subject)}</title><style>body{{font:1rem/1.5 serif;max-width:48em;"
            "margin:2em auto}pre{white-space:pre-wrap;font:inherit}td{padding:0 .5em}</style>"
            f"</head><body><h1>{_e(self.subject)}</h1><p>To: {_e(self.platform_name)}<br>"
            f"{_e(_how(self.route))}</p><table><thead><tr><th>Number</th><th>Address</th>"
            f"<th>Reference</th></tr></thead><tbody>{rows}</tbody></table><h2>The request</h2>"
            f"<pre dir='auto'>{_e(self.body)}</pre></body></html>\n"
        )


def missing_in_batch(
    facts: BatchFacts, profile: Profile, split: Split | None = None
) -> tuple[list[Element], dict[int, list[Element]]]:
    """Return the elements the whole lacks, and for each address number (from 1) those it lacks."""
    split = split or Split.of(profile)
    sample = facts.for_address(BatchAddress(""))  # the whole's elements need no address fact
    whole = [e for e in split.whole if not all(sample.has(need) for need in e.needs)]
    if not facts.addresses:
        whole = [e for e in profile.elements if "locations" in e.needs] + whole
    by_address: dict[int, list[Element]] = {}
    for number, address in enumerate(facts.addresses, 1):
        one = facts.for_address(address)
        lacking = [e for e in split.each if not all(one.has(need) for need in e.needs)]
        if lacking:
            by_address[number] = lacking
    return whole, by_address


def compose_batch(
    facts: BatchFacts, platform: Platform | None, route: Route, profile: Profile
) -> BatchNotice:
    """Return one request listing every address; raise Under18RequestError if anyone was under
    18, BatchMissingElementsError if an element is missing (for the whole or an address), or
    NoticeError if an address repeats or the route takes fewer addresses than given."""
    if any(a.under_18 for a in facts.addresses):
        raise Under18RequestError
    _check_addresses(facts, route)
    split = Split.of(profile)
    whole, by_address = missing_in_batch(facts, profile, split)
    if whole or by_address:
        raise BatchMissingElementsError(profile, whole, by_address)
    name = platform.name if platform else "the site's abuse team"
    per_address = [_address_texts(facts.for_address(a), split) for a in facts.addresses]
    shared = _shared_statements(per_address)
    body = _body(facts, profile, split, name, per_address, shared)
    count = len(facts.addresses)
    subject = (
        f"Removal request: intimate images shared without consent ({count} addresses)"
        if count > 1
        else "Removal request: intimate image shared without consent (1 address)"
    )
    return BatchNotice(
        name,
        route,
        profile,
        subject,
        body,
        facts.addresses,
        _whole_fields(facts, split),
        tuple(tuple(texts) for texts in per_address),
    )


def _check_addresses(facts: BatchFacts, route: Route) -> None:
    seen: set[str] = set()
    for address in facts.addresses:
        if address.url in seen:
            raise NoticeError(f"{address.url} is listed twice: list each address once.")
        seen.add(address.url)
    if route.batch_limit and len(facts.addresses) > route.batch_limit:
        raise NoticeError(
            f"This route takes at most {route.batch_limit} addresses in one request; "
            f"this one lists {len(facts.addresses)}: split it (reclaim.notices.split_batch)."
        )


def split_batch(addresses: Sequence[BatchAddress], route: Route) -> list[tuple[BatchAddress, ...]]:
    """Return the addresses cut into as few requests as the route's batch limit allows."""
    size = route.batch_limit or len(addresses) or 1
    return [tuple(addresses[i : i + size]) for i in range(0, len(addresses), size)]


def _address_texts(one: RequestFacts, split: Split) -> list[tuple[str, str]]:
    """Return (label, words) for each per-address element of one address."""
    texts = []
    for element in split.each:
        if element.statement:
            texts.append((element.label, _fill(element.statement, one)))
        else:
            texts.append((element.label, "\n".join(_plain_fact(n, one) for n in element.needs)))
    if one.description.strip() and not any("description" in e.needs for e in split.each):
        texts.append((HOW_TO_FIND, one.description.strip()))
    return texts


def _shared_statements(per_address: list[list[tuple[str, str]]]) -> set[str]:
    """Return the labels whose words are the same at every address (said once, not N times)."""
    if len(per_address) < 2:
        return set()
    first = dict(per_address[0])
    same = set(first)
    for texts in per_address[1:]:
        same &= {label for label, words in texts if first.get(label) == words}
    return same


def _body(
    facts: BatchFacts,
    profile: Profile,
    split: Split,
    name: str,
    per_address: list[list[tuple[str, str]]],
    shared: set[str],
) -> str:
    sample = facts.for_address(BatchAddress(""))
    lines = [f"To {name},", "", *_opening(len(facts.addresses), profile)]
    if shared:
        said_once = [_said(label, words) for label, words in per_address[0] if label in shared]
        lines += ["", "For every address below:", *said_once]
    lines += ["", "The addresses, numbered (please answer for each by its number):"]
    skipped = shared | {e.label for e in split.each if "locations" in e.needs}  # the URL itself
    for number, (address, texts) in enumerate(zip(facts.addresses, per_address, strict=True), 1):
        lines += ["", f"{number}. {address.url}"]
        lines += [f"   {_said(label, words)}" for label, words in texts if label not in skipped]
        if address.reference:
            lines.append(f"   Our reference: {address.reference}")
    statements = [_fill(e.statement, sample) for e in split.whole if e.statement]
    if statements:
        lines += ["", *statements]
    lines += ["", "Signed (electronic signature):", _signature(facts)]
    lines += ["", "Contact details:", *_contact_lines(sample)]
    lines += [
        "",
        "Please confirm that you received this request and tell me your decision for each "
        "address by its number. Where you remove content, please remove it everywhere and not "
        "only in some countries.",
    ]
    return "\n".join(lines) + "\n"


def _opening(count: int, profile: Profile) -> list[str]:
    what = f"at each of the {count} addresses below" if count > 1 else "below"
    lines = [f"I ask you to remove the content {what} under {profile.law}."]
    if profile.deadline_hours:
        lines.append(
            f"Each is a valid request under that law: please remove the content within "
            f"{profile.deadline_hours} hours, and also any identical copies you know of."
        )
    return lines


def _said(label: str, words: str) -> str:
    return f"{HOW_TO_FIND}: {words}" if label == HOW_TO_FIND else words


def _whole_fields(facts: BatchFacts, split: Split) -> tuple[tuple[str, str], ...]:
    sample = facts.for_address(BatchAddress(""))
    pairs = []
    for element in split.whole:
        if element.statement:
            pairs.append((element.label, _fill(element.statement, sample)))
        elif "signed_on" in element.needs:
            pairs.append((element.label, _signature(facts)))
        else:
            pairs.append((element.label, "\n".join(_plain_fact(n, sample) for n in element.needs)))
    return tuple(pairs)


def _signature(facts: BatchFacts) -> str:
    behalf = f"for {facts.organisation.strip()}, " if facts.organisation.strip() else ""
    return (
        f"/{facts.signer.strip()}/, {behalf}acting for the person shown at each address on the "
        f"authority given with it, on {times.english(facts.signed_on)}"
        if _is_date(facts.signed_on)
        else f"/{facts.signer.strip()}/"
    )


def batch_requests(
    notice: BatchNotice,
    facts: BatchFacts,
    platform_id: str,
    route_index: int,
    country: str,
    by: str,
    batch_id: str,
) -> tuple[RemovalRequest, ...]:
    """Return one tracked request per address of a composed batch, each ready to send.

    Each is a RemovalRequest of its own (its status, deadline and re-checks move alone), with
    ``batch_id`` naming the batch it went in; ``mark_sent`` starts every clock at once.
    """
    requests = []
    for address in notice.addresses:
        draft = new_request(
            address.url,
            facts.for_address(address),
            platform_id,
            route_index,
            notice.profile.id,
            country,
            by,
            batch_id=batch_id,
        )
        requests.append(move(draft, READY, by, note=f"in batch {batch_id}"))
    return tuple(requests)


def mark_sent(
    requests: Sequence[RemovalRequest], by: str, at_utc: str, ticket: str = ""
) -> tuple[RemovalRequest, ...]:
    """Return the batch's requests moved to submitted at ``at_utc`` (their clocks start)."""
    details = {"ticket": ticket} if ticket else {}
    return tuple(
        move(r, SUBMITTED, by, at_utc, note="sent in a batch", **details) for r in requests
    )
