"""Directory pages: the search (every member of staff), one entry, and the keeper's pages (an
organisation admin's entries, a new or edited entry, marking one checked, importing a file).

Views are thin: reads through selectors, writes through services, who may do what through access.
Entries name no person, so reading them writes no audit row; every write does (the services).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dualcare import access, clock
from dualcare.exceptions import ApplicationError
from dualcare.people.decorators import login_and_404_unless, service_user_required
from dualcare.people.models import Team

from . import selectors, services
from .forms import EntryForm, ImportForm, SearchForm
from .models import ImportRun, Service

PAGE_SIZE = 25

staff_reader_required = login_and_404_unless(access.directory_can_read)
keeper_required = login_and_404_unless(lambda user: access.directory_keeper_organisations(user).exists())


def search_from(form: SearchForm) -> selectors.Search:
    data = form.cleaned_data
    return selectors.Search(
        words=data.get("q") or "",
        need=form.needs.get(data.get("need") or ""),
        place=data.get("place") or "",
        age=data.get("age"),
        gender=data.get("gender") or "",
        area=data.get("area") or "",
        open_now=bool(data.get("open_now")),
    )


def search_page(request: HttpRequest, *, template: str, extra: dict | None = None) -> HttpResponse:
    """The search and a page of its results (staff's and the portal's pages share it)."""
    portal = bool(extra and extra.get("portal"))
    form = SearchForm(request.GET or None, needs=list(selectors.needs()), portal=portal)
    searched = bool(request.GET) and form.is_valid()
    search = search_from(form) if searched else selectors.Search()
    rows = selectors.listed(selectors.services_search(search))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page") if searched or not request.GET else 1)
    query = (
        urlencode({key: value for key, value in request.GET.items() if key != "page" and value})
        if searched
        else ""
    )
    status = 400 if form.errors else 200
    context = {"form": form, "page": page, "query": query, "searched": searched, **(extra or {})}
    return render(request, template, context, status=status)


@staff_reader_required
def search(request: HttpRequest) -> HttpResponse:
    return search_page(
        request,
        template="directory/search.html",
        extra={"keeps": access.directory_keeper_organisations(request.user).exists()},
    )


@staff_reader_required
def detail(request: HttpRequest, pk) -> HttpResponse:
    service = selectors.entry(pk)
    if service is None:
        raise Http404("No such directory entry.")
    return render(
        request,
        "directory/detail.html",
        {
            "service": service,
            "can_keep": access.directory_can_keep(request.user, service.keeper_id),
            "out_of_date": service.last_checked < services.stale_before(),
        },
    )


@keeper_required
def kept(request: HttpRequest) -> HttpResponse:
    organisations = list(access.directory_keeper_organisations(request.user))
    rows = selectors.kept_by([organisation.pk for organisation in organisations]).order_by(
        "last_checked", "name", "pk"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    runs = ImportRun.objects.filter(keeper__in=organisations).select_related("keeper")[:5]
    return render(
        request,
        "directory/kept.html",
        {"page": page, "organisations": organisations, "runs": runs, "stale_before": services.stale_before()},
    )


def _entry_form(request, *, keeper, service=None):
    teams = Team.objects.filter(organisation=keeper, is_active=True).order_by("name")
    initial = EntryForm.initial_from(service) if service is not None else None
    return EntryForm(request.POST or None, initial=initial, needs=list(selectors.needs()), teams=list(teams))


def _save(request, form, *, keeper, service=None, template):
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.directory_entry_save(
                by=request.user, keeper=keeper, record=form.record(existing=service)
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(request, "Entry saved. It is marked checked today.")
            return redirect("directory:detail", pk=saved.pk)
    status = 400 if form.errors else 200
    return render(request, template, {"form": form, "service": service, "keeper": keeper}, status=status)


@keeper_required
def create(request: HttpRequest) -> HttpResponse:
    keeper = access.directory_keeper_organisations(request.user).order_by("name").first()
    form = _entry_form(request, keeper=keeper)
    return _save(request, form, keeper=keeper, template="directory/edit.html")


@keeper_required
def edit(request: HttpRequest, pk) -> HttpResponse:
    service = access.directory_get_kept_or_404(request.user, selectors.full(Service.objects.all()), pk)
    form = _entry_form(request, keeper=service.keeper, service=service)
    return _save(request, form, keeper=service.keeper, service=service, template="directory/edit.html")


@keeper_required
@require_POST
def checked(request: HttpRequest, pk) -> HttpResponse:
    service = access.directory_get_kept_or_404(request.user, Service.objects.all(), pk)
    services.directory_entry_mark_checked(by=request.user, service=service)
    flash.success(request, f"Marked checked on {clock.today():%-d %B %Y}.")
    return redirect("directory:detail", pk=service.pk)


@keeper_required
def import_file(request: HttpRequest) -> HttpResponse:
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        keepers=access.directory_keeper_organisations(request.user),
    )
    run = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = services.directory_import(
                keeper=form.keeper_objects[form.cleaned_data["keeper"]],
                by=request.user,
                file_name=upload.name,
                content=upload.read(),
            )
        except ApplicationError as error:
            form.add_application_error(error)
    status = 400 if form.errors else 200
    return render(request, "directory/import.html", {"form": form, "run": run}, status=status)


@service_user_required
def mine(request: HttpRequest) -> HttpResponse:
    """The person's "Services near you": the same search, in their words."""
    return search_page(request, template="directory/mine.html", extra={"portal": True})


@service_user_required
def mine_detail(request: HttpRequest, pk) -> HttpResponse:
    service = selectors.entry(pk)
    if service is None or service.status == Service.Status.DEFUNCT:
        raise Http404("No such service.")
    return render(request, "directory/mine_detail.html", {"service": service, "portal": True})
