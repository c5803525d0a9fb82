"""Dashboard pages for managers: per team and per organisation (run and XmR charts with
annotations and recorded baselines), one page per measure, CSV and PDF downloads, and the
locality view of de-identified aggregates.

Who may see what is decided in dualcare.access (dashboards section): a team manager sees their
own organisation's dashboards; another organisation's are a 404, as is any dashboard page for
service users and carers; other staff get a 403. Dashboards hold aggregates only: no page,
CSV or PDF here names a person, and no URL carries anything but opaque ids and a period.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from dualcare import access
from dualcare.exceptions import ApplicationError
from dualcare.people.models import Organisation, Team, User
from dualcare.safety.incidents.monthly import monthly_harm_chart
from dualcare.spc import charts as spc_charts

from . import measures, selectors, services
from .forms import AnnotationForm, BaselineForm, BaselineResetForm, PeriodForm
from .models import DashboardPdf
from .selectors import Scope

INCIDENTS = "Incidents"  # the capability whose section carries the monthly series


def _for_managers(view, *, refuse_others):
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if user.kind != User.Kind.STAFF or not user.is_active:
            raise Http404("No such page.")
        managed = access.dashboards_managed_organisation_ids(user)
        if not managed:
            refuse_others()
        request.managed_organisation_ids = managed
        return view(request, *args, **kwargs)

    return wrapper


def _not_for_non_managers():
    raise PermissionDenied("Dashboards are for team managers.")


def _no_such_dashboard():
    raise Http404("No such dashboard.")


def manager_only(view):
    """The dashboards' own pages (the index, the locality): team managers in force only; others
    on staff get a 403, anyone else a 404."""
    return _for_managers(view, refuse_others=_not_for_non_managers)


def dashboard_manager(view):
    """One team's or organisation's dashboard (or its PDF): a 404 to everyone who does not
    manage it, whatever their role, so a key worker and a manager get the same answer about
    another organisation's dashboard (the API agrees: dashboards.api)."""
    return _for_managers(view, refuse_others=_no_such_dashboard)


def _scope_or_404(request: HttpRequest, kind: str, pk) -> Scope:
    organisation, team = access.dashboards_dashboard_or_404(request.managed_organisation_ids, kind, pk)
    return Scope(organisation=organisation, team=team)


def _definition_or_404(key: str) -> measures.MeasureDef:
    definition = measures.definitions().get(key)
    if definition is None:
        raise Http404("No such measure.")
    return definition


def _period_form(request: HttpRequest) -> PeriodForm:
    """The period asked for (?weeks=), checked once per request: the page shows its message."""
    if not hasattr(request, "period_form"):
        request.period_form = PeriodForm(request.GET, default=selectors.DEFAULT_WEEKS)
        request.period_form.is_valid()
    return request.period_form


def _period(request: HttpRequest) -> selectors.Period:
    """The valid period asked for, else the default one (a page then shows why at the field)."""
    return selectors.period_for(_period_form(request).weeks_chosen(selectors.DEFAULT_WEEKS))


def _download_period(request: HttpRequest) -> tuple[selectors.Period | None, HttpResponse | None]:
    """A download's period, or a 400 naming the field when the one asked for is not offered: a
    file of another period than asked for would be a silent wrong answer."""
    form = _period_form(request)
    if form.errors:
        message = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        return None, HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return _period(request), None


def _urls(scope: Scope, period: selectors.Period) -> dict:
    kind, pk = scope.kind, scope.pk
    query = "" if period.weeks == selectors.DEFAULT_WEEKS else f"?weeks={period.weeks}"
    return {
        "dashboard": reverse(f"dashboards:{kind}", args=[pk]) + query,
        "csv": reverse(f"dashboards:{kind}_csv", args=[pk]) + query,
        "pdf": reverse(f"dashboards:{kind}_pdf", args=[pk]) + query,
        "annotate": reverse(f"dashboards:{kind}_annotate", args=[pk]) + query,
        "organisation": reverse("dashboards:organisation", args=[scope.organisation.pk]) + query,
    }


def _measure_urls(scope: Scope, key: str, period: selectors.Period) -> dict:
    return {
        name: url.replace(MEASURE_PLACEHOLDER, key)
        for name, url in _measure_url_patterns(scope, period).items()
    }


MEASURE_PLACEHOLDER = "measure.placeholder"


