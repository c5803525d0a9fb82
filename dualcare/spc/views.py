"""The analyst's page: chart any series of your own (pasted or uploaded), read the signals,
and download the analysed points. Nothing is stored: the data travel with each request, in
the body of a POST, never in a URL."""

from __future__ import annotations

import csv
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from dualcare import access
from dualcare.people.models import User

from . import charts
from .forms import SeriesForm


def staff_with_a_role(view):
    """Staff holding any role in force. Service users and carers get a 404, staff without a
    role a 403: charting one's own data reads no record."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.user.kind != User.Kind.STAFF:
            raise Http404("No such page.")
        if not access.active_roles(request.user).exists():
            raise PermissionDenied("Charting is for staff with a role.")
        return view(request, *args, **kwargs)

    return wrapper


def _safe_cell(value):
    # a leading = + - @ would be a formula in a spreadsheet: quote it as text
    return "'" + value if isinstance(value, str) and value[:1] in "=+-@" else value


@staff_with_a_role
@require_http_methods(["GET", "POST"])
def analyse(request: HttpRequest) -> HttpResponse:
    context = {}
    if request.method == "POST":
        form = SeriesForm(request.POST, request.FILES)
        if form.is_valid():
            series = form.cleaned_data["series"]
            analysis = form.analysis()
            context.update(
                analysis=analysis,
                chart=charts.svg(
                    analysis,
                    title="Your chart",
                    description="A chart of the data you entered.",
                    labels=series.labels,
                ),
                rows=charts.table_rows(analysis, series.labels),
                summary=charts.summary(analysis),
                runs_words=charts.RUNS_WORDS.get(getattr(analysis, "runs_signal", None) or ""),
                carried=series.as_text(),
                recalculate=", ".join(str(start + 1) for start in form.cleaned_data.get("recalculate") or []),
                baseline_ignored=analysis.kind == "run" and form.cleaned_data.get("baseline"),
            )
    else:
        form = SeriesForm(initial={"improvement": "up"})
    context["form"] = form
    return render(request, "spc/analyse.html", context, status=400 if form.errors else 200)


@staff_with_a_role
@require_POST
def download(request: HttpRequest) -> HttpResponse:
    """The analysed points as CSV, from the data the chart page carried in its form."""
    form = SeriesForm(request.POST)
    if not form.is_valid():
        return render(request, "spc/analyse.html", {"form": form}, status=400)
    series = form.cleaned_data["series"]
    analysis = form.analysis()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="spc-chart.csv"'
    writer = csv.writer(response)
    if analysis.kind == "xmr":
        writer.writerow(["date", "value", "mean", "upper_limit", "lower_limit", "in_baseline",
                         "special_cause", "rules", "variation"])  # fmt: skip
        for index, (label, point) in enumerate(zip(series.labels, analysis.points, strict=True)):
            period = analysis.period_of(index)  # the mean and limits in force for this point
            first, last = period.baseline
            writer.writerow([
                _safe_cell(label), point.value, period.mean, period.upper_limit, period.lower_limit,
                "yes" if first <= index < last else "no", "yes" if point.special_cause else "no",
                " ".join(point.rules), point.variation,
            ])  # fmt: skip
    else:
        writer.writerow(["date", "value", "median", "special_cause", "rules", "variation"])
        for label, point in zip(series.labels, analysis.points, strict=True):
            writer.writerow([
                _safe_cell(label), point.value, analysis.median, "yes" if point.special_cause else "no",
                " ".join(point.rules), point.variation,
            ])  # fmt: skip
    return response
