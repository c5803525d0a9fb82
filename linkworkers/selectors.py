"""Reads for the register, training, meetings and measures: a fixed number of queries each."""

from __future__ import annotations

import datetime as dt

from django.apps import apps as django_apps
from django.db.models import Count, F, Max, Prefetch, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from dualcare import access
from dualcare.people.models import StaffRole, Team, User

from .models import (
    Action,
    AgendaItem,
    Appointment,
    Attendance,
    CaseNotification,
    Meeting,
    Tier,
    TrainingRecord,
)

# How long before an appointment ends the team's organisation admin is told to appoint a successor.
REPLACEMENT_NOTICE_DAYS = 30


def in_force_on(day: dt.date, prefix: str = "") -> Q:
    """Rows (appointments, staff roles) in force on the day: started, not yet ended (`end` is the
    first day without). `prefix` reaches them through a relation, e.g. "link_appointments__"."""
    return Q(**{f"{prefix}start__lte": day}) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gt": day})
    )


def coverage(*, day: dt.date | None = None, organisation=None) -> list[Team]:
    """Every active team that works with service users, each with `.link_workers` (active appointments,
    each with `.leaving_on` when they leave within 30 days) and `.gap` (none, or all leaving). 2 queries."""
    day = day or timezone.localdate()
    horizon = day + dt.timedelta(days=REPLACEMENT_NOTICE_DAYS)
    teams = (
        Team.objects.filter(is_active=True, works_with_people=True)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )
    if organisation is not None:
        teams = teams.filter(organisation=organisation)
    active = (
        Appointment.objects.filter(in_force_on(day))
        .select_related("user", "deputy", "staff_role")
        .order_by("start")
    )
    teams = list(
        teams.prefetch_related(Prefetch("link_appointments", queryset=active, to_attr="link_workers"))
    )
    for team in teams:
        for appointment in team.link_workers:
            ends = [
                d
                for d in (appointment.end, appointment.staff_role.end if appointment.staff_role else None)
                if d
            ]
            appointment.leaving_on = min(ends) if ends and min(ends) <= horizon else None
        team.gap = not team.link_workers
        team.all_leaving = bool(team.link_workers) and all(a.leaving_on for a in team.link_workers)
    return teams


def appointments_list():
    return Appointment.objects.select_related("team__organisation", "user", "deputy").order_by(
        "team__organisation__name", "team__name", "-start"
    )


def training_coverage(*, day: dt.date | None = None) -> list[dict]:
    """Per team: staff in clinical roles, and how many hold current training of each tier. 1 query."""
    day = day or timezone.localdate()
    current = Q(user__training_records__refresh_due__isnull=True) | Q(
        user__training_records__refresh_due__gt=day
    )
    counts = {
        f"tier{tier}": Count(
            "user", distinct=True, filter=current & Q(user__training_records__course__tier=tier)
        )
        for tier in Tier.values
    }
    rows = (
        StaffRole.objects.filter(in_force_on(day), role__in=access.CLINICAL_ROLES, team__is_active=True)
        .values("team_id", team_name=F("team__name"), organisation=F("team__organisation__name"))
        .annotate(staff=Count("user", distinct=True), **counts)
        .order_by("organisation", "team_name")
    )
    return list(rows)


def supervision_summary(*, day: dt.date | None = None) -> list[dict]:
    """Supervision sessions attended by each current link worker in the last 12 months. 1 query."""
    day = day or timezone.localdate()
    since = day - dt.timedelta(days=365)
    return list(
        Appointment.objects.filter(in_force_on(day))
        .values("user_id", first=F("user__first_name"), last=F("user__last_name"), team_name=F("team__name"))
        .annotate(
            sessions=Count(
                "user__dd_supervision", filter=Q(user__dd_supervision__held_on__gte=since), distinct=True
            ),
            latest=Max("user__dd_supervision__held_on"),
        )
        .order_by("team_name")
    )