def _measure_url_patterns(scope: Scope, period: selectors.Period) -> dict:
    """Each measure's URLs with a placeholder for its key: reversed once for thirty measures."""
    kind, pk, key = scope.kind, scope.pk, MEASURE_PLACEHOLDER
    query = "" if period.weeks == selectors.DEFAULT_WEEKS else f"?weeks={period.weeks}"
    return {
        "page": reverse(f"dashboards:{kind}_measure", args=[pk, key]) + query,
        "csv": reverse(f"dashboards:{kind}_measure_csv", args=[pk, key]) + query,
        "baseline": reverse(f"dashboards:{kind}_baseline", args=[pk, key]) + query,
        "reset": reverse(f"dashboards:{kind}_baseline_reset", args=[pk, key]) + query,
        "annotate": reverse(f"dashboards:{kind}_annotate", args=[pk]) + query,
    }


def _scope_teams(scope: Scope) -> list[Team]:
    if scope.team is not None:
        return []
    return list(Team.objects.filter(organisation=scope.organisation, works_with_people=True).order_by("name"))


@manager_only
def index(request: HttpRequest) -> HttpResponse:
    organisations = list(
        Organisation.objects.filter(pk__in=request.managed_organisation_ids)
        .prefetch_related("teams")
        .order_by("name")
    )
    rows = [
        (organisation, [t for t in organisation.teams.all() if t.works_with_people])
        for organisation in organisations
    ]
    return render(
        request,
        "dashboards/index.html",
        {
            "rows": rows,
            "can_see_locality": access.dashboards_can_view_locality(
                request.user, request.managed_organisation_ids
            ),
        },
    )


def _section(request: HttpRequest) -> str:
    """The section whose charts are drawn: ?section=, else the first. A dashboard draws one
    section's charts at a time (all thirty were 750 KB and most of a second to draw) and says
    every measure's status in words."""
    every = selectors.sections()
    section = request.GET.get("section")
    if section is None or not every:
        return every[0] if every else ""
    if section not in every:
        raise Http404("No such section.")
    return section


def _section_url(dashboard_url: str, section: str, anchor: str) -> str:
    joiner = "&" if "?" in dashboard_url else "?"
    return f"{dashboard_url}{joiner}section={section}#{anchor}"


def _section_urls(dashboard_url: str, sections: list[str]) -> dict[str, str]:
    return {section: _section_url(dashboard_url, section, section) for section in sections}


def _render_dashboard(request, scope: Scope, period, *, annotation_form=None, status=200) -> HttpResponse:
    section = _section(request)
    # One key for every chart, at the top; only the section's charts are drawn.
    board = selectors.dashboard(scope, period, legend=False, section=section)
    definitions = {chart.key: chart.definition for chart in board.charts}
    patterns = _measure_url_patterns(scope, period)
    for chart in board.charts:
        chart.urls = {name: url.replace(MEASURE_PLACEHOLDER, chart.key) for name, url in patterns.items()}
    section_urls = _section_urls(_urls(scope, period)["dashboard"], selectors.sections())
    for group in board.groups:
        group.url = section_urls.get(group.slug, "")
    # The sections (every measure in words, the section's charts and tables) are most of the page and
    # depend only on the worked-out dashboard and its URLs (its scope and period): rendered once per
    # dashboard the memo keeps (selectors.dashboard), not on every request.
    sections_html = board.rendered.get("page")
    if sections_html is None:
        sections_html = board.rendered["page"] = render_to_string(
            "dashboards/_dashboard_sections.html", {"board": board, "suppressed": selectors.SUPPRESSED}
        )
    teams = _scope_teams(scope)
    monthly = None
    if section == selectors.section_slug(INCIDENTS):  # issue 19: its monthly series, under its charts
        team_ids = [scope.team.pk] if scope.team is not None else [team.pk for team in teams]
        monthly = monthly_harm_chart(team_ids, scope_name=scope.name)
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "board": board,
            "monthly": monthly,
            "sections_html": sections_html,
            "scope": scope,
            "period": period,
            "period_form": _period_form(request),
            "annotation_form": annotation_form or AnnotationForm(definitions=definitions),
            "urls": _urls(scope, period),
            "teams": teams,
            "chart_key": spc_charts.legend_svg(),
            "suppressed": selectors.SUPPRESSED,
        },
        status=status,
    )


@dashboard_manager
def dashboard(request: HttpRequest, pk, kind: str) -> HttpResponse:
    scope = _scope_or_404(request, kind, pk)
    return _render_dashboard(request, scope, _period(request))


