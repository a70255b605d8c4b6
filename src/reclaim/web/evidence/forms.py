"""Forms of the locker pages: each checks what was typed and says plainly what to change."""

import datetime
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from reclaim import times
from reclaim.locker import Incident, latest_today
from reclaim.web import zones

# A passphrase guards evidence that an attacker with the files can attack offline; several
# words are easy to remember and hard to guess. Ten characters is the least we accept.
MIN_PASSPHRASE_CHARS = 10
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
AGE_RECIPIENT = re.compile(r"age1[02-9ac-hj-np-z]{58}")
INITIALS = re.compile(r"[A-Z]{1,4}")
NOT_SURE = "not-sure"


def incident_choices(incidents: Sequence[Incident]) -> list[tuple[str, str]]:
    """Return (id, words) pairs for choosing an incident, newest first."""
    return [(i.id, i.summary[:80]) for i in reversed(incidents)]


class PassphraseFields(forms.Form):
    """A new passphrase, typed twice."""

    passphrase = forms.CharField(
        label=_("Passphrase"),
        help_text=_("At least 10 characters. A few words you will remember work well."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    passphrase_again = forms.CharField(
        label=_("Type it again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def clean_passphrase(self) -> str:
        passphrase = str(self.cleaned_data["passphrase"])
        if len(passphrase) < MIN_PASSPHRASE_CHARS:
            raise forms.ValidationError(_("Use at least 10 characters."))
        return passphrase

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("passphrase") and data.get("passphrase") != data.get("passphrase_again"):
            self.add_error("passphrase_again", _("The two passphrases are not the same."))
        return data


class UsernameField(forms.CharField):
    """A username: letters, digits, dots, dashes and underscores; never an email needed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Username"),
            max_length=64,
            widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
            **kwargs,
        )

    def clean(self, value: Any) -> str:
        username = str(super().clean(value)).strip().lower()
        if not USERNAME.fullmatch(username):
            raise forms.ValidationError(_("Use 3 to 64 letters, digits, dots or dashes."))
        return username


class SetUpForm(PassphraseFields):
    """Personal mode: choose the locker's passphrase."""


class AccountForm(PassphraseFields):
    """Service mode: a username and a passphrase; no email, no real name."""

    username = UsernameField(
        help_text=_("Not your real name or email. Anything you will remember.")
    )
    field_order = ["username", "passphrase", "passphrase_again"]


class UnlockForm(forms.Form):
    """Open the locker."""

    passphrase = forms.CharField(
        label=_("Passphrase"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if settings.SERVICE:
            self.fields = {"username": UsernameField(), **self.fields}


class RecoverForm(PassphraseFields):
    """Open the locker with the recovery code and choose a new passphrase."""

    recovery_code = forms.CharField(
        label=_("Recovery code"),
        help_text=_("The code you were given when you set up the locker, such as ABCD-EFGH-..."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if settings.SERVICE:
            self.fields = {"username": UsernameField(), **self.fields}
        self.order_fields(["username", "recovery_code", "passphrase", "passphrase_again"])


When = TypeVar("When", datetime.date, datetime.datetime)


def _not_future(value: When | None) -> When | None:
    """Return a date or time the person typed, unless it is still to come."""
    if value is not None:
        day = value.date() if isinstance(value, datetime.datetime) else value
        if day > latest_today():
            raise forms.ValidationError(
                _("That date has not come yet. Give the date it was, or leave it empty.")
            )
    return value


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


class IncidentForm(forms.Form):
    """What happened, when, where and who; and whether anyone was under 18 in the image."""

    KINDS = [
        ("shared", _("Images were shared")),
        ("threatened", _("Someone threatened to share images")),
        ("extortion", _("Someone demanded money or more images")),
        ("fake-image", _("A fake or edited image")),
        ("other", _("Something else")),
    ]
    AGES = [
        ("no", _("No, everyone was 18 or over")),
        ("yes", _("Yes, someone was under 18")),
        (NOT_SURE, _("I am not sure")),
    ]

    kind = forms.ChoiceField(label=_("What happened?"), choices=KINDS, widget=forms.RadioSelect)
    summary = forms.CharField(
        label=_("In a few words"),
        help_text=_("Only what you want to write. You can add more later."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    under_18 = forms.ChoiceField(
        label=_("Was anyone in the image under 18 when it was taken?"),
        choices=AGES,
        widget=forms.RadioSelect,
    )
    happened_on = forms.DateField(
        label=_("When did it happen?"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    discovered_on = forms.DateField(
        label=_("When did you find out?"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    platform = forms.CharField(label=_("Where? (website or app)"), required=False, max_length=200)
    urls = forms.CharField(
        label=_("Web addresses"),
        help_text=_("One per line, starting with https://"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr", "spellcheck": "false"}),
    )
    people = forms.CharField(
        label=_("Who? (usernames, profile links)"),
        help_text=_("One per line."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reports = forms.CharField(
        label=_("Reports already made"),
        help_text=_("Platform ticket numbers or a police crime reference, one per line."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_happened_on(self) -> datetime.date | None:
        return _not_future(self.cleaned_data["happened_on"])

    def clean_discovered_on(self) -> datetime.date | None:
        return _not_future(self.cleaned_data["discovered_on"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        happened, found = data.get("happened_on"), data.get("discovered_on")
        if happened and found and happened > found:
            self.add_error(
                "discovered_on",
                _("That is before the day it happened. Check the two dates."),
            )
        return data

    def clean_urls(self) -> tuple[str, ...]:
        urls = _lines(str(self.cleaned_data["urls"]))
        for url in urls:
            if not url.startswith(("https://", "http://")):
                raise forms.ValidationError(_("Each web address starts with https:// or http://"))
        return urls

    def incident(self, incident_id: str = "") -> Incident:
        """Return the incident the form describes (call after is_valid)."""
        data = self.cleaned_data
        return Incident(
            kind=data["kind"],
            summary=data["summary"],
            happened_on=data["happened_on"].isoformat() if data["happened_on"] else "",
            discovered_on=data["discovered_on"].isoformat() if data["discovered_on"] else "",
            platform=data["platform"],
            urls=data["urls"],
            people=_lines(data["people"]),
            reports=_lines(data["reports"]),
            under_18=data["under_18"] != "no",  # "not sure" is kept as safely as "yes"
            id=incident_id,
        )

    @classmethod
    def initial_from(cls, incident: Incident) -> dict[str, object]:
        """Return the form's initial values for an incident being corrected."""
        return {
            "kind": incident.kind,
            "summary": incident.summary,
            "under_18": "yes" if incident.under_18 else "no",
            "happened_on": incident.happened_on[:10],
            "discovered_on": incident.discovered_on[:10],
            "platform": incident.platform,
            "urls": "\n".join(incident.urls),
            "people": "\n".join(incident.people),
            "reports": "\n".join(incident.reports),
        }


class CorrectionForm(IncidentForm):
    """An incident's details corrected, with the reason (kept in the custody log)."""

    reason = forms.CharField(
        label=_("Why are you changing it?"),
        help_text=_("For example: I found the right date. This is kept with the change."),
        max_length=500,
    )


class IncidentChoiceMixin(forms.Form):
    """A choice of the incident a new piece of evidence belongs to."""

    incident = forms.ChoiceField(label=_("Which incident is it part of?"), required=False)

    def __init__(self, *args: Any, incidents: Sequence[Incident] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["incident"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Not linked to an incident")), *incident_choices(incidents)]


class LinkForm(IncidentChoiceMixin):
    """The incident a piece of evidence already in the locker belongs to (or none)."""


class UploadForm(IncidentChoiceMixin):
    """A file to keep: a screenshot, a photo of a message, a video, a chat export."""

    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Last, so the browser sends the other fields first: if the file turns out too large,
    # what the person typed has already arrived and is shown again.
    file = forms.FileField(label=_("File"), allow_empty_file=True)


class MessageForm(IncidentChoiceMixin):
    """A message or threat, typed or pasted, with who sent it and when."""

    text = forms.CharField(
        label=_("The message, word for word"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=100_000,
        strip=False,
    )
    sender = forms.CharField(label=_("Who sent it? (name, username or number)"), max_length=300)
    sent_at = forms.DateTimeField(
        label=_("When was it sent?"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    sent_unknown = forms.BooleanField(label=_("I don't know when it was sent"), required=False)
    time_zone = zones.zone_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones.start_zone(self)

    def clean_sent_at(self) -> datetime.datetime | None:
        moment = self.cleaned_data["sent_at"]
        return moment if moment is None else _not_future(moment)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("sent_unknown") and data.get("sent_at"):
            self.add_error(
                "sent_at", _("Give the time, or tick “I don't know when it was sent”, not both.")
            )
        elif not data.get("sent_unknown") and "sent_at" in data and not data["sent_at"]:
            self.add_error(
                "sent_at", _("Give the time it was sent, or tick “I don't know when it was sent”.")
            )
        return data

    def sent_at_text(self) -> str:
        """Return when the message was sent as stored: ISO 8601 with the offset of the zone
        the person chose, or "" if not known."""
        data = self.cleaned_data
        moment = zones.typed_instant(data["sent_at"], data["time_zone"])
        return "" if data["sent_unknown"] or moment is None else times.stamp(moment)

    def sent_zone(self) -> str:
        """Return the zone the sending time was typed in, or "" when the time is not known."""
        return self.cleaned_data["time_zone"] if self.sent_at_text() else ""


class CaptureForm(IncidentChoiceMixin):
    """A web page to capture as evidence."""

    url = forms.URLField(
        label=_("Web address of the page"),
        assume_scheme="https",
        max_length=2000,
        widget=forms.URLInput(attrs={"dir": "ltr", "spellcheck": "false"}),
    )


class DeleteForm(forms.Form):
    """Why an item is being deleted (optional; kept in the custody log's tombstone)."""

    reason = forms.CharField(label=_("Why? (optional)"), required=False, max_length=500)


class ExportForm(forms.Form):
    """What part of the case to put in a pack, and for whom."""

    title = forms.CharField(label=_("Title of the pack"), max_length=200)
    initials = forms.CharField(
        label=_("Initials for exhibit numbers"),
        help_text=_(
            "One to four letters, such as JS: exhibits and their files are numbered JS-1, JS-2..."
        ),
        max_length=4,
    )
    incidents = forms.MultipleChoiceField(
        label=_("Only these incidents (leave all unticked for everything)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    since = forms.DateField(
        label=_("From (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    encrypt_to = forms.CharField(
        label=_("Encrypt for (optional)"),
        help_text=_("An age public key from the person receiving it, starting with age1."),
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, incidents: Sequence[Incident] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["incidents"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = incident_choices(incidents)

    def clean_initials(self) -> str:
        initials = str(self.cleaned_data["initials"]).strip().upper()
        if not INITIALS.fullmatch(initials):
            raise forms.ValidationError(_("Use one to four letters from A to Z."))
        return initials

    def clean_encrypt_to(self) -> str:
        recipient = str(self.cleaned_data["encrypt_to"]).strip()
        if recipient and not AGE_RECIPIENT.fullmatch(recipient):
            raise forms.ValidationError(_("That is not an age public key (age1 and 58 more)."))
        return recipient
