"""Leaflets and information packs (issue 18, item 6): an entry's one-page leaflet, the list of
packs (searchable, paginated), a pack with its entries and documents in order and its PDF, and the
keeper's pages (a new pack, an entry or an uploaded document added, an item moved or removed).

Views are thin: reads through pack_selectors, writes through pack_services, who may do what
through access (directory_packs). None of these pages names a person, so reading them writes no
audit row; every write does (the services), and every refusal does (the audit middleware).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dualcare import access
from dualcare.exceptions import ApplicationError
from dualcare.people.decorators import login_and_404_unless

from . import pack_pdf, pack_selectors, pack_services, selectors
from .documents import MAX_DOCUMENT_PAGES
from .pack_forms import AddToPackForm, DocumentForm, PackForm, PackSearchForm
from .pack_models import Document, InformationPack, PackItem

PAGE_SIZE = 25
# The entry page's "add to a pack" offers the user's organisations' packs, by title.
PACK_CHOICES = 200

staff_reader_required = login_and_404_unless(access.directory_can_read)
pack_reader_required = login_and_404_unless(access.directory_packs_can_read)


def _pdf(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    # A neutral file name; opened in the browser, to print.
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_reader_required
def leaflet(request: HttpRequest, pk) -> HttpResponse:
    service = selectors.entry(pk)
    if service is None:
        raise Http404("No such directory entry.")
    return _pdf(pack_pdf.leaflet_pdf(service), "leaflet.pdf")


@pack_reader_required
def packs(request: HttpRequest) -> HttpResponse:
    form = PackSearchForm(request.GET or None)
    words = form.cleaned_data["q"] if request.GET and form.is_valid() else ""
    page = Paginator(pack_selectors.packs_search(words), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "query": f"q={words}" if words else "",
        "can_create": bool(access.directory_pack_organisation_ids(request.user)),
    }
    return render(request, "directory/packs.html", context, status=400 if form.errors else 200)


@pack_reader_required
def pack_create(request: HttpRequest) -> HttpResponse:
    teams = list(access.directory_pack_teams(request.user))
    if not teams:
        raise Http404("No team of yours can have a pack.")
    own = access.teams_of(request.user).order_by("name").values_list("pk", flat=True).first()
    form = PackForm(request.POST or None, teams=teams, initial={"team": str(own)} if own else None)
    if request.method == "POST" and form.is_valid():
        try:
            pack = pack_services.pack_create(
                by=request.user,
                team=form.team_objects[form.cleaned_data["team"]],
                title=form.cleaned_data["title"],
                introduction=form.cleaned_data["introduction"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(request, "Pack made. Add entries from the directory and upload documents.")
            return redirect("directory:pack", pk=pack.pk)
    return render(request, "directory/pack_new.html", {"form": form}, status=400 if form.errors else 200)


@pack_reader_required
def pack_detail(request: HttpRequest, pk) -> HttpResponse:
    pack = access.directory_get_pack_or_404(request.user, pack_selectors.pack(pk), pk)
    return render(
        request,
        "directory/pack.html",
        {
            "pack": pack,
            "items": pack_selectors.pack_items(pack),
            "can_keep": access.directory_pack_can_keep(request.user, pack.team.organisation_id),
        },
    )


@pack_reader_required
def pack_print(request: HttpRequest, pk) -> HttpResponse:
    pack = access.directory_get_pack_or_404(request.user, pack_selectors.pack(pk), pk)
    return _pdf(pack_pdf.pack_pdf(pack, pack_selectors.pack_items(pack)), "information-pack.pdf")


@pack_reader_required
def pack_document_add(request: HttpRequest, pk) -> HttpResponse:
    pack = access.directory_get_pack_kept_or_404(request.user, pack_selectors.pack(pk), pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            pack_services.pack_document_add(
                by=request.user,
                pack=pack,
                title=form.cleaned_data["title"],
                content=form.cleaned_data["file"].read(),
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(request, "Document uploaded and added to the end of the pack.")
            return redirect("directory:pack", pk=pack.pk)
    context = {
        "form": form,
        "pack": pack,
        "max_megabytes": f"{settings.DIRECTORY_UPLOAD_MAX_BYTES / (1024 * 1024):g} MB",
        "max_pages": MAX_DOCUMENT_PAGES,
    }
    return render(request, "directory/pack_document.html", context, status=400 if form.errors else 200)


def _kept_item(request, pk, item_pk) -> tuple[InformationPack, PackItem]:
    pack = access.directory_get_pack_kept_or_404(request.user, InformationPack.objects.all(), pk)
    item = PackItem.objects.filter(pk=item_pk, pack=pack).first()
    if item is None:
        raise access.Hidden("No such item in this pack.")
    return pack, item


@pack_reader_required
@require_POST
def pack_item_move(request: HttpRequest, pk, item_pk) -> HttpResponse:
    pack, item = _kept_item(request, pk, item_pk)
    try:
        pack_services.pack_item_move(
            by=request.user, pack=pack, item=item, direction=request.POST.get("direction", "")
        )
    except ApplicationError as error:
        flash.error(request, error.message)
    return redirect("directory:pack", pk=pack.pk)


@pack_reader_required
@require_POST
def pack_item_remove(request: HttpRequest, pk, item_pk) -> HttpResponse:
    pack, item = _kept_item(request, pk, item_pk)
    try:
        pack_services.pack_item_remove(by=request.user, pack=pack, item=item)
    except ApplicationError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, "Taken out of the pack.")
    return redirect("directory:pack", pk=pack.pk)


@pack_reader_required
def entry_add_to_pack(request: HttpRequest, pk) -> HttpResponse:
    service = selectors.entry(pk)
    if service is None:
        raise Http404("No such directory entry.")
    kept = pack_selectors.packs_kept_by(access.directory_pack_organisation_ids(request.user))
    form = AddToPackForm(request.POST or None, packs=list(kept[:PACK_CHOICES]))
    if request.method == "POST" and form.is_valid():
        pack = form.pack_objects[form.cleaned_data["pack"]]
        try:
            pack_services.pack_entry_add(by=request.user, pack=pack, service=service)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(request, f"{service.name} added to the end of {pack.title}.")
            return redirect("directory:pack", pk=pack.pk)
    return render(
        request,
        "directory/add_to_pack.html",
        {"form": form, "service": service},
        status=400 if form.errors else 200,
    )


@pack_reader_required
def document_file(request: HttpRequest, pk) -> FileResponse:
    """A document's PDF, to signed-in staff of a participating organisation only (never a
    public media URL): by its id, under a neutral name."""
    document = access.directory_get_document_or_404(request.user, Document.objects.all(), pk)
    try:
        stored = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The document's file is missing.") from None
    response = FileResponse(stored, content_type="application/pdf", filename="document.pdf")
    response["Content-Disposition"] = 'inline; filename="document.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
