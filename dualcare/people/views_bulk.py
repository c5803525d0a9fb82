"""Organisation admin pages for people in bulk (issue 21, item 4): importing people and caseloads
from a CSV file (upload, the dry run's report, confirm; the import's report as a page and a CSV
file), and merging two records of one person (preview, merge, undo). Thin: the rules are in
access.bulk_people, the writes in importing.py and merging.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from dualcare import access
from dualcare.audit.services import audit_reads, audit_record
from dualcare.exceptions import ApplicationError

from . import importing, merging
from .decorators import staff_required
from .forms_bulk import PeopleImportForm, PeopleMergeForm
from .models import Involvement, PeopleImport, PersonMerge, ServiceUser

PAGE_SIZE = 50
SHOWN_PER_OUTCOME = 100  # the dry run's page lists this many rows of each outcome; the CSV has all


def _import_organisation_or_404(request: HttpRequest, organisation_pk):
    organisations = access.people_import_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied("These pages are for organisation admins.")
    return get_object_or_404(organisations, pk=organisation_pk)


def _decisions(post) -> dict[int, str]:
    decisions = {}
    for name, value in post.items():
        if name.startswith("decision-") and name[9:].isdigit() and value in (importing.SAME, importing.NEW):
            decisions[int(name[9:])] = value
    return decisions


def _records_shown(request, organisation, person_ids) -> dict:
    """The records a report shows for someone to confirm (possible matches): name, date of birth,
    NHS number and the organisations involved, each read audited. Two queries."""
    people = {p.pk: p for p in ServiceUser.objects.filter(pk__in=person_ids)}
    organisations: dict = {}
    for person_id, name in (
        Involvement.objects.filter(service_user_id__in=people)
        .values_list("service_user_id", "team__organisation__name")
        .distinct()
        .order_by("team__organisation__name")
    ):
        organisations.setdefault(person_id, []).append(name)
    audit_reads(
        actor=request.user,
        action="service_user.import_possible_match",
        target_type="people.serviceuser",
        read=dict.fromkeys(people, 1),
        organisations={None: organisation.pk},
    )
    return {pk: (person, organisations.get(pk, [])) for pk, person in people.items()}


@staff_required
def people_import(request: HttpRequest, organisation_pk) -> HttpResponse:
    """Upload a CSV file, see what importing it would do (a dry run: nothing written), confirm."""
    organisation = _import_organisation_or_404(request, organisation_pk)
    form = PeopleImportForm(request.POST, request.FILES) if request.method == "POST" else PeopleImportForm()
    text, error = "", ""
    if request.method == "POST" and "text" in request.POST:
        text = request.POST["text"]
        if len(text.encode()) > importing.PAGE_MAX_BYTES:
            error = "The file must be smaller than 1 MB. Import larger files with the import_people command."
        elif "confirm" in request.POST:
            try:
                report = importing.people_import(
                    organisation=organisation, text=text, by=request.user, decisions=_decisions(request.POST)
                )
            except ApplicationError as exc:
                error = exc.message
            else:
                if report.record is not None:
                    messages.success(
                        request,
                        f"Imported: {report.count(importing.CREATED)} created, "
                        f"{report.count(importing.MATCHED)} matched.",
                    )
                    return redirect("people_import_report", pk=report.record.pk)
                error = " ".join(report.file_errors)
        elif "download" in request.POST:
            report = importing.people_import_dry_run(
                organisation=organisation, text=text, decisions=_decisions(request.POST)
            )
            response = HttpResponse(
                importing.report_csv(importing.plan_rows(report), dry_run=True), content_type="text/csv"
            )
            response["Content-Disposition"] = 'attachment; filename="import-check.csv"'
            return response
    elif request.method == "POST" and form.is_valid():
        text = form.cleaned_data["file"]
    context = {"organisation": organisation, "form": form, "error": error, "columns": importing.COLUMNS}
    if text and not error:
        report = importing.people_import_dry_run(
            organisation=organisation, text=text, decisions=_decisions(request.POST)
        )
        if len(report.rows) > importing.PAGE_MAX_ROWS:
            error = (
                f"Import at most {importing.PAGE_MAX_ROWS:,} rows here. Import larger files with the command."
            )
        elif report.file_errors:
            error = " ".join(report.file_errors)
        else:
            possible = report.of(importing.POSSIBLE)[:SHOWN_PER_OUTCOME]
            records = _records_shown(request, organisation, {p.person_id for p in possible if p.person_id})
            context.update(
                report=report,
                text=text,
                counts=report.counts,
                refused=report.of(importing.REFUSED)[:SHOWN_PER_OUTCOME],
                matched=report.of(importing.MATCHED)[:SHOWN_PER_OUTCOME],
                possible=[(plan, records.get(plan.person_id)) for plan in possible],
                shown=SHOWN_PER_OUTCOME,
            )
    context["error"] = error
    if not text or error:
        imports = PeopleImport.objects.filter(organisation=organisation).only(
            "pk", "created_at", "created", "matched", "refused"
        )
        context["page"] = Paginator(imports, 25).get_page(request.GET.get("page"))
    status = 400 if (error or form.errors) else 200
    return render(request, "organisation/people_import.html", context, status=status)


def _import_record_or_404(request: HttpRequest, pk) -> PeopleImport:
    organisations = access.people_import_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied("These pages are for organisation admins.")
    return get_object_or_404(
        PeopleImport.objects.select_related("organisation"), pk=pk, organisation__in=organisations
    )


@staff_required
def people_import_report(request: HttpRequest, pk) -> HttpResponse:
    """An import's report: its counts, and its rows by outcome (paginated, by row number)."""
    record = _import_record_or_404(request, pk)
    outcome = request.GET.get("outcome", "")
    rows = record.rows
    if outcome in importing.OUTCOMES:
        rows = [row for row in rows if row["outcome"] == outcome]
    row_number = request.GET.get("row", "").strip()
    if row_number.isdigit():
        rows = [row for row in rows if row["row"] == int(row_number)]
    for row in rows:
        row["outcome_words"] = importing.OUTCOMES[row["outcome"]]
    query = urlencode({k: v for k, v in (("outcome", outcome), ("row", row_number)) if v})
    return render(
        request,
        "organisation/people_import_report.html",
        {
            "record": record,
            "organisation": record.organisation,
            "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "outcomes": importing.OUTCOMES,
            "outcome": outcome,
            "row_number": row_number,
            "query": query,
        },
    )