def _render_measure(
    request, scope: Scope, key: str, period, *, baseline_form=None, reset_form=None, annotation_form=None,
    status=200,
) -> HttpResponse:  # fmt: skip
    board = selectors.dashboard(scope, period, only=key)
    chart = board.charts[0]
    chart.urls = _measure_urls(scope, key, period)
    weeks = [row.week for row in chart.rows if row.point is not None]
    return render(
        request,
        "dashboards/measure.html",
        {
            "scope": scope,
            "period": period,
            "chart": chart,
            "urls": _urls(scope, period),
            "measure_urls": _measure_urls(scope, key, period),
            "baseline_form": baseline_form or BaselineForm(weeks=weeks),
            "reset_form": reset_form or BaselineResetForm(),
            "annotation_form": annotation_form
            or AnnotationForm(definitions={key: chart.definition}, initial={"measure_key": key}),
            "period_form": _period_form(request),
            "back_url": _section_url(
                _urls(scope, period)["dashboard"],
                selectors.section_slug(chart.definition.capability),
                f"measure-{chart.slug}",
            ),
            "suppressed": selectors.SUPPRESSED,
        },
        status=status,
    )


@dashboard_manager
def measure(request: HttpRequest, pk, key: str, kind: str) -> HttpResponse:
    scope = _scope_or_404(request, kind, pk)
    _definition_or_404(key)
    return _render_measure(request, scope, key, _period(request))


@require_POST
@dashboard_manager
def annotate(request: HttpRequest, pk, kind: str) -> HttpResponse:
    scope = _scope_or_404(request, kind, pk)
    period = _period(request)
    definitions = measures.definitions()
    on_measure = request.POST.get("return_to") == "measure" and request.POST.get("measure_key") in definitions
    form_definitions = (
        {request.POST["measure_key"]: definitions[request.POST["measure_key"]]} if on_measure else definitions
    )
    form = AnnotationForm(request.POST, definitions=form_definitions)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.annotation_add(
                organisation=scope.organisation,
                team=scope.team,
                measure_key=data["measure_key"],
                date=data["date"],
                text=data["text"],
                by=request.user,
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "The change is marked on the charts.")
            if on_measure:
                return redirect(_measure_urls(scope, data["measure_key"], period)["page"])
            return redirect(_urls(scope, period)["dashboard"] + "#changes")
    if on_measure:
        return _render_measure(
            request, scope, request.POST["measure_key"], period, annotation_form=form, status=400
        )
    return _render_dashboard(request, scope, period, annotation_form=form, status=400)


@require_POST
@dashboard_manager
def baseline_set(request: HttpRequest, pk, key: str, kind: str) -> HttpResponse:
    scope = _scope_or_404(request, kind, pk)
    _definition_or_404(key)
    period = _period(request)
    board = selectors.dashboard(scope, period, only=key, draw=False)
    weeks = [row.week for row in board.charts[0].rows if row.point is not None]
    form = BaselineForm(request.POST, weeks=weeks)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.baseline_set(
                organisation=scope.organisation,
                team=scope.team,
                measure_key=key,
                first_week=dt.date.fromisoformat(data["first_week"]),
                last_week=dt.date.fromisoformat(data["last_week"]),
                reason=data["reason"],
                by=request.user,
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "The limits are recalculated from the weeks you chose.")
            return redirect(_measure_urls(scope, key, period)["page"])
    return _render_measure(request, scope, key, period, baseline_form=form, status=400)


@require_POST
@dashboard_manager
def baseline_reset(request: HttpRequest, pk, key: str, kind: str) -> HttpResponse:
    scope = _scope_or_404(request, kind, pk)
    _definition_or_404(key)
    period = _period(request)
    form = BaselineResetForm(request.POST)
    if form.is_valid():
        try:
            services.baseline_reset(
                organisation=scope.organisation,
                team=scope.team,
                measure_key=key,
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "The limits are calculated from every week again.")
            return redirect(_measure_urls(scope, key, period)["page"])
    return _render_measure(request, scope, key, period, reset_form=form, status=400)


# ---------------------------------------------------------------------------
# CSV and PDF

CSV_HEADER = [
    "measure_key",
    "measure",
    "unit",
    "week_beginning",
    "value",
    "n",
    "chart",
    "centre_line",
    "lower_process_limit",
    "upper_process_limit",
    "special_cause",
    "rules",
    "variation",
]


def _number(value) -> str:
    return (
        ""
        if value is None
        else f"{value:.4g}"
        if isinstance(value, float) and abs(value) < 1e4
        else str(value)
    )


