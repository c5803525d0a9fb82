"""Care-plan pages: the staff plan (sections, add and edit entries, publish, versions, compare,
in-person agreement, PDF), the person's own plan in the portal and the carer's view.

Views are thin: reads through dualcare.access and selectors, writes through services. A
person whose record the viewer may not see is a 404; an entry of another organisation, or
a write by someone whose team does not work with the person, is a 403.
"""

from __future__ import annotations

from django.apps import apps as django_apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from dualcare import access
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError
from dualcare.people.decorators import staff_required
from dualcare.people.models import ServiceUser, User

from . import pdf as plan_pdf
from . import selectors, services
from .forms import CarerViewsForm, EntryForm, MyAgreementForm, PublishForm, StaffAgreementForm, initial_for
from .models import Agreement, PlanEntry, PlanVersion, Section


def _person(request, service_user_pk, action: str) -> tuple[ServiceUser, access.CarePlanAccess]:
    person = access.get_service_user_or_404(request.user, service_user_pk, action=action)
    return person, access.care_plan_access(request.user, person)


def _writing(request, person, organisation_id=None):
    return access.care_plan_writing_team(request.user, person, organisation_id)  # Hidden or Refused


def _links_back(user, person, sections) -> None:
    """An action made from a conversation's message links back to it, on the staff's plan only
    (the person's plan and its PDF carry the words alone): entry.from_message_url."""
    actions = [entry for section in sections if section.key == Section.ACTION for entry in section.entries]
    if not actions or not django_apps.is_installed("conversations"):
        return
    from conversations.selectors import links_back

    links = links_back(user, plan_entries=actions, service_user=person)
    for entry in actions:
        entry.from_message_url = links.get(entry.pk, "")


@staff_required
def plan_detail(request: HttpRequest, service_user_pk) -> HttpResponse:
    person, acc = _person(request, service_user_pk, "careplan.view")
    plan = selectors.plan_of(person)
    version = selectors.current_version(plan)
    sections = selectors.working_sections(acc, plan)
    _links_back(request.user, person, sections)
    return render(
        request,
        "careplans/plan.html",
        {
            # The person's own words waiting for an answer, and their goals' progress (issue 20).
            "own_words_waiting": selectors.own_words_waiting_count(request.user, person),
            "own_goals": selectors.goal_progress(list(selectors.goals_for(request.user, person)[:5])),
            "person": person,
            "plan": plan,
            "acc": acc,
            "sections": sections,
            "version": version,
            "status": selectors.agreement_status(version),
            "today": timezone.localdate(),
        },
    )


@staff_required
def entry_add(request: HttpRequest, service_user_pk, section: str) -> HttpResponse:
    if section not in Section.values:
        raise Http404("No such section.")
    person, acc = _person(request, service_user_pk, "careplan.entry_form")
    _writing(request, person)
    form = EntryForm(request.POST if request.method == "POST" else None, section=section, service_user=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_add(service_user=person, section=section, by=request.user, **form.entry_fields())
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request, f"Added to \u201c{Section(section).label}\u201d. It is not published yet."
            )
            return redirect("careplans:plan", service_user_pk=person.pk)
    return render(
        request,
        "careplans/entry_form.html",
        {"form": form, "person": person, "section_label": Section(section).label, "entry": None},
    )


@staff_required
def entry_edit(request: HttpRequest, pk) -> HttpResponse:
    entry = (
        PlanEntry.objects.select_related("plan", "organisation")
        .filter(pk=pk, removed_at__isnull=True)
        .first()
    )
    if entry is None:
        raise Http404("No such entry.")
    person, acc = _person(request, entry.plan.service_user_id, "careplan.entry_form")
    if not acc.sees_entry(entry.section, entry.organisation_id):
        raise Http404("No such entry.")
    _writing(request, person, entry.organisation_id)
    conflict = None
    if request.method == "POST":
        form = EntryForm(request.POST, section=entry.section, service_user=person)
        if form.is_valid():
            expected = form.cleaned_data.get("version") or 0
            try:
                if request.POST.get("action") == "remove":
                    services.entry_remove(entry=entry, by=request.user, expected_version=expected)
                    messages.success(request, "Entry removed. Published versions keep it as it was.")
                else:
                    services.entry_update(
                        entry=entry, by=request.user, expected_version=expected, **form.entry_fields()
                    )
                    messages.success(request, "Entry saved. It is not published yet.")
            except ApplicationError as error:
                form.add_application_error(error)
                entry.refresh_from_db()
                conflict = entry if entry.removed_at is None else None
                # Their words stay in the form; the hidden version moves on only if they save again.
                data = request.POST.copy()
                data["version"] = str(entry.version)
                form.data = data
            else:
                return redirect("careplans:plan", service_user_pk=person.pk)
    else:
        form = EntryForm(initial=initial_for(entry), section=entry.section, service_user=person)
    if conflict is not None:
        conflict.rows = [
            (selectors.field_label(conflict.section, name), value)
            for name, value in conflict.field_values().items()
            if value
        ]
    return render(
        request,
        "careplans/entry_form.html",
        {
            "form": form,
            "person": person,
            "section_label": entry.get_section_display(),
            "entry": entry,
            "conflict": conflict,
        },
        status=409 if conflict is not None else 200,
    )


