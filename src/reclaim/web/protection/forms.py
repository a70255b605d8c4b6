"""Forms of the protection pages."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reclaim.bank import MAX_SIGNALS, Signal, SignalError, parse_lines
from reclaim.web import messages

YES, NO, NOT_SURE = "yes", "no", "not-sure"


def _question(label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[(YES, _("Yes")), (NO, _("No")), (NOT_SURE, _("I am not sure"))],
        widget=forms.RadioSelect,
    )


class EligibilityForm(forms.Form):
    """The three things that must be true before any hash is taken."""

    is_subject = _question(_("Are you the person in the images?"))
    is_intimate = _question(_("Are the images intimate (nude, sexual, or in underwear)?"))
    was_adult = _question(_("Were you 18 or over when they were taken?"))


class HashesForm(forms.Form):
    """The hashes to send: filled in by the hashing on this page, or pasted."""

    hashes = forms.CharField(
        label=_("The hashes that will be sent"),
        help_text=_(
            "Filled in as you choose pictures above. You can also paste the lines the "
            "reclaim hash command prints."
        ),
        widget=forms.Textarea(attrs={"rows": 6, "dir": "ltr", "spellcheck": "false"}),
        max_length=2_000_000,
    )

    def clean_hashes(self) -> list[Signal]:
        try:
            signals = parse_lines(str(self.cleaned_data["hashes"]))
        except SignalError as error:
            sentence = messages.hashes_problem(error.reason, error.line, MAX_SIGNALS)
            raise forms.ValidationError(sentence) from None
        if not signals:
            raise forms.ValidationError(_("There are no hashes yet: choose pictures or videos."))
        return signals


class CaseAccessForm(forms.Form):
    """A case number and its PIN."""

    number = forms.CharField(
        label=_("Case number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )
    pin = forms.CharField(
        label=_("PIN"),
        max_length=40,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
