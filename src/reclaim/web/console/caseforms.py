"""Forms of case work: notes, tasks, closing, deletion at the survivor's request, the audit log."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reclaim.web.console.casetasks import MAX_TITLE_CHARS
from reclaim.web.console.closing import OUTCOMES
from reclaim.web.console.deletion import ASKED_VIA
from reclaim.web.console.notes import MAX_NOTE_CHARS


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("New note"), widget=forms.Textarea(attrs={"rows": 5}), max_length=MAX_NOTE_CHARS
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("What is to be done"), max_length=MAX_TITLE_CHARS)
    due_on = forms.DateField(
        label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class MarkTaskForm(forms.Form):
    task = forms.IntegerField(min_value=1)
    done = forms.TypedChoiceField(choices=[("1", "done"), ("0", "not done")], coerce=int)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=list(OUTCOMES.items()), widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("If other: what the outcome was (kept as a note)"),
        required=False,
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("outcome") == "other" and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say in a few words what the outcome was."))
        return cleaned


class DeleteForm(forms.Form):
    asked_via = forms.ChoiceField(
        label=_("How did the survivor ask?"),
        choices=[(v, _("in person") if v == "in person" else _(v)) for v in ASKED_VIA],
    )
    confirm = forms.BooleanField(
        label=_(
            "The survivor asked for their case to be deleted. I understand it is deleted now, "
            "with its addresses, notes, tasks and shared media, and cannot be brought back."
        )
    )


class AuditFilterForm(forms.Form):
    member = forms.IntegerField(label=_("Staff member"), required=False, min_value=1)
    case = forms.CharField(label=_("Case number"), required=False, max_length=20)
    action = forms.CharField(label=_("Action"), required=False, max_length=40)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
