"""Link-worker pages: the register (coverage), appointing and ending, training, meetings with
agenda, cases notified ahead, attendance, minutes and actions, "my actions", and measures.

Reads through dualcare.access and selectors, writes through services. Someone with no part in
the link system (service users, carers, pharmacists, staff without a role here) gets a 404;
someone who may see a page but not make a change gets a 403.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dualcare import access
from dualcare.exceptions import ApplicationError
from dualcare.people.decorators import login_and_404_unless
from dualcare.people.forms import PeopleSearchForm
from dualcare.people.models import StaffRole, Team, User
from dualcare.people.search import search_people

from . import ics, pdf, selectors, services
from .forms import (
    ActionForm,
    AppointForm,
    AttendanceForm,
    CaseForm,
    EndForm,
    ItemForm,
    ScheduleForm,
    SupervisionForm,
    TrainingForm,
)
from .models import Action, AgendaItem, Appointment, Meeting

# People a search on the notify page shows at once: enough to pick from, few enough to read.
NOTIFY_RESULTS = 20

register_viewer = login_and_404_unless(access.linkworkers_can_view_register)
meeting_viewer = login_and_404_unless(access.linkworkers_can_view_meetings)
case_notifier = login_and_404_unless(access.linkworkers_can_notify)
staff_only = login_and_404_unless(lambda user: user.kind == User.Kind.STAFF and user.is_active)


def _can_record_training(user) -> bool:
    return access.has_role(user, StaffRole.Role.TEAM_MANAGER, StaffRole.Role.ORG_ADMIN)


@register_viewer
def coverage(request: HttpRequest) -> HttpResponse:
    teams = selectors.coverage()
    administered = set(access.organisations_administered_by(request.user).values_list("pk", flat=True))
    managed_orgs = set(
        access.active_roles(request.user)
        .filter(role=StaffRole.Role.TEAM_MANAGER)
        .values_list("team__organisation_id", flat=True)
    )
    return render(
        request,
        "linkworkers/coverage.html",
        {
            "teams": teams,
            "gaps": [t for t in teams if t.gap or t.all_leaving],
            "my_gaps": [t for t in teams if (t.gap or t.all_leaving) and t.organisation_id in managed_orgs],
            "administered": administered,
            "can_appoint": bool(administered),
            "covered": sum(1 for t in teams if not t.gap),
        },
    )


@register_viewer
def appoint(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.filter(
        is_active=True, organisation__in=access.organisations_administered_by(request.user)
    ).select_related("organisation")
    if not teams.exists():
        raise PermissionDenied("Only organisation admins appoint link workers.")
    form = AppointForm(request.POST or None, teams=teams, initial={"team": request.GET.get("team")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.appointment_create(
                team=data["team"],
                user=data["user"],
                deputy=data["deputy"],
                start=data["start"],
                end=data["end"],
                by=request.user,
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request, f"{appointment.user.display_name} is link worker of {appointment.team.name}."
            )
            return redirect("linkworkers:coverage")
    return render(request, "linkworkers/appoint.html", {"form": form})


@register_viewer
def appointment_end(request: HttpRequest, pk) -> HttpResponse:
    appointment = get_object_or_404(Appointment.objects.select_related("team__organisation", "user"), pk=pk)
    if not access.linkworkers_can_appoint(request.user, appointment.team):
        raise PermissionDenied("Only an admin of the team's organisation can end this appointment.")
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_end(appointment=appointment, end=form.cleaned_data["end"], by=request.user)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "The appointment end date is recorded.")
            return redirect("linkworkers:coverage")
    return render(request, "linkworkers/end.html", {"form": form, "appointment": appointment})


@register_viewer
def training(request: HttpRequest) -> HttpResponse:
    can_record = _can_record_training(request.user)
    supervision = request.method == "POST" and request.POST.get("form") == "supervision"
    form = (
        TrainingForm(request.POST if request.method == "POST" and not supervision else None)
        if can_record
        else None
    )
    sup_form = (
        SupervisionForm(request.POST if supervision else None, auto_id="sup-%s") if can_record else None
    )
    if request.method == "POST" and not can_record:
        raise PermissionDenied("Only team managers and organisation admins record training.")
    if supervision and sup_form.is_valid():
        data = sup_form.cleaned_data
        try:
            services.supervision_record(
                user=data["user"], held_on=data["held_on"], supervisor=data["supervisor"], by=request.user
            )
        except ApplicationError as error:
            sup_form.add_application_error(error)
        else:
            messages.success(request, "Supervision session recorded.")
            return redirect("linkworkers:training")
    elif request.method == "POST" and not supervision and form.is_valid():
        data = form.cleaned_data
        try:
            services.training_record_add(
                user=data["user"], course=data["course"], attended_on=data["attended_on"], by=request.user
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Training recorded.")
            return redirect("linkworkers:training")
    records = selectors.training_records()[:200]
    return render(
        request,
        "linkworkers/training.html",
        {
            "coverage": selectors.training_coverage(),
            "records": records,
            "form": form,
            "sup_form": sup_form,
            "supervision": selectors.supervision_summary(),
            "today": timezone.localdate(),
        },
    )


@meeting_viewer
def meetings(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = list(selectors.meetings_list()[:100])
    return render(
        request,
        "linkworkers/meetings.html",
        {
            "upcoming": sorted([m for m in rows if m.starts_at >= now], key=lambda m: m.starts_at),
            "past": [m for m in rows if m.starts_at < now],
        },
    )


def _meeting_or_404(pk) -> Meeting:
    return get_object_or_404(Meeting.objects.select_related("chair"), pk=pk)


@meeting_viewer
def meeting_detail(request: HttpRequest, pk) -> HttpResponse:
    meeting = _meeting_or_404(pk)
    context = selectors.meeting_context(meeting, viewer=request.user)
    selectors.meeting_people_audit(request.user, context, action="linkworkers.meeting.view")
    is_chair = access.linkworkers_can_chair(request.user, meeting)
    context.update(
        {
            "is_chair": is_chair,
            "editable": is_chair and meeting.state == Meeting.State.SCHEDULED,
            "item_form": ItemForm(auto_id="new-item-%s"),
            "statuses": AttendanceForm.base_fields["status"].choices,
            "started": meeting.starts_at <= timezone.now(),
            "can_notify": access.linkworkers_can_notify(request.user)
            and meeting.state == Meeting.State.SCHEDULED
            and meeting.starts_at > timezone.now(),
        }
    )
    return render(request, "linkworkers/meeting.html", context)


def _audit_pdf(user, meeting, *, action: str) -> None:
    """The PDFs name the cases the meeting page names to the same viewer: those people, audited."""
    cases = [item.case for item in meeting.items.select_related("case__team") if item.case is not None]
    named = access.linkworkers_identified_case_ids(meeting, cases, viewer=user)
    access.audit_list_read(user, [case for case in cases if case.pk in named], action=action)


def _chair_only(request, meeting) -> None:
    if not access.linkworkers_can_chair(request.user, meeting):
        raise PermissionDenied("Only the chair can change this meeting.")


@meeting_viewer
@require_POST
def item_add(request: HttpRequest, pk) -> HttpResponse:
    meeting = _meeting_or_404(pk)
    _chair_only(request, meeting)
    form = ItemForm(request.POST)  # the title's limits; minutes and decisions come later
    if not form.is_valid():
        for message in form.errors.get("title", []):
            messages.error(request, message)
        return redirect("linkworkers:meeting", pk=meeting.pk)
    try:
        services.item_add(meeting=meeting, title=form.cleaned_data["title"], by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("linkworkers:meeting", pk=meeting.pk)


@meeting_viewer
def item_edit(request: HttpRequest, pk, item_pk) -> HttpResponse:
    meeting = _meeting_or_404(pk)
    _chair_only(request, meeting)
    item = get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting)
    form = ItemForm(
        request.POST or None,
        initial={"title": item.title, "minutes": item.minutes, "decisions": item.decisions},
    )
    if request.method == "POST":
        if request.POST.get("remove"):
            try:
                services.item_remove(item=item, by=request.user)
            except ApplicationError as error:
                messages.error(request, error.message)
            return redirect("linkworkers:meeting", pk=meeting.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.item_update(
                    item=item,
                    by=request.user,
                    title=data["title"],
                    minutes=data["minutes"],
                    decisions=data["decisions"],
                )
            except ApplicationError as error:
                form.add_application_error(error)
            else:
                messages.success(request, "Item saved.")
                return redirect(f"{meeting_url(meeting)}#item-{item.pk}")
    case = item.case
    if case is not None:
        context = selectors.meeting_context(meeting, viewer=request.user)
        case = next(c for c in context["cases"] if c.pk == case.pk)
    return render(
        request, "linkworkers/item_edit.html", {"form": form, "item": item, "meeting": meeting, "case": case}
    )


def meeting_url(meeting) -> str:
    from django.urls import reverse

    return reverse("linkworkers:meeting", args=[meeting.pk])


@meeting_viewer
@require_POST
def attendance(request: HttpRequest, pk) -> HttpResponse:
    meeting = _meeting_or_404(pk)
    _chair_only(request, meeting)
    people = User.objects.filter(pk__in=[u.pk for u in services.invitees(meeting)])
    form = AttendanceForm(request.POST, invitees=people)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.attendance_record(
                meeting=meeting,
                user=data["user"],
                status=data["status"],
                deputy=data["deputy"],
                by=request.user,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(f"{meeting_url(meeting)}#attendance")


@meeting_viewer
def action_add(request: HttpRequest, pk) -> HttpResponse:
    meeting = _meeting_or_404(pk)
    _chair_only(request, meeting)
    item = None
    item_pk = request.GET.get("item") or request.POST.get("item")
    if item_pk:
        try:
            item = AgendaItem.objects.filter(meeting=meeting, pk=uuid.UUID(item_pk)).first()
        except ValueError:
            item = None  # not an item's id: the action is for the meeting as a whole
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.action_add(
                meeting=meeting,
                item=item,
                description=data["description"],
                owner=data["owner"],
                due_on=data["due_on"],
                by=request.user,
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Action added.")
            return redirect(f"{meeting_url(meeting)}#actions")
    return render(request, "linkworkers/action_add.html", {"form": form, "meeting": meeting, "item": item})


@meeting_viewer
@require_POST
def finalise(request: HttpRequest, pk) -> HttpResponse:
    meeting = _meeting_or_404(pk)
    _chair_only(request, meeting)
    try:
        services.meeting_finalise(meeting=meeting, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Minutes finalised. The notes are being sent to every link worker.")
    return redirect("linkworkers:meeting", pk=meeting.pk)


@meeting_viewer
def agenda_pdf(request: HttpRequest, pk) -> HttpResponse:
    meeting = _meeting_or_404(pk)
    _audit_pdf(request.user, meeting, action="linkworkers.agenda.pdf")
    response = HttpResponse(pdf.agenda_pdf(meeting, viewer=request.user), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="link-meeting-agenda.pdf"'
    return response


@meeting_viewer
def notes_pdf(request: HttpRequest, pk) -> HttpResponse:
    meeting = _meeting_or_404(pk)
    if meeting.state != Meeting.State.FINALISED:
        raise Http404("The notes are not final yet.")
    _audit_pdf(request.user, meeting, action="linkworkers.notes.pdf")
    response = HttpResponse(pdf.notes_pdf(meeting, viewer=request.user), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="link-meeting-notes.pdf"'
    return response


@meeting_viewer
def meeting_ics(request: HttpRequest, pk) -> HttpResponse:
    meeting = _meeting_or_404(pk)
    response = HttpResponse(ics.meeting_ics(meeting, attendees=[request.user]), content_type="text/calendar")
    response["Content-Disposition"] = 'attachment; filename="link-meeting.ics"'
    return response


@case_notifier
def notify_case(request: HttpRequest, pk) -> HttpResponse:
    """Notify a case in two steps: find the person (a search of the people you may notify, as on
    the caseload), then write the case. A list of every person on a caseload of hundreds was how a
    Jo Caseworth came to be chosen for another; the search shows at most NOTIFY_RESULTS at a time."""
    meeting = _meeting_or_404(pk)
    if meeting.state != Meeting.State.SCHEDULED or meeting.starts_at <= timezone.now():
        raise Http404("This meeting is not taking cases.")
    people = access.linkworkers_notifiable_people(request.user)
    if request.method == "POST":
        form = CaseForm(request.POST, people=people)
        if form.is_valid():
            data = dict(form.cleaned_data)
            person = data.pop("service_user")
            try:
                services.case_notify(meeting=meeting, service_user=person, by=request.user, **data)
            except ApplicationError as error:
                form.add_application_error(error)
            except access.Refused as error:
                form.add_error("service_user", error.message)
            else:
                messages.success(request, "Case notified. It is on the agenda.")
                if access.linkworkers_can_view_meetings(request.user):
                    return redirect("linkworkers:meeting", pk=meeting.pk)
                return redirect("linkworkers:upcoming")
        chosen = form.cleaned_data.get("service_user") if "service_user" not in form.errors else None
    else:
        # From a person's record or a search result: that person chosen (an opaque id, only if notifiable).
        chosen_id = _person_param(request)
        chosen = people.filter(pk=chosen_id).first() if chosen_id else None
        form = CaseForm(people=people, initial={"service_user": chosen} if chosen else {})
    context = {"form": form, "meeting": meeting, "chosen": chosen}
    if chosen is not None:
        access.audit_list_read(request.user, [chosen], action="linkworkers.notify_form.view")
    else:
        search = PeopleSearchForm(request.GET)
        search.is_valid()
        query = search.cleaned_data.get("q") or ""
        found = []
        if query:
            found = list(
                search_people(people, query).order_by("family_name", "given_name", "pk")[: NOTIFY_RESULTS + 1]
            )
            access.audit_list_read(
                request.user, found[:NOTIFY_RESULTS], action="linkworkers.notify_form.search"
            )
        context |= {
            "search": search,
            "query": query,
            "found": found[:NOTIFY_RESULTS],
            "more": len(found) > NOTIFY_RESULTS,
        }
    return render(request, "linkworkers/notify.html", context)


def _person_param(request: HttpRequest) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.GET.get("person", ""))
    except ValueError:
        return None


@case_notifier
def upcoming(request: HttpRequest) -> HttpResponse:
    """For key workers: the coming meetings to notify a case to. `?person=<id>` (from the
    person's record) is carried to the meeting's form, which chooses them."""
    rows = Meeting.objects.filter(state=Meeting.State.SCHEDULED, starts_at__gt=timezone.now()).order_by(
        "starts_at"
    )[:6]
    return render(
        request, "linkworkers/upcoming.html", {"meetings": rows, "person_id": _person_param(request)}
    )


@staff_only
def my_actions(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.my_actions(request.user))
    return render(request, "linkworkers/my_actions.html", {"actions": rows, "today": timezone.localdate()})


@staff_only
@require_POST
def action_done(request: HttpRequest, pk) -> HttpResponse:
    action = access.linkworkers_actions_completable(request.user, Action.objects.filter(pk=pk)).first()
    if action is None:
        raise Http404("No such action.")
    try:
        services.action_complete(action=action, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Action marked done.")
    return redirect("linkworkers:my_actions")


@meeting_viewer
def measures(request: HttpRequest) -> HttpResponse:
    return render(request, "linkworkers/measures.html", {"m": selectors.measures()})


@meeting_viewer
def schedule_create(request: HttpRequest) -> HttpResponse:
    """A link worker or manager sets up a recurring link meeting, which they chair."""
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            schedule = services.schedule_create(chair=request.user, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            count = schedule.meetings.count()
            messages.success(request, f"Meetings set up: {count} in the next two months, invitations sent.")
            return redirect("linkworkers:meetings")
    return render(request, "linkworkers/schedule.html", {"form": form})
