"""Protection pages: check eligibility, hash on this device, send only hashes, then check,
add to or withdraw a case with its number and PIN.

The images never reach this server: the page hashes them in the browser (the support app's
hashing scripts) and posts only the hashes.
"""

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from reclaim.web.access import changes, limits
from reclaim.web.access import session as locker_session
from reclaim.web.protection import bank, forms, tokens
from reclaim.web.protection.models import ProtectionCase
from reclaim.web.safety.bodies import accepts_body

ELIGIBLE = "protection_eligible"
OPEN_CASE = "protection_case"
CASE_MINUTES = 10  # how long a case stays open in this browser after its PIN was given


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Explain protection and ask the three eligibility questions."""
    form = forms.EligibilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        answers = form.cleaned_data
        if answers["was_adult"] != forms.YES:
            return render(request, "protection/under18.html")
        if answers["is_subject"] != forms.YES or answers["is_intimate"] != forms.YES:
            return render(request, "protection/not_eligible.html")
        request.session[ELIGIBLE] = True
        return redirect("protection:hash")
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "platforms_connected": tokens.platforms_connected()}
    return render(request, "protection/start.html", context, status=status)


# The hashes field's 2,000,000 characters, form-encoded (hex letters stay one byte each).
HASHES_BODY_BYTES = 3 * 1024 * 1024


@accepts_body(HASHES_BODY_BYTES)
@require_http_methods(["GET", "POST"])
def hash_images(request: HttpRequest) -> HttpResponse:
    """Hash pictures here, review the hashes, send them (new case, or add to the open one)."""
    case = _open_case(request)
    if not request.session.get(ELIGIBLE) and case is None:
        return redirect("protection:start")
    form = forms.HashesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        signals = form.cleaned_data["hashes"]
        if request.POST.get("step") != "send":
            context = {"form": form, "signals": signals, "case": case}
            return render(request, "protection/review.html", context)
        if case is not None:
            if request.POST.get("same_person") != "yes":
                context = {"form": form, "signals": signals, "case": case, "confirm": True}
                return render(request, "protection/review.html", context, status=400)
            bank.add_signals(case, signals)
            return redirect("protection:case_view")
        if not limits.allow(request, "new-case", 20):
            return render(request, "protection/too_many.html", status=429)
        case, pin = bank.new_case(signals)
        request.session.pop(ELIGIBLE, None)
        context = {
            "number": bank.format_number(case.number),
            "pin": pin,
            "count": len(signals),
            "locker_open": locker_session.current(request) is not None,
            "platforms_connected": tokens.platforms_connected(),
        }
        return render(request, "protection/made.html", context)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "protection/hash.html", {"form": form, "case": case}, status=status)


@require_POST
def keep_in_locker(request: HttpRequest) -> HttpResponse:
    """Keep the case number and PIN in the open evidence locker, as a note only the person reads."""
    opened = locker_session.current(request)
    form = forms.CaseAccessForm(request.POST)
    if opened is None or not form.is_valid():
        return render(request, "protection/kept.html", {"kept": False}, status=400)
    text = (
        f"Protection case number: {form.cleaned_data['number']}\nPIN: {form.cleaned_data['pin']}\n"
    )
    now = timezone.now().isoformat(timespec="seconds")
    changes.catch_up(opened)  # a change to the locker, as every locker page's POST
    opened.box.add_message(text, "Reclaim protection", now)
    return render(request, "protection/kept.html", {"kept": True})


@require_http_methods(["GET", "POST"])
def case(request: HttpRequest) -> HttpResponse:
    """Open a case with its number and PIN (the same answer when either is wrong)."""
    form = forms.CaseAccessForm(request.POST or None)
    problem, minutes = "", 0
    if request.method == "POST" and form.is_valid():
        if not limits.allow(request, "case-lookup", 60):
            problem, minutes = "held", limits.wait_minutes()
        else:
            try:
                found = bank.open_case(form.cleaned_data["number"], form.cleaned_data["pin"])
            except bank.CaseAccessError as error:
                problem, minutes = error.reason, error.minutes
            else:
                request.session.cycle_key()
                request.session[OPEN_CASE] = [found.id, timezone.now().isoformat()]
                return redirect("protection:case_view")
    context = {"form": form, "problem": problem, "minutes": minutes}
    context["closed"] = request.GET.get("closed") == "1"
    status = 429 if problem == "held" else 400 if problem or form.errors else 200
    return render(request, "protection/case.html", context, status=status)


@require_http_methods(["GET", "POST"])
def case_view(request: HttpRequest) -> HttpResponse:
    """The case's hashes, their status and what platforms did; withdraw some or all."""
    found = _open_case(request)
    if found is None:  # never opened here, or its minutes ran out: nothing was changed
        return redirect(reverse("protection:case") + "?closed=1")
    context: dict[str, Any] = {"number": bank.format_number(found.number)}
    if request.method == "POST":
        context |= _withdraw(request, found)
    context |= {
        "entries": bank.entries_of(found),
        "platforms_connected": tokens.platforms_connected(),
    }
    status = 400 if context.get("none_chosen") else 200
    return render(request, "protection/case_view.html", context, status=status)


def _withdraw(request: HttpRequest, found: ProtectionCase) -> dict[str, Any]:
    """Withdraw what the person chose; return what the page says about it.

    Withdrawing everything is asked about once more first; choosing nothing withdraws nothing.
    """
    if request.POST.get("all") == "1":
        if request.POST.get("confirm") != "yes":
            return {"confirm_all": True}
        return {"withdrawn": bank.withdraw(found), "posted": True}
    picked = request.POST.getlist("entry")
    chosen = [int(i) for i in picked if i.isascii() and i.isdigit() and len(i) <= 18]
    if not chosen:
        return {"none_chosen": True}
    return {"withdrawn": bank.withdraw(found, chosen), "posted": True}


@require_POST
def case_close(request: HttpRequest) -> HttpResponse:
    """Forget the open case in this browser."""
    request.session.pop(OPEN_CASE, None)
    return redirect("protection:case")


def _open_case(request: HttpRequest) -> ProtectionCase | None:
    held: Any = request.session.get(OPEN_CASE)
    if not held:
        return None
    case_id, since = held
    if timezone.now() - datetime.datetime.fromisoformat(since) > datetime.timedelta(
        minutes=CASE_MINUTES
    ):
        request.session.pop(OPEN_CASE, None)
        return None
    return ProtectionCase.objects.filter(id=case_id).first()