def _chart_rows(chart: selectors.MeasureChart, *, organisation: str | None = None) -> list[list]:
    analysis = chart.analysis
    centre = lower = upper = ""
    kind = ""
    if analysis is not None:
        kind = "xmr" if analysis.kind == "xmr" else "run"
        centre = round(analysis.mean if analysis.kind == "xmr" else analysis.median, 4)
        if analysis.kind == "xmr":
            # As drawn, like the API: a percentage's limits within 0 to 100 (chart.limits).
            lower, upper = round(chart.limits[0], 4), round(chart.limits[1], 4)
    rows = []
    for row in chart.rows:
        head = [chart.key, chart.definition.title, chart.definition.unit, row.week.isoformat()]
        if organisation is not None:
            head.append(organisation)
        if row.suppressed:
            rows.append([*head, selectors.SUPPRESSED, selectors.SUPPRESSED, kind, "", "", "", "", "", ""])
            continue
        point = row.point
        if row.period is not None:
            # the mean and limits in force for this week (its period's, after a recalculation),
            # as drawn: a percentage's within 0 to 100
            shown = spc_charts.bounded_limits(
                row.period.lower_limit, row.period.upper_limit, chart.value_range
            )
            centre, lower, upper = round(row.period.mean, 4), round(shown[0], 4), round(shown[1], 4)
        rows.append(
            [
                *head,
                "" if row.value is None else row.value,
                row.n,
                kind if point else "",
                centre if point else "",
                lower if point else "",
                upper if point else "",
                ("yes" if point.special_cause else "no") if point else "",
                row.rules_text if point else "",
                point.variation if point else "",
            ]
        )
    return rows


