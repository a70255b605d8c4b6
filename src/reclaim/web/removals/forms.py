"""Forms of the removal request pages: what the person tells us, checked in plain words."""

import datetime
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reclaim.notices import DRAFT, ENDED, MOVES, RemovalRequest, RequestFacts, Route
from reclaim.web import zones
from reclaim.web.countries import country_name
from reclaim.web.removals.services import catalogue

SOMEWHERE_ELSE = "zz"  # a country no profile covers: the general profile applies


def country_choices() -> list[tuple[str, str]]:
    """Return the countries a profile in force covers, by translated name, then "Somewhere else".

    The profiles are content (content/removals/profiles.toml): a country is offered because a
    law there helps; "*", the general profile's, is "Somewhere else".
    """
    profiles = catalogue().profiles.profiles
    codes = {code for p in profiles if p.in_force for code in p.countries if code != "*"}
    named = sorted(((code, country_name(code)) for code in codes), key=lambda c: c[1].casefold())
    return [*named, (SOMEWHERE_ELSE, str(_("Somewhere else")))]


STATUS_WORDS = {
    "draft": _("Draft: not ready to send yet"),
    "ready": _("Ready to send"),
    "submitted": _("Sent"),
    "acknowledged": _("The platform confirmed it received it"),
    "information-requested": _("The platform asked for more information"),
    "under-review": _("Under review"),
    "removed": _("Removed"),
    "partly-removed": _("Partly removed"),
    "geo-restricted": _("Hidden in some countries only (not a removal)"),
    "delisted": _("Removed from search results only"),
    "refused": _("Refused"),
    "no-response": _("No answer"),
    "appealed": _("Appealed"),
    "escalated": _("Taken further"),
    "reappeared": _("It came back"),
    "withdrawn": _("Withdrawn by you"),
    "closed": _("Closed"),
}
ESCALATION_WORDS = {
    "host": _("the host"),
    "registrar": _("the registrar"),
    "cdn": _("the network in front of the site (CDN)"),
    "search": _("a search engine"),
    "regulator": _("a regulator"),
    "police": _("the police"),
}


