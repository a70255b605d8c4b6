"""The form of "Ask a helpline for help": with whom, exactly what, how to reach you, how long."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reclaim.content import Helpline
from reclaim.locker import EvidenceItem, Incident
from reclaim.referrals import Contact, Selection

MESSAGE_KIND = "message"  # typed words: the one kind of item a referral may carry when under 18
MAX_MESSAGE_CHARACTERS = 4000  # reclaim.referrals' bound
DAYS = [
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("A year")),
]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
AGES = [
    ("no", _("No, everyone was 18 or over")),
    ("yes", _("Yes, someone was under 18")),
    ("not-sure", _("I am not sure")),
]
CONTACTS = [
    ("", _("I will contact them myself")),
    ("email", _("By email")),
    ("phone", _("By phone")),
]
UNDER_18 = "under-18"


class AskForm(forms.Form):
    """Nothing is chosen until the person chooses it."""

    helpline = forms.ChoiceField(label=_("Which helpline?"), widget=forms.RadioSelect)
    incidents = forms.MultipleChoiceField(
        label=_("What happened"), required=False, widget=forms.CheckboxSelectMultiple
    )
    items = forms.MultipleChoiceField(
        label=_("Evidence"), required=False, widget=forms.CheckboxSelectMultiple
    )
    requests = forms.MultipleChoiceField(
        label=_("Removal requests"), required=False, widget=forms.CheckboxSelectMultiple
    )
    under_18 = forms.ChoiceField(
        label=_("Was anyone in the image under 18 when it was taken?"),
        choices=AGES,
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("What would you like help with?"),
        help_text=_("In your own words. You can leave it empty."),
        required=False,
        max_length=MAX_MESSAGE_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contact_method = forms.ChoiceField(
        label=_("How can they reach you?"),
        choices=CONTACTS,
        required=False,
        widget=forms.RadioSelect,
    )
    contact_address = forms.CharField(
        label=_("Your email address or phone number"), required=False, max_length=200
    )
    contact_safe = forms.ChoiceField(
        label=_("Is it safe for them to contact you this way?"),
        help_text=_("For example, could someone else read your email or answer your phone?"),
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    contact_note = forms.CharField(
        label=_("When is it safe, and what should they not say?"),
        required=False,
        max_length=500,
    )
    days = forms.ChoiceField(
        label=_("For how long may they read it?"),
        help_text=_("You can stop sharing at any time before then."),
        choices=DAYS,
        initial="30",  # the shortest; what is shared is chosen, never given a default
        widget=forms.RadioSelect,
    )

    def __init__(
        self,
        *args: Any,
        helplines: list[Helpline],
        incidents: list[Incident],
        items: list[EvidenceItem],
        requests: list[dict[str, object]],
        language: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.helplines = {helpline.id: helpline for helpline in helplines}
        self.young = {incident.id for incident in incidents if incident.under_18}
        self.media_ids = {item.id for item in items if item.kind != MESSAGE_KIND}
        self._choices("helpline", [(h.id, h.name_in(language)) for h in helplines])
        self._choices("incidents", [(i.id, i.summary) for i in incidents])
        self._choices("items", [(item.id, _item_label(item)) for item in items])
        self._choices("requests", [(str(r["id"]), str(r["url"])) for r in requests])

    def _choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # typed, so its choices can be set
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = data.get("incidents", []) + data.get("items", []) + data.get("requests", [])
        if not chosen and not data.get("message", "").strip():
            raise forms.ValidationError(
                _("Choose at least one thing to share, or write a message."), code="empty"
            )
        young = data.get("under_18") != "no" or bool(self.young & set(data.get("incidents", [])))
        if young and self.media_ids & set(data.get("items", [])):
            raise under_18_error()
        self._clean_contact(data)
        return data

    def _clean_contact(self, data: dict[str, Any]) -> None:
        if not data.get("contact_method"):
            return
        if not data.get("contact_address", "").strip():
            self.add_error("contact_address", _("Write your email address or phone number."))
        if not data.get("contact_safe"):
            self.add_error("contact_safe", _("Please say whether it is safe."))

    @property
    def chosen_helpline(self) -> Helpline:
        """Return the chosen helpline (after ``is_valid``)."""
        return self.helplines[self.cleaned_data["helpline"]]

    @property
    def shares_contact(self) -> bool:
        """Return whether a contact goes with it: only one the person says is safe."""
        data = self.cleaned_data
        return bool(data.get("contact_method")) and data.get("contact_safe") == "yes"

    def selection(self) -> Selection:
        """Return what the person chose, as reclaim.referrals takes it (after ``is_valid``)."""
        data = self.cleaned_data
        contact = None
        if self.shares_contact:
            contact = Contact(
                data["contact_method"], data["contact_address"].strip(), data["contact_note"]
            )
        return Selection(
            incidents=tuple(data["incidents"]),
            items=tuple(data["items"]),
            requests=tuple(data["requests"]),
            days=int(data["days"]),
            contact=contact,
            message=data["message"],
            under_18=data["under_18"] != "no",  # "not sure" is kept as safely as "yes"
        )

    def chosen(self, name: str) -> list[str]:
        """Return the labels of what was chosen in the field ``name`` (after ``is_valid``)."""
        labels = dict(self.fields[name].choices)  # type: ignore[attr-defined]
        return [str(labels[value]) for value in self.cleaned_data[name]]


def under_18_error() -> forms.ValidationError:
    """Return the error that says media cannot go with a referral about someone under 18."""
    return forms.ValidationError(
        _(
            "Pictures, videos, files and page captures cannot be shared when someone was "
            "under 18 (or you are not sure). Choose only messages, or none."
        ),
        code=UNDER_18,
    )


def changed_error() -> forms.ValidationError:
    """Return the error for a choice that is no longer in the locker."""
    return forms.ValidationError(
        _("Something you chose is no longer in your locker. Please check and choose again."),
        code="changed",
    )


def _item_label(item: EvidenceItem) -> str:
    if item.kind == MESSAGE_KIND:
        return str(_("Message: %(name)s") % {"name": item.name})
    return str(_("File: %(name)s") % {"name": item.name})
