"""The person's timeline page (staff): one page of entries, newest first, with its filters.

One audit row per page view of the person (access.get_service_user_or_404: a read, or a refusal as
a 404 for someone who may not see them); the entries come from dualcare.timeline.selectors in two
statements whatever the history."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dualcare import access
from dualcare.people.decorators import staff_required
from dualcare.people.models import Organisation

from .forms import TimelineFilterForm
from .selectors import PAGE_SIZE, timeline_for


@staff_required
def person_timeline(request: HttpRequest, pk) -> HttpResponse:
    with access.record_checks_once():
        service_user = access.get_service_user_or_404(request.user, pk, action="timeline.view")
        form = TimelineFilterForm(request.GET, organisations=Organisation.objects.order_by("name"))
        form.is_valid()
        rows = timeline_for(request.user, service_user, form.wanted())
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "timeline/person.html",
            {
                "person": service_user,
                "form": form,
                "page": page,
                "entries": page.object_list,
                "query": form.query_string(),
                "filtered": bool(
                    request.GET.get("kind") or request.GET.get("organisation") or request.GET.get("q")
                ),
            },
        )
