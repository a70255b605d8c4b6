"""The statistics page and its CSV downloads: parse the year, call the service, render."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from reclaim.web.console import statistics
from reclaim.web.console.access import member_required
from reclaim.web.console.views import render_page


@member_required
@require_GET
def statistics_page(request: HttpRequest) -> HttpResponse:
    shown = statistics.statistics_page(request, _year(request))
    context = {"shown": shown, "refresh_minutes": statistics.FIGURES_REFRESH_MINUTES}
    return render_page(request, "console/statistics.html", context)


@member_required
@require_GET
def statistics_export(request: HttpRequest) -> HttpResponse:
    key = request.GET.get("table", "years")[:40]
    text, name = statistics.export(request, key, _year(request))
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _year(request: HttpRequest) -> int | None:
    year = request.GET.get("year", "")
    return int(year) if year.isdigit() and len(year) == 4 else None
