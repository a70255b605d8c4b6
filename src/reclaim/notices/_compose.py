"""Composing a removal request: the facts, checked against a legal profile, in words.

A request is "ready" only when every element of its profile is present. The output is an
email ready to send, or a form pack (the form's address and each field's value in order, for
copy and paste), each as plain text and as a printable page.
"""

import datetime
import html
from dataclasses import dataclass, field

from reclaim import times
from reclaim.content import under_18_listing
from reclaim.errors import ReclaimError
from reclaim.notices._directory import Platform, Route
from reclaim.notices._profiles import Element, Profile

SELF_AUTHORITY = "the person shown in the images"


class NoticeError(ReclaimError):
    """A removal request cannot be made as asked."""


class MissingElementsError(NoticeError):
    """The request lacks elements its legal profile requires; ``missing`` names them."""

    def __init__(self, profile: Profile, missing: list[Element]) -> None:
        self.missing = tuple(missing)
        labels = "; ".join(e.label for e in missing)
        super().__init__(f"This request is not ready under {profile.name}: it lacks {labels}.")


class Under18RequestError(NoticeError):
    """Someone was under 18 in the image: Reclaim makes no request to a platform."""

    def __init__(self) -> None:
        super().__init__(
            "Reclaim does not send requests to platforms when someone was under 18 in the "
            "image. These services have direct routes to platforms and act fast: "
            f"{under_18_listing()}. "
            "The police can act too."
        )


@dataclass(frozen=True)
class RequestFacts:
    """What the person (or their representative) tells us for one request."""

    locations: tuple[str, ...]
    description: str = ""
    depicted: str = ""  # the depicted person's name as the platform should know it
    signer: str = ""  # who signs: the person, or their representative
    acting_for: bool = False
    authority: str = ""  # when acting for someone: on what authority
    signed_on: str = ""  # ISO date of the electronic signature
    email: str = ""
    phone: str = ""
    postal: str = ""
    consent_statement: bool = False
    accuracy_statement: bool = False
    intimate_statement: bool = False
    under_18: bool = False
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def has(self, fact: str) -> bool:
        """Return whether the fact named ``fact`` (one of reclaim.notices.FACTS) is given."""
        present = {
            "locations": bool(self.locations)
            and all(u.startswith(("https://", "http://")) for u in self.locations),
            "description": bool(self.description.strip()),
            "depicted": bool(self.depicted_name.strip()),
            "signer": bool(self.signer.strip()),
            "authority": bool(self.authority_words.strip()),
            "signed_on": _is_date(self.signed_on),
            "contact": bool(self.email.strip() or self.phone.strip() or self.postal.strip()),
            "email": "@" in self.email,
            "consent_statement": self.consent_statement,
            "accuracy_statement": self.accuracy_statement,
            "intimate_statement": self.intimate_statement,
        }
        return present[fact]

    @property
    def depicted_name(self) -> str:
        """Return the depicted person's name: the signer's own when they sign for themself."""
        return self.depicted or ("" if self.acting_for else self.signer)

    @property
    def authority_words(self) -> str:
        """Return on whose authority the request is made, in words for the notice."""
        if not self.acting_for:
            return SELF_AUTHORITY
        if not self.authority.strip():
            return ""
        return f"acting for {self.depicted_name or 'the person shown'}: {self.authority.strip()}"