def training_records():
    return TrainingRecord.objects.select_related("user", "course").order_by("user__last_name", "-attended_on")


def meetings_list():
    return (
        Meeting.objects.select_related("chair")
        .annotate(case_count=Count("cases", distinct=True))
        .order_by("-starts_at")
    )


def my_actions(user: User):
    return (
        Action.objects.filter(owner=user, status=Action.Status.OPEN)
        .select_related("meeting")
        .order_by("due_on", "created_at")
    )


def carried_actions(meeting: Meeting):
    """Actions still open from earlier meetings of the same series: reviewed at this one. A
    one-off meeting carries forward those of earlier one-off meetings with the same chair. Another
    series' actions are that series' business (they were once every open action anywhere). An
    action done is not carried forward (the notes of the meeting where it was set show it done)."""
    earlier = Action.objects.filter(meeting__starts_at__lt=meeting.starts_at, status=Action.Status.OPEN)
    if meeting.schedule_id:
        earlier = earlier.filter(meeting__schedule_id=meeting.schedule_id)
    else:
        earlier = earlier.filter(meeting__schedule__isnull=True, meeting__chair_id=meeting.chair_id)
    return earlier.select_related("owner", "meeting").order_by("due_on")


NOT_RECORDED = "Not recorded"


def attendance_label(attendance: Attendance | None) -> str:
    """How one link worker's attendance reads, on the meeting page and in the notes PDF alike:
    nothing is said about a person until the chair has recorded it."""
    if attendance is None:
        return NOT_RECORDED
    label = attendance.get_status_display()
    if attendance.deputy_id:
        label = f"{label} ({attendance.deputy.display_name})"
    return label


def _disengaged_for(viewer, days: int = 28):
    try:
        from dualcare.contacts.selectors import disengaged_people
    except ImportError:
        return None
    if viewer is None:
        return None
    return list(disengaged_people(viewer, days=days)[:50])


def meeting_context(meeting: Meeting, *, viewer: User | None, deidentified: bool = False) -> dict:
    """Everything the meeting page and the PDFs show to `viewer`, in a fixed number of queries.
    `deidentified` (or no viewer) names nobody whatever the consent: for copies that leave
    DualCare, such as email."""
    items = list(
        meeting.items.select_related("case__team__organisation", "case__service_user", "case__notified_by")
    )
    cases = [item.case for item in items if item.case is not None]
    identified = (
        set()
        if deidentified or viewer is None
        else access.linkworkers_identified_case_ids(meeting, cases, viewer=viewer)
    )
    openable = set()
    if viewer is not None and cases and _care_plan_url_exists():
        openable = set(
            access.service_users_visible_to(viewer)
            .filter(pk__in={case.service_user_id for case in cases})
            .values_list("pk", flat=True)
        )
    # A case notified from a conversation's message links back to it on the staff's meeting pages
    # (never on a copy without a viewer, such as the emailed agenda).
    links_back = _conversation_links(viewer, cases) if viewer is not None and not deidentified else {}
    for case in cases:
        case.identified = case.pk in identified
        case.message_url = links_back.get(case.pk, "")
        # A joint plan agreed in the discussion is on the person's care plan (careplans app).
        case.care_plan_url = (
            reverse("careplans:plan", args=[case.service_user_id]) if case.service_user_id in openable else ""
        )
        age = _age(case.service_user.date_of_birth, meeting.starts_at.date())
        case.label = (
            f"{case.service_user.full_name} (born {date_format(case.service_user.date_of_birth, 'j F Y')})"
            if case.identified
            else f"A person aged {age - age % 5} to {age - age % 5 + 4}, known to {case.team.name}"
        )
    actions = list(meeting.actions.select_related("owner", "item").order_by("due_on"))
    for item in items:
        item.item_actions = [a for a in actions if a.item_id == item.pk]
    attendance = {row.user_id: row for row in meeting.attendance.select_related("user", "deputy")}
    link_workers = []
    for appointment in (
        Appointment.objects.filter(in_force_on(timezone.localtime(meeting.starts_at).date()))
        .select_related("user", "deputy", "team__organisation")
        .order_by("team__organisation__name", "team__name")
    ):
        appointment.attendance = attendance.get(appointment.user_id)
        appointment.attendance_label = attendance_label(appointment.attendance)
        link_workers.append(appointment)
    has_disengaged = any(item.kind == AgendaItem.Kind.DISENGAGED for item in items)
    return {
        "meeting": meeting,
        "items": items,
        "cases": cases,
        "actions": actions,
        "carried": list(carried_actions(meeting)),
        "link_workers": link_workers,
        "attendance": attendance,
        "disengaged": _disengaged_for(viewer) if has_disengaged else None,
    }