def _csv_response(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    # Written to a buffer and handed over once: written to the response, each of a dashboard's
    # thousand rows was its own write (and charset lookup), a third of the CSV's time.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell(value):
    # Names typed by people (organisations) must not run as formulas when the CSV is opened.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return f"'{value}"
    return value


def _filename(scope: Scope, period, ext: str, key: str = "") -> str:
    what = f"{scope.kind}-dashboard" if not key else key.replace(".", "-")
    return f"{what}-{period.first.isoformat()}-to-{period.last.isoformat()}.{ext}"


@dashboard_manager
def dashboard_csv(request: HttpRequest, pk, kind: str) -> HttpResponse:
    scope = _scope_or_404(request, kind, pk)
    period, refused = _download_period(request)
    if refused:
        return refused
    board = selectors.dashboard(scope, period, draw=False)
    rows = [row for chart in board.charts for row in _chart_rows(chart)]
    return _csv_response(_filename(scope, period, "csv"), CSV_HEADER, rows)


@dashboard_manager
def measure_csv(request: HttpRequest, pk, key: str, kind: str) -> HttpResponse:
    scope = _scope_or_404(request, kind, pk)
    _definition_or_404(key)
    period, refused = _download_period(request)
    if refused:
        return refused
    board = selectors.dashboard(scope, period, only=key, draw=False)
    return _csv_response(_filename(scope, period, "csv", key), CSV_HEADER, _chart_rows(board.charts[0]))


@require_POST
@dashboard_manager
def dashboard_pdf(request: HttpRequest, pk, kind: str) -> HttpResponse:
    """Ask for a PDF of the dashboard; a worker renders it and the next page says when it is ready."""
    scope = _scope_or_404(request, kind, pk)
    period, refused = _download_period(request)
    if refused:
        return refused
    document = services.pdf_request(
        kind=scope.kind,
        organisation=scope.organisation,
        team=scope.team,
        period=period,
        by=request.user,
    )
    return redirect("dashboards:pdf", pk=document.pk)


def _pdf_or_404(request: HttpRequest, pk) -> DashboardPdf:
    """A PDF its requester may still see: their own, of a dashboard they may still open."""
    document = DashboardPdf.objects.select_related("organisation", "team").filter(pk=pk).first()
    if document is None or document.requested_by_id != request.user.pk:
        raise Http404("No such document.")
    if document.kind in (DashboardPdf.Kind.LOCALITY, DashboardPdf.Kind.PACK):
        allowed = access.dashboards_can_view_locality(request.user, request.managed_organisation_ids)
    else:
        allowed = document.organisation_id in request.managed_organisation_ids
    if not allowed:
        raise Http404("No such document.")
    return document


def _document_name(document: DashboardPdf) -> str:
    if document.kind == DashboardPdf.Kind.LOCALITY:
        return "the locality dashboard"
    if document.kind == DashboardPdf.Kind.PACK:
        return "the Shared Care meeting pack"
    return (document.team or document.organisation).name


@dashboard_manager
def pdf_status(request: HttpRequest, pk) -> HttpResponse:
    document = _pdf_or_404(request, pk)
    if document.kind == DashboardPdf.Kind.LOCALITY:
        back = reverse("dashboards:locality")
    elif document.kind == DashboardPdf.Kind.PACK:
        back = reverse("dashboards:pack")
    else:
        back = reverse(f"dashboards:{document.kind}", args=[(document.team or document.organisation).pk])
    if document.weeks != selectors.DEFAULT_WEEKS:
        back += f"?weeks={document.weeks}"
    return render(
        request,
        "dashboards/pdf.html",
        {
            "document": document,
            "name": _document_name(document),
            "ends": document.last_week + dt.timedelta(days=6),
            "back_url": back,
        },
    )


@require_POST
@dashboard_manager
def pdf_retry(request: HttpRequest, pk) -> HttpResponse:
    """Try a failed PDF again; back to its page, which says it is being prepared."""
    document = _pdf_or_404(request, pk)
    try:
        services.pdf_retry(document=document, by=request.user)
    except ApplicationError as error:  # tried twice (a double click): the page says where it is
        messages.info(request, error.message)
    return redirect("dashboards:pdf", pk=document.pk)


@dashboard_manager
def pdf_file(request: HttpRequest, pk) -> HttpResponse:
    document = _pdf_or_404(request, pk)
    if not document.is_ready:
        return redirect("dashboards:pdf", pk=document.pk)
    what = {DashboardPdf.Kind.LOCALITY: "locality", DashboardPdf.Kind.PACK: "shared-care-meeting-pack"}.get(
        document.kind, f"{document.kind}-dashboard"
    )
    return FileResponse(
        document.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"{what}-{document.first_week.isoformat()}-to-{document.last_week.isoformat()}.pdf",
    )


# ---------------------------------------------------------------------------
# Locality


def locality_only(view):
    @wraps(view)
    @manager_only
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not access.dashboards_can_view_locality(request.user, request.managed_organisation_ids):
            raise PermissionDenied("The locality view is for managers of participating organisations.")
        return view(request, *args, **kwargs)

    return wrapper


@locality_only
def locality(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    query = "" if period.weeks == selectors.DEFAULT_WEEKS else f"?weeks={period.weeks}"
    section = _section(request)
    place = selectors.locality(period, legend=False, section=section)
    section_urls = _section_urls(reverse("dashboards:locality") + query, selectors.sections())
    groups = [
        (
            heading,
            slugify(heading),
            section_urls.get(slugify(heading), ""),
            items,
            any(item.chart.mentions_honos for item in items),
        )
        for heading, items in place.groups
    ]
    urls = {
        "csv": reverse("dashboards:locality_csv") + query,
        "pdf": reverse("dashboards:locality_pdf") + query,
    }
    # The sections (every measure in words, the section's charts and tables by organisation) are
    # most of the page and depend only on the worked-out locality and its URLs: rendered once per
    # locality the memo keeps (selectors.locality), not on every request.
    sections_html = place.rendered.get(query)
    if sections_html is None:
        sections_html = place.rendered[query] = render_to_string(
            "dashboards/_locality_sections.html",
            {
                "locality": place,
                "groups": groups,
                "urls": urls,
                "suppressed": selectors.SUPPRESSED,
            },
        )
    return render(
        request,
        "dashboards/locality.html",
        {
            "locality": place,
            "groups": groups,
            "sections_html": sections_html,
            "chart_key": spc_charts.legend_svg(),
            "period": period,
            "period_form": _period_form(request),
            "suppressed": selectors.SUPPRESSED,
            "small_number": selectors.SMALL_NUMBER,
            "urls": urls,
        },
    )


LOCALITY_TOTAL = "All participating organisations"


@locality_only
def locality_csv(request: HttpRequest) -> HttpResponse:
    period, refused = _download_period(request)
    if refused:
        return refused
    place = selectors.locality(period, draw=False)
    header = [*CSV_HEADER[:4], "organisation", *CSV_HEADER[4:]]
    rows = []
    for item in place.measures:
        definition = item.definition
        for week in item.weeks:
            head = [definition.key, definition.title, definition.unit, week.week.isoformat()]
            for organisation, cell in zip(place.organisations, week.cells, strict=True):
                if cell is None:
                    continue
                if cell.suppressed:
                    rows.append([*head, organisation.name, selectors.SUPPRESSED, selectors.SUPPRESSED])
                else:
                    rows.append([*head, organisation.name, cell.value, cell.n])
        rows.extend(_chart_rows(item.chart, organisation=LOCALITY_TOTAL))
    filename = f"locality-{period.first.isoformat()}-to-{period.last.isoformat()}.csv"
    return _csv_response(filename, header, rows)


@require_POST
@locality_only
def locality_pdf(request: HttpRequest) -> HttpResponse:
    period, refused = _download_period(request)
    if refused:
        return refused
    document = services.pdf_request(kind=DashboardPdf.Kind.LOCALITY, period=period, by=request.user)
    return redirect("dashboards:pdf", pk=document.pk)