@staff_required
def people_import_report_csv(request: HttpRequest, pk) -> HttpResponse:
    record = _import_record_or_404(request, pk)
    response = HttpResponse(importing.report_csv(record.rows, dry_run=False), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="import-{record.created_at:%Y-%m-%d}.csv"'
    return response


# ---------------------------------------------------------------------------
# Merging two records of one person


def _merging_admin(request: HttpRequest) -> None:
    if not access.people_can_merge_any(request.user):
        raise PermissionDenied("These pages are for organisation admins.")


def _summary(person: ServiceUser) -> dict:
    return {
        "person": person,
        "organisations": sorted(
            set(
                Involvement.objects.filter(service_user=person).values_list(
                    "team__organisation__name", flat=True
                )
            )
        ),
    }


def _audit_shown(request, *people, action: str) -> None:
    audit_reads(
        actor=request.user,
        action=action,
        target_type="people.serviceuser",
        read={person.pk: 1 for person in people},
        organisations={},
    )


@staff_required
def people_merge(request: HttpRequest) -> HttpResponse:
    """Two records of one person: the preview (both records, what would move, what stands in the
    way), then the merge. Records the admin may not merge are refused alike whether or not they
    exist."""
    _merging_admin(request)
    form = PeopleMergeForm(request.POST) if request.method == "POST" else PeopleMergeForm()
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        kept = ServiceUser.objects.filter(pk=form.cleaned_data["kept"]).first()
        merged = ServiceUser.objects.filter(pk=form.cleaned_data["merged"]).first()
        if kept is None or merged is None or not access.people_can_merge(request.user, kept, merged):
            for person in (kept, merged):
                if person is not None:
                    audit_record(actor=request.user, action="service_user.merge", target=person, denied=True)
            form.add_error(
                "kept",
                "You cannot merge these records: check the ids. Records another organisation has been "
                "involved with are merged by a system admin.",
            )
        elif "confirm" in request.POST:
            try:
                merge = merging.people_merge(
                    kept=kept, merged=merged, by=request.user, reason=form.cleaned_data["reason"]
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "The records are merged. You can undo this from this page.")
                return redirect("people_merge_detail", pk=merge.pk)
        if not form.errors:
            _audit_shown(request, kept, merged, action="service_user.merge_preview")
            context.update(
                kept=_summary(kept),
                merged=_summary(merged),
                problems=merging.people_merge_check(kept=kept, merged=merged),
                counts=merging.people_merge_counts(merged),
            )
    merges = PersonMerge.objects.filter(by=request.user).only("pk", "created_at", "undone_at", "undo_until")
    context["page"] = Paginator(merges, 25).get_page(request.GET.get("page"))
    return render(request, "organisation/people_merge.html", context, status=400 if form.errors else 200)


def _merge_or_404(request: HttpRequest, pk) -> PersonMerge:
    _merging_admin(request)
    merge = get_object_or_404(PersonMerge.objects.select_related("kept", "merged"), pk=pk)
    if not access.people_can_merge(request.user, merge.kept, merge.merged):
        for person in (merge.kept, merge.merged):
            audit_record(actor=request.user, action="service_user.merge", target=person, denied=True)
        raise access.Hidden()
    return merge


@staff_required
def people_merge_detail(request: HttpRequest, pk) -> HttpResponse:
    merge = _merge_or_404(request, pk)
    _audit_shown(request, merge.kept, merge.merged, action="service_user.merge_view")
    moved = sum(len(pks) for pks in merge.moved.values())
    return render(
        request,
        "organisation/people_merge_detail.html",
        {"merge": merge, "kept": _summary(merge.kept), "merged": _summary(merge.merged), "moved": moved},
    )


@staff_required
@require_POST
def people_merge_undo(request: HttpRequest, pk) -> HttpResponse:
    merge = _merge_or_404(request, pk)
    try:
        merging.people_merge_undo(merge=merge, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The merge is undone: the records are two again, as they were.")
    return redirect("people_merge_detail", pk=merge.pk)