def meeting_people_audit(user, context, *, action: str) -> None:
    """A meeting names the people of its identified cases, and those out of touch on its
    disengagement item: one audit row per person shown (rule 6)."""
    access.audit_list_read(user, [case for case in context["cases"] if case.identified], action=action)
    if context["disengaged"]:
        access.audit_list_read(user, context["disengaged"], action="linkworkers.meeting.disengaged.list")


def _conversation_links(viewer, cases) -> dict:
    if not cases or not django_apps.is_installed("conversations"):
        return {}
    from conversations.selectors import links_back

    return links_back(viewer, cases=cases)


def _care_plan_url_exists() -> bool:
    try:
        reverse("careplans:plan", args=["00000000-0000-0000-0000-000000000000"])
    except NoReverseMatch:
        return False
    return True


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def measures(*, day: dt.date | None = None) -> dict:
    """Coverage, attendance per meeting and per team, cases notified ahead, actions on time,
    training coverage by tier: aggregated in the database (a handful of queries)."""
    day = day or timezone.localdate()
    teams = Team.objects.filter(is_active=True, works_with_people=True).aggregate(
        total=Count("pk", distinct=True),
        covered=Count(
            "pk",
            distinct=True,
            filter=Q(link_appointments__start__lte=day)
            & (Q(link_appointments__end__isnull=True) | Q(link_appointments__end__gt=day)),
        ),
    )
    came = Q(attendance__status__in=[Attendance.Status.PRESENT, Attendance.Status.DEPUTY_SENT])
    per_meeting = list(
        Meeting.objects.filter(state=Meeting.State.FINALISED)
        .values("pk", "title", "starts_at")
        .annotate(
            recorded=Count("attendance", distinct=True), came=Count("attendance", filter=came, distinct=True)
        )
        .order_by("-starts_at")
    )
    per_team = list(
        Attendance.objects.filter(meeting__state=Meeting.State.FINALISED, team__isnull=False)
        .values("team_id", team_name=F("team__name"))
        .annotate(
            recorded=Count("pk"),
            came=Count("pk", filter=Q(status__in=[Attendance.Status.PRESENT, Attendance.Status.DEPUTY_SENT])),
        )
        .order_by("team_name")
    )
    cases = CaseNotification.objects.aggregate(
        total=Count("pk"),
        ahead=Count("pk", filter=Q(notified_at__lte=F("meeting__starts_at") - dt.timedelta(days=1))),
    )
    actions = Action.objects.filter(due_on__lt=day).aggregate(
        due=Count("pk"),
        on_time=Count("pk", filter=Q(status=Action.Status.DONE, done_on__lte=F("due_on"))),
    )
    training = training_coverage(day=day)
    return {
        "teams_total": teams["total"],
        "teams_covered": teams["covered"],
        "attendance_per_meeting": per_meeting,
        "attendance_per_team": per_team,
        "cases_total": cases["total"],
        "cases_ahead": cases["ahead"],
        "actions_due": actions["due"],
        "actions_on_time": actions["on_time"],
        "training": training,
    }