@staff_required
def publish(request: HttpRequest, service_user_pk) -> HttpResponse:
    person, acc = _person(request, service_user_pk, "careplan.publish_form")
    _writing(request, person)
    plan = selectors.plan_of(person)
    form = PublishForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.careplan_publish(
                service_user=person, by=request.user, review_due=form.cleaned_data.get("review_due")
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                f"Version {version.number} published. "
                f"{person.known_as} can now read it and say whether they agree.",
            )
            return redirect("careplans:plan", service_user_pk=person.pk)
    return render(
        request,
        "careplans/publish.html",
        {
            "form": form,
            "person": person,
            "plan": plan,
            "default_review": services.default_review_due(timezone.localdate()),
        },
    )


@staff_required
def versions(request: HttpRequest, service_user_pk) -> HttpResponse:
    person, acc = _person(request, service_user_pk, "careplan.versions")
    plan = selectors.plan_of(person)
    return render(
        request,
        "careplans/versions.html",
        {"person": person, "plan": plan, "versions": list(selectors.versions_of(plan))},
    )


def _version_for_staff(request, pk, action: str) -> tuple[PlanVersion, ServiceUser, access.CarePlanAccess]:
    version = (
        PlanVersion.objects.select_related("plan", "published_by", "published_by_organisation")
        .filter(pk=pk)
        .first()
    )
    if version is None:
        raise Http404("No such version.")
    person, acc = _person(request, version.plan.service_user_id, action)
    return version, person, acc


@staff_required
def version_detail(request: HttpRequest, pk) -> HttpResponse:
    version, person, acc = _version_for_staff(request, pk, "careplan.version_view")
    return render(
        request,
        "careplans/version.html",
        {
            "person": person,
            "version": version,
            "sections": selectors.version_sections(acc, version),
            "status": selectors.agreement_status(version),
            "is_current": version.number == version.plan.current_version_number,
            "can_record": acc.can_write,
            "can_download": acc.may_download(version),
        },
    )


@staff_required
def compare(request: HttpRequest, service_user_pk) -> HttpResponse:
    person, acc = _person(request, service_user_pk, "careplan.compare")
    plan = selectors.plan_of(person)
    all_versions = list(selectors.versions_of(plan))
    numbers = [v.number for v in all_versions]
    error = None
    changes = None
    older = newer = None
    try:
        a = int(request.GET.get("from") or (numbers[1] if len(numbers) > 1 else 0))
        b = int(request.GET.get("to") or (numbers[0] if numbers else 0))
    except ValueError:
        a = b = 0
    if len(numbers) < 2:
        error = (
            "There is only one published version, so there is nothing to compare yet." if numbers else None
        )
    elif a not in numbers or b not in numbers:
        error = "Choose two versions of this plan to compare."
    elif a == b:
        error = "Choose two different versions to compare."
    else:
        a, b = min(a, b), max(a, b)
        older = PlanVersion.objects.get(plan=plan, number=a)
        newer = PlanVersion.objects.get(plan=plan, number=b)
        changes = selectors.compare(acc, older, newer)
    return render(
        request,
        "careplans/compare.html",
        {
            "person": person,
            "versions": all_versions,
            "older": older,
            "newer": newer,
            "changes": changes,
            "compare_error": error,
            "a": a,
            "b": b,
        },
        status=400 if error and len(numbers) >= 2 else 200,
    )