class StartForm(forms.Form):
    """Step one: the address, and where the person lives (which law helps them)."""

    url = forms.URLField(
        label=_("Web address of the image or post"),
        assume_scheme="https",
        max_length=2000,
        widget=forms.URLInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    country = forms.ChoiceField(label=_("Where do you live?"), choices=country_choices)


class FactsForm(forms.Form):
    """Step two: what goes into the request. Only what the person chooses to give."""

    route = forms.TypedChoiceField(label=_("How to send it"), coerce=int, widget=forms.RadioSelect)
    recipient = forms.EmailField(
        label=_("The site's email address for reports (if you know it)"),
        help_text=_("Often on a page called Contact or Abuse. Or leave it, and look up the host."),
        required=False,
    )
    signer = forms.CharField(
        label=_("Your name, as you sign the request"),
        help_text=_(
            "The law asks for a signature: typing your name is enough. A draft can wait for it."
        ),
        max_length=200,
        required=False,
    )
    acting_for = forms.BooleanField(
        label=_("I am asking for someone else, with their permission"), required=False
    )
    depicted = forms.CharField(
        label=_("Their name (if you ask for someone else)"), max_length=200, required=False
    )
    authority = forms.CharField(
        label=_("On what authority you act for them"),
        help_text=_("For example: “their written permission, dated 20 November 2026”."),
        max_length=500,
        required=False,
    )
    email = forms.EmailField(
        label=_("An email address that is safe to use"),
        help_text=_("The platform replies here. Use one the person who hurt you cannot read."),
        required=False,
    )
    phone = forms.CharField(
        label=_("A safe phone number (optional)"), max_length=40, required=False
    )
    postal = forms.CharField(
        label=_("A safe postal address (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        required=False,
    )
    description = forms.CharField(
        label=_("Anything that helps them find it (optional)"),
        help_text=_("For example: “the third photo in the post”. No need to describe the image."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
    consent_statement = forms.BooleanField(
        label=_("I believe in good faith that this was shared without consent."), required=False
    )
    intimate_statement = forms.BooleanField(
        label=_("This is an intimate image (nude, sexual, or in underwear)."), required=False
    )
    accuracy_statement = forms.BooleanField(
        label=_("What I say in this request is true, as far as I know."), required=False
    )
    remind_email = forms.EmailField(
        label=_("Email me once when the platform's time runs out (optional)"),
        help_text=_("The email says only that something in your account needs a look."),
        required=False,
    )

    def __init__(self, *args: Any, routes: Sequence[Route], can_email: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choice_field(self, "route").choices = [(i, route_words(r)) for i, r in enumerate(routes)]
        if routes:
            self.fields["route"].initial = 0
            del self.fields["recipient"]
        else:
            del self.fields["route"]
        if not can_email:
            del self.fields["remind_email"]

    @property
    def wants_ready(self) -> bool:
        """Return whether the person pressed "make it ready" (not "save as a draft", nor "add
        to the request I already made", which keeps that request's name if none is typed)."""
        return self.data.get("action") not in ("draft", "merge")

    def clean(self) -> dict[str, Any]:
        """Return the cleaned data; a request made ready needs the name it is signed with."""
        data = super().clean() or self.cleaned_data
        if self.wants_ready and not data.get("signer", "").strip():
            self.add_error("signer", _("Type your name to sign it, or save it as a draft."))
        return data

    @staticmethod
    def initial_of(request: RemovalRequest) -> dict[str, Any]:
        """Return the form's values for a request already written."""
        kept = request.facts
        initial: dict[str, Any] = {
            name: getattr(kept, name)
            for name in ("description", "depicted", "signer", "acting_for", "authority",
                         "email", "phone", "postal", "consent_statement",
                         "intimate_statement", "accuracy_statement")
        }  # fmt: skip
        return {
            **initial,
            "recipient": request.recipient,
            "remind_email": request.remind_email,
        }

    def facts(self, url: str) -> RequestFacts:
        """Return the request's facts from the cleaned form (signed today)."""
        data = self.cleaned_data
        return RequestFacts(
            locations=(url,),
            description=data["description"],
            depicted=data["depicted"],
            signer=data["signer"],
            acting_for=data["acting_for"],
            authority=data["authority"],
            signed_on=datetime.date.today().isoformat(),
            email=data["email"],
            phone=data["phone"],
            postal=data["postal"],
            consent_statement=data["consent_statement"],
            accuracy_statement=data["accuracy_statement"],
            intimate_statement=data["intimate_statement"],
        )


class HostEmailForm(forms.Form):
    """For a site the directory does not know: the abuse address found by RDAP, or typed."""

    recipient = forms.EmailField(label=_("The site's abuse email address"))


class StatusForm(forms.Form):
    """Record what happened: sent, the platform's answer, an appeal, going further."""

    status = forms.ChoiceField(label=_("What happened?"))
    at = forms.DateTimeField(
        label=_("When?"),
        help_text=_("Leave empty for now. The law's clock runs from when you sent it."),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    time_zone = zones.zone_field()
    ticket = forms.CharField(label=_("Their ticket or case number"), max_length=200, required=False)
    reason = forms.CharField(
        label=_("Their reason, if they refused"), max_length=2000, required=False
    )
    escalated_to = forms.ChoiceField(
        label=_("Taken further to"),
        choices=[("", "—"), *ESCALATION_WORDS.items()],
        required=False,
    )
    note = forms.CharField(
        label=_("A note for yourself (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Back to draft is the edit page's business: it happens when something goes missing.
        moves = [s for s in MOVES[current] if s != DRAFT]
        allowed = [*moves, *(s for s in ENDED if s not in moves)]
        _choice_field(self, "status").choices = [(s, STATUS_WORDS[s]) for s in allowed]
        zones.start_zone(self)

    def details(self) -> dict[str, str]:
        """Return the event's details from the cleaned form."""
        data = self.cleaned_data
        # The law's clock runs from the instant the person gave, in the zone they were in.
        at = zones.typed_instant(data["at"], data["time_zone"])
        return {
            "ticket": data["ticket"],
            "reason": data["reason"],
            "escalated_to": data["escalated_to"],
            "note": data["note"],
            "at_utc": at.astimezone(datetime.UTC).isoformat(timespec="seconds") if at else "",
        }


def route_words(route: Route) -> str:
    """Return a route in a few words for a choice."""
    if route.kind == "email":
        return str(_("By email to %(address)s")) % {"address": route.address}
    if route.kind == "form":
        return str(_("With the web form at %(url)s")) % {"url": route.url}
    return str(_("Inside the app"))


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    """Return the form's choice field ``name`` (typed, so its choices can be set)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field