@dataclass(frozen=True)
class Notice:
    """A request ready to go: an email (``to``) or a form pack (``form_url`` and ``fields``)."""

    platform_name: str
    route: Route
    profile: Profile
    subject: str
    body: str
    fields: tuple[tuple[str, str], ...]

    @property
    def is_email(self) -> bool:
        """Return whether this notice is sent as an email."""
        return self.route.kind == "email"

    def plain_text(self) -> str:
        """Return the whole notice as plain text: how to send it, then what to send."""
        head = [f"To: {self.platform_name}", _how(self.route), f"Subject: {self.subject}", ""]
        if self.route.kind != "email":
            head += ["Form fields, in order:", ""]
            head += [f"{label}:\n{value}\n" for label, value in self.fields]
            head += ["The full request:", ""]
        return "\n".join(head) + self.body

    @property
    def how_to_send(self) -> str:
        """Return the one line that says where and how the request goes."""
        return _how(self.route)

    def printable_html(self) -> str:
        """Return the notice as one printable HTML page, with no outside resources."""
        fields = "".join(
            f"<dt>{_e(label)}</dt><dd dir='auto'>{_e(value)}</dd>" for label, value in self.fields
        )
        form = (
            f"<h2>Form fields, in order</h2><dl>{fields}</dl>" if self.route.kind != "email" else ""
        )
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{_e(self.subject)}</title><style>body{{font:1rem/1.5 serif;max-width:40em;"
            "margin:2em auto}pre{white-space:pre-wrap;font:inherit}dd{margin:0 0 1em}</style>"
            f"</head><body><h1>{_e(self.subject)}</h1><p>To: {_e(self.platform_name)}<br>"
            f"{_e(_how(self.route))}</p>{form}<h2>The request</h2>"
            f"<pre dir='auto'>{_e(self.body)}</pre></body></html>\n"
        )


def missing_elements(facts: RequestFacts, profile: Profile) -> list[Element]:
    """Return the profile's elements the facts do not yet make, in the profile's order."""
    return [e for e in profile.elements if not all(facts.has(need) for need in e.needs)]


def compose(
    facts: RequestFacts, platform: Platform | None, route: Route, profile: Profile
) -> Notice:
    """Return the request; raise MissingElementsError or Under18RequestError if it cannot go."""
    if facts.under_18:
        raise Under18RequestError
    missing = missing_elements(facts, profile)
    if missing:
        raise MissingElementsError(profile, missing)
    name = platform.name if platform else "the site's abuse team"
    subject = f"Removal request: intimate image shared without consent ({_count(facts)})"
    return Notice(
        name, route, profile, subject, _body(facts, profile, name), _fields(facts, route, profile)
    )


def _body(facts: RequestFacts, profile: Profile, name: str) -> str:
    lines = [
        f"To {name},",
        "",
        f"I ask you to remove the content below under {profile.law}.",
    ]
    if profile.deadline_hours:
        lines.append(
            f"This is a valid request under that law: please remove it within "
            f"{profile.deadline_hours} hours, and also any identical copies you know of."
        )
    lines += ["", "Where the content is:", *[f"- {url}" for url in facts.locations]]
    if facts.description.strip():
        lines += ["", "What it shows and how to find it:", facts.description.strip()]
    statements = [_fill(e.statement, facts) for e in profile.elements if e.statement]
    if statements:
        lines += ["", *statements]
    lines += ["", "Signed (electronic signature):", _signature(facts)]
    lines += ["", "Contact details:", *_contact_lines(facts)]
    lines += [
        "",
        "Please confirm that you received this request, tell me your decision and, if you "
        "remove the content, remove it everywhere and not only in some countries.",
    ]
    return "\n".join(lines) + "\n"


def _fields(facts: RequestFacts, route: Route, profile: Profile) -> tuple[tuple[str, str], ...]:
    if route.fields:  # the form's own fields, in its order
        taken: list[tuple[str, ...]] = [(f.fact,) for f in route.fields]
        pairs = [(f.label, _fact_text(f.fact, facts, profile)) for f in route.fields]
    else:
        taken = [e.needs for e in profile.elements]
        pairs = [(e.label, _element_text(e, facts)) for e in profile.elements]
    return tuple(_with_description(pairs, taken, facts))


def _with_description(
    pairs: list[tuple[str, str]], taken: list[tuple[str, ...]], facts: RequestFacts
) -> list[tuple[str, str]]:
    """Return the fields with "how to find it" added to the addresses' field.

    Where no field of the form takes the description, it goes with the addresses: it is what
    lets the platform find the content there, and the person wrote it for that.
    """
    text = facts.description.strip()
    if not text or any("description" in needs for needs in taken):
        return pairs
    return [
        (label, f"{value}\n\nHow to find it: {text}" if "locations" in needs else value)
        for (label, value), needs in zip(pairs, taken, strict=True)
    ]


def _element_text(element: Element, facts: RequestFacts) -> str:
    if element.statement:
        return _fill(element.statement, facts)
    if "signed_on" in element.needs:
        return _signature(facts)
    return "\n".join(_plain_fact(need, facts) for need in element.needs)


def _fact_text(fact: str, facts: RequestFacts, profile: Profile) -> str:
    # A form's tick-box or statement field takes the profile's own sentence for that fact.
    for element in profile.elements:
        if fact.endswith("_statement") and fact in element.needs and element.statement:
            return _fill(element.statement, facts)
    return _plain_fact(fact, facts)


def _plain_fact(fact: str, facts: RequestFacts) -> str:
    texts = {
        "locations": "\n".join(facts.locations),
        "description": facts.description.strip(),
        "depicted": facts.depicted_name,
        "signer": facts.signer.strip(),
        "authority": facts.authority_words,
        "signed_on": times.english(facts.signed_on),
        "contact": "\n".join(_contact_lines(facts)),
        "email": facts.email.strip(),
        "consent_statement": "I believe in good faith that this was shared without consent.",
        "accuracy_statement": "This request is accurate and made in good faith.",
        "intimate_statement": "This is intimate image content.",
    }
    return texts[fact]


def _signature(facts: RequestFacts) -> str:
    # "24 November 2026": read the same way by every platform, unlike 11/24 or 24/11.
    return f"/{facts.signer.strip()}/, {facts.authority_words}, on {times.english(facts.signed_on)}"


def _contact_lines(facts: RequestFacts) -> list[str]:
    pairs = (("Email", facts.email), ("Phone", facts.phone), ("Post", facts.postal))
    return [f"{label}: {value.strip()}" for label, value in pairs if value.strip()]


def _fill(statement: str, facts: RequestFacts) -> str:
    return (
        statement.replace("{depicted}", facts.depicted_name or "the person shown")
        .replace("{signer}", facts.signer.strip())
        .replace("{authority}", facts.authority_words)
    )


def _how(route: Route) -> str:
    if route.kind == "email":
        return f"Send by email to: {route.address}"
    if route.kind == "form":
        steps = " ".join(route.steps)
        return f"Use the web form at: {route.url}" + (f" ({steps})" if steps else "")
    return f"Report in the app: {route.where}"


def _count(facts: RequestFacts) -> str:
    return "1 address" if len(facts.locations) == 1 else f"{len(facts.locations)} addresses"


def _is_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _e(text: str) -> str:
    return html.escape(text, quote=True)