@staff_required
def agreement_in_person(request: HttpRequest, pk) -> HttpResponse:
    version, person, acc = _version_for_staff(request, pk, "careplan.agreement_form")
    _writing(request, person)
    form = StaffAgreementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_record(
                version=version,
                by=request.user,
                kind=form.cleaned_data["kind"],
                comment=form.cleaned_data["comment"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Their answer has been recorded.")
            return redirect("careplans:plan", service_user_pk=person.pk)
    return render(
        request, "careplans/agreement_form.html", {"form": form, "person": person, "version": version}
    )


def _pdf_response(request, version: PlanVersion, person: ServiceUser, *, back_url: str) -> HttpResponse:
    if not version.pdf:
        # Rendered on publishing; an older version without one (an import, say) is rendered now.
        services.queue_pdf(version.pk)
        response = render(
            request,
            "careplans/pdf_pending.html",
            {"version": version, "person": person, "back_url": back_url},
        )
        response.status_code = 202
        response["Retry-After"] = "30"
        return response
    response = FileResponse(
        version.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"care-plan-version-{version.number}.pdf",
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_required
def version_pdf(request: HttpRequest, pk) -> HttpResponse:
    version, person, acc = _version_for_staff(request, pk, "careplan.pdf")
    # The PDF is the person's copy: the whole plan. Staff who may not see every entry get the page instead.
    if not acc.may_download(version):
        raise PermissionDenied(
            "This copy includes parts of the plan your organisation has no consent to see."
        )
    return _pdf_response(request, version, person, back_url=f"/care-plans/versions/{version.pk}/")


# ---------------------------------------------------------------------------
# The person's own plan


def _crisis_first(sections: list) -> list:
    """The crisis plan at the top of the person's own pages: it is what they need in a hurry."""
    return sorted(sections, key=lambda section: section.key != Section.CRISIS)


def _own_person(request) -> ServiceUser:
    person = access.service_user_of(request.user)
    if person is None:
        raise Http404("No such page.")
    return person


@login_required
def my_plan(request: HttpRequest) -> HttpResponse:
    """The person's current published plan in plain words, with agree or say what to change."""
    person = _own_person(request)
    acc = access.care_plan_access(request.user, person)
    plan = selectors.plan_of(person)
    version = selectors.current_version(plan)
    form = MyAgreementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if version is None:
            raise Http404("No published plan.")
        if form.is_valid():
            try:
                services.agreement_record(
                    version=version,
                    by=request.user,
                    kind=form.cleaned_data["kind"],
                    comment=form.cleaned_data["comment"],
                )
            except ApplicationError as error:
                form.add_application_error(error)
            else:
                messages.success(
                    request,
                    _("Thank you. You have agreed your care plan.")
                    if form.cleaned_data["kind"] == Agreement.Kind.AGREED
                    else _("Thank you. Your care team will read what you would change and talk to you."),
                )
                return redirect("my_care_plan:plan")
    else:
        audit_record(actor=request.user, action="careplan.view_own", target=person)
    writers = [org["name"] for org in version.contributors if org.get("wrote_entries")] if version else []
    return render(
        request,
        "careplans/my_plan.html",
        {
            "person": person,
            "version": version,
            "sections": _crisis_first(selectors.version_sections(acc, version, reader="person"))
            if version
            else [],
            "status": selectors.agreement_status(version),
            "form": form,
            "review_overdue": plan.review_overdue() if plan else False,
            "writers": writers,
            "writers_joined": get_text_list(writers, _("and")),
        },
    )


@login_required
def my_plan_pdf(request: HttpRequest) -> HttpResponse:
    person = _own_person(request)
    version = selectors.current_version(selectors.plan_of(person))
    if version is None:
        raise Http404("No published plan.")
    audit_record(actor=request.user, action="careplan.pdf_own", target=person)
    language = plan_pdf.person_language(person)
    if version.pdf and language != User.Language.ENGLISH:
        # The stored copy is rendered in English once, on publishing; another language is
        # rendered for the person when they ask (a few hundred ms for a plan of a few pages).
        return _pdf_bytes_response(plan_pdf.version_pdf(version, language=language), version, "care-plan")
    return _pdf_response(request, version, person, back_url="/my/care-plan/")


@login_required
def my_plan_easy_read_pdf(request: HttpRequest) -> HttpResponse:
    """The person's plan in easy read (short sentences, one idea a line, large type)."""
    person = _own_person(request)
    version = selectors.current_version(selectors.plan_of(person))
    if version is None:
        raise Http404("No published plan.")
    audit_record(actor=request.user, action="careplan.pdf_own", target=person, detail={"easy_read": True})
    return _pdf_bytes_response(plan_pdf.easy_read_pdf(version), version, "care-plan-easy-read")


def _pdf_bytes_response(content: bytes, version: PlanVersion, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}-version-{version.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------
# The carer's view


@login_required
def carer_plans(request: HttpRequest) -> HttpResponse:
    """The carer's way in: the people who let them see their care plan."""
    if request.user.kind != User.Kind.CARER:
        raise Http404("No such page.")
    people = [
        person
        for person in access.cared_for_by(request.user).order_by("given_name")
        if access.care_plan_access(request.user, person).can_view
    ]
    if len(people) == 1:
        return redirect("careplans:carer", service_user_pk=people[0].pk)
    return render(request, "careplans/carer_plans.html", {"people": people})


@login_required
def carer_plan(request: HttpRequest, service_user_pk) -> HttpResponse:
    """What the person allows their carer to see of the published plan, and the carer's views."""
    if request.user.kind != User.Kind.CARER:
        raise Http404("No such page.")
    person = access.cared_for_by(request.user).filter(pk=service_user_pk).first()
    acc = access.care_plan_access(request.user, person) if person is not None else None
    if person is None or not acc.can_view:
        audit_record(
            actor=request.user,
            action="careplan.carer_view",
            denied=True,
            detail={"requested_id": str(service_user_pk)},
        )
        raise Http404("No such page.")
    version = selectors.current_version(selectors.plan_of(person))
    form = CarerViewsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and version is not None and form.is_valid():
        try:
            services.agreement_record(
                version=version,
                by=request.user,
                kind=Agreement.Kind.CARER_VIEWS,
                comment=form.cleaned_data["comment"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Thank you. Your views have been shared with the care team.")
            return redirect("careplans:carer", service_user_pk=person.pk)
    if request.method != "POST":
        audit_record(actor=request.user, action="careplan.carer_view", target=person)
    return render(
        request,
        "careplans/carer_plan.html",
        {
            "person": person,
            "version": version,
            "sections": selectors.version_sections(acc, version, reader="carer", known_as=person.known_as)
            if version
            else [],
            "form": form,
        },
    )
