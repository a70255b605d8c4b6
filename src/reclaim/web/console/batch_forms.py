"""The batch page's forms: the facts said once for the whole request, and those per case."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reclaim.web.console.batches import CaseFacts, WholeFacts

ACTIONS = ("preview", "send", "pack", "record")


class WholeForm(forms.Form):
    """What the helpline says once: who signs, for whom, how to reach them, the statement."""

    signer = forms.CharField(
        label=_("Who signs (your name as the platform should see it)"),
        max_length=200,
        required=False,
    )
    organisation = forms.CharField(label=_("Helpline name"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email address for the platform's answer"), required=False)
    phone = forms.CharField(label=_("Phone number"), max_length=60, required=False)
    postal = forms.CharField(
        label=_("Postal address"),
        max_length=400,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    accuracy_statement = forms.BooleanField(
        label=_("The information in this request is accurate, to the best of my knowledge."),
        required=False,
    )

    def facts(self) -> WholeFacts:
        """Return the cleaned facts (call after is_valid)."""
        return WholeFacts(**self.cleaned_data)


class CaseFactsForm(forms.Form):
    """What is said for every address of one case (the person shown, and on what authority)."""

    depicted = forms.CharField(
        label=_("The person shown, as the platform should know them"),
        max_length=200,
        required=False,
    )
    authority = forms.CharField(
        label=_("On what authority the helpline acts for them"), max_length=400, required=False
    )
    description = forms.CharField(
        label=_("What the content shows and how to find it"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    consent_statement = forms.BooleanField(
        label=_("They did not consent to this content being shared."), required=False
    )
    intimate_statement = forms.BooleanField(
        label=_("The content is an intimate image of them."), required=False
    )

    def facts(self) -> CaseFacts:
        """Return the cleaned facts (call after is_valid)."""
        return CaseFacts(**self.cleaned_data)
