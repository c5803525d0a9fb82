"""The measures an organisation agrees to be held to at the Shared Care meetings (issue 19 item 4):
its managers record them, with a target if any, on the organisation's dashboard's own page; the
meeting pack shows each organisation's performance on them. Same rule as the dashboard: a manager
of that organisation, anyone else a 404 (dualcare.access, dashboards section). Names no person."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dualcare.exceptions import ApplicationError

from . import measures, services
from .forms import AgreedMeasureForm
from .models import AgreedMeasure
from .views import _scope_or_404, dashboard_manager

HISTORY_PER_PAGE = 25


def _render(request: HttpRequest, scope, form: AgreedMeasureForm, *, status: int = 200) -> HttpResponse:
    definitions = measures.definitions()
    rows = list(
        AgreedMeasure.objects.filter(organisation=scope.organisation, withdrawn_at__isnull=True).order_by(
            "measure_key"
        )
    )
    in_force = [(row, definitions.get(row.measure_key)) for row in rows]
    history = Paginator(
        AgreedMeasure.objects.filter(organisation=scope.organisation, withdrawn_at__isnull=False).order_by(
            "-withdrawn_at"
        ),
        HISTORY_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboards/agreed_measures.html",
        {
            "scope": scope,
            "form": form,
            "in_force": in_force,
            "history": [(row, definitions.get(row.measure_key)) for row in history],
            "history_page": history,
            "dashboard_url": reverse("dashboards:organisation", args=[scope.organisation.pk]),
            "pack_url": reverse("dashboards:pack"),
        },
        status=status,
    )


@dashboard_manager
def agreed_measures(request: HttpRequest, pk, kind: str = "organisation") -> HttpResponse:
    scope = _scope_or_404(request, "organisation", pk)
    definitions = measures.definitions()
    if request.method != "POST":
        return _render(request, scope, AgreedMeasureForm(definitions=definitions))
    form = AgreedMeasureForm(request.POST, definitions=definitions)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.agreed_measure_add(
                organisation=scope.organisation,
                measure_key=data["measure_key"],
                target=data["target"],
                agreed_on=data["agreed_on"],
                note=data["note"],
                by=request.user,
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "The measure is agreed. The meeting pack shows it.")
            return redirect(reverse("dashboards:organisation_agreed", args=[pk]))
    return _render(request, scope, form, status=400)


@require_POST
@dashboard_manager
def agreed_measure_withdraw(request: HttpRequest, pk, agreed_pk, kind: str = "organisation") -> HttpResponse:
    scope = _scope_or_404(request, "organisation", pk)
    agreed = AgreedMeasure.objects.filter(pk=agreed_pk, organisation=scope.organisation).first()
    if agreed is None:
        raise Http404("No such agreed measure.")
    try:
        services.agreed_measure_withdraw(agreed=agreed, by=request.user)
    except ApplicationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, "The measure is withdrawn. The meeting pack no longer holds the organisation to it."
        )
    return redirect(reverse("dashboards:organisation_agreed", args=[pk]))
