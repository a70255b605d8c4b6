"""Views of the support site: parse the request, fetch content, render. No account needed."""

from typing import TYPE_CHECKING

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from reclaim.content import Document, Kind
from reclaim.web.support import labels
from reclaim.web.support.content import library

if TYPE_CHECKING:  # django-stubs-ext is a development tool, not installed to run
    from django_stubs_ext import StrOrPromise

UNDER_18_PLAN = "under-18"
AGE_ANSWERS = ("adult", "under-18", "not-sure")
# The start page's "Getting help": who to talk to, and the ways in for people who are deaf or
# find English hard (their facts and translations are in content/helplines/).
GETTING_HELP = (
    "revenge-porn-helpline",
    "victim-support",
    "relay-uk",
    "signlive",
    "my-support-space",
)


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Ask, gently, what has happened; say where to get help."""
    context = {"situations": labels.SITUATIONS, "getting_help": _getting_help()}
    return render(request, "support/start.html", context)


@require_GET
def age(request: HttpRequest) -> HttpResponse:
    """Ask whether anyone was under 18 in the image, before any advice about evidence."""
    situation = request.GET.get("situation", "")
    if situation not in labels.SITUATIONS:
        context = {
            "situations": labels.SITUATIONS,
            "error": _("Choose what has happened to see your plan."),
            "getting_help": _getting_help(),
        }
        return render(request, "support/start.html", context, status=400)
    answer = request.GET.get("age")
    if situation == UNDER_18_PLAN or answer in ("under-18", "not-sure"):
        return redirect("support:plan", UNDER_18_PLAN)
    if answer == "adult":
        return redirect("support:plan", situation)
    # "asked" comes with the form's Continue: without it the person has only just arrived.
    error: StrOrPromise | None = None
    if answer:
        error = _("Choose one answer.")
    elif request.GET.get("asked"):
        error = _("Choose one answer. If you do not know, choose “I am not sure”.")
    context = {"situation": situation, "error": error}
    return render(request, "support/age.html", context, status=400 if error else 200)


@require_GET
def plan(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the plan for one situation as a checklist."""
    return render(request, "support/plan.html", {"document": _document("plan", slug)})


@require_GET
def guides(request: HttpRequest) -> HttpResponse:
    """List every guide, walk-through and exercise."""
    language = get_language()
    context = {
        kind: library().documents_of(kind, language)
        for kind in ("guide", "walkthrough", "exercise")
    }
    return render(request, "support/guides.html", context)


@require_GET
def guide(request: HttpRequest, slug: str) -> HttpResponse:
    """Show one guide."""
    return render(request, "support/guide.html", {"document": _document("guide", slug)})


@require_GET
def exercise(request: HttpRequest, slug: str) -> HttpResponse:
    """Show one exercise for a difficult moment."""
    return render(request, "support/guide.html", {"document": _document("exercise", slug)})


@require_GET
def walkthrough(request: HttpRequest, slug: str, step: int = 1) -> HttpResponse:
    """Show one step of a walk-through, with the way back and forward."""
    document = _document("walkthrough", slug)
    if not 1 <= step <= len(document.sections):
        raise Http404("no such step")
    context = {
        "document": document,
        "section": document.sections[step - 1],
        "step": step,
        "steps": len(document.sections),
    }
    return render(request, "support/walkthrough.html", context)


@require_GET
def helplines(request: HttpRequest) -> HttpResponse:
    """Let the person pick a country (never guessed from where they are)."""
    countries = [(code, labels.country_name(code)) for code in library().countries()]
    return render(request, "support/helplines.html", {"countries": countries})


@require_GET
def helplines_country(request: HttpRequest, country: str) -> HttpResponse:
    """List the helplines of one country, emergency numbers first."""
    entries = library().helplines_in(country)
    if not entries:
        raise Http404("no helplines for this country")
    context = {
        "country": country,
        "country_name": labels.country_name(country),
        "emergency": [labels.describe(entry) for entry in entries if entry.emergency],
        "services": [labels.describe(entry) for entry in entries if not entry.emergency],
    }
    return render(request, "support/helplines_country.html", context)


@require_GET
def hasher(request: HttpRequest) -> HttpResponse:
    """Let a person hash their own pictures and videos in their browser (nothing is sent)."""
    return render(request, "support/hasher.html")


def _getting_help() -> list[labels.HelplineView]:
    by_id = {entry.id: entry for entry in library().helplines}
    return [labels.describe(by_id[slug]) for slug in GETTING_HELP if slug in by_id]


def _document(kind: Kind, slug: str) -> Document:
    try:
        return library().document(kind, slug, get_language())
    except KeyError:
        raise Http404(f"no {kind} called {slug}") from None
