"""The Shared Care meeting pack's pages (issue 19 item 4): the pack for a period (the last quarter
unless another is asked for), and its PDF, prepared by a worker as the other dashboard PDFs are
(DashboardPdf, kind "pack"). For managers of participating organisations, as the locality view."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dualcare.audit.services import audit_record
from dualcare.spc import charts as spc_charts

from . import pack as packs
from . import selectors, services
from .forms import PeriodForm
from .models import DashboardPdf
from .views import locality_only

PACK_WEEKS = 13  # a quarter: what a Shared Care meeting looks back over


def _form(request: HttpRequest) -> PeriodForm:
    form = PeriodForm(request.GET, default=PACK_WEEKS)
    form.is_valid()
    return form


def _query(period) -> str:
    return "" if period.weeks == PACK_WEEKS else f"?weeks={period.weeks}"


@locality_only
def meeting_pack(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    period = selectors.period_for(form.weeks_chosen(PACK_WEEKS))
    the_pack = packs.pack(period)
    audit_record(actor=request.user, action="dashboard.pack_view", detail={"weeks": period.weeks})
    query = _query(period)
    return render(
        request,
        "dashboards/pack.html",
        {
            "pack": the_pack,
            "period": period,
            "period_form": form,
            "chart_key": spc_charts.legend_svg(),
            "suppressed": selectors.SUPPRESSED,
            "small_number": selectors.SMALL_NUMBER,
            "pdf_url": reverse("dashboards:pack_pdf") + query,
            "locality_url": reverse("dashboards:locality") + ("" if not query else f"?weeks={period.weeks}"),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@locality_only
def meeting_pack_pdf(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if form.errors:
        message = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    period = selectors.period_for(form.weeks_chosen(PACK_WEEKS))
    document = services.pdf_request(kind=DashboardPdf.Kind.PACK, period=period, by=request.user)
    return redirect("dashboards:pdf", pk=document.pk)
