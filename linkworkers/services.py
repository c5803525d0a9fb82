"""Every write to the link-worker register, training and link meetings.

Each service runs in one transaction, checks its rules (ApplicationError with a field where
there is one) and writes an audit row. Appointing a link worker gives them the StaffRole
"link_worker" in the team (dualcare.people.services.staff_role_add, which keeps access.py in
step); ending the appointment ends that role on the same day.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dualcare import access, clock
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.links import absolute_url
from dualcare.notifications.services import notify
from dualcare.people import services as people_services
from dualcare.people.models import ServiceUser, StaffRole, Team, User
from dualcare.templatetags.dualcare_tags import clock as clock_time

from .models import (
    Action,
    AgendaItem,
    Appointment,
    Attendance,
    CaseNotification,
    Course,
    Dispatch,
    Meeting,
    MeetingSchedule,
    SupervisionSession,
    TrainingRecord,
)
from .selectors import REPLACEMENT_NOTICE_DAYS, in_force_on

GENERATE_AHEAD_DAYS = 62


# ---------------------------------------------------------------------------
# Register


@transaction.atomic
def appointment_create(
    *,
    team: Team,
    user: User,
    start: dt.date | None = None,
    end: dt.date | None = None,
    deputy: User | None = None,
    by: User | None = None,
) -> Appointment:
    """Appoint a link worker of a team (by an admin of the team's organisation; by=None: the system)."""
    if by is not None and not access.linkworkers_can_appoint(by, team):
        raise ApplicationError(
            "You can only appoint link workers in your own organisation's teams.", field="team"
        )
    if user.kind != User.Kind.STAFF or not user.is_active:
        raise ApplicationError("Choose a member of staff.", field="user")
    if deputy is not None and (deputy.kind != User.Kind.STAFF or deputy.pk == user.pk):
        raise ApplicationError("Choose a different member of staff as deputy.", field="deputy")
    start = start or clock.today()
    if end is not None and end <= start:
        raise ApplicationError("The end date must be after the start date.", field="end")
    overlapping = Appointment.objects.filter(team=team, user=user).filter(
        Q(end__isnull=True) | Q(end__gt=start)
    )
    if end is not None:
        overlapping = overlapping.filter(start__lt=end)
    if overlapping.exists():
        raise ApplicationError("They are already link worker of this team for these dates.", field="user")
    role = (
        StaffRole.objects.filter(user=user, team=team, role=StaffRole.Role.LINK_WORKER)
        .filter(Q(end__isnull=True) | Q(end__gt=max(start, clock.today())))
        .order_by("start")
        .first()
    )
    if role is None:
        role = people_services.staff_role_add(
            user=user, team=team, role=StaffRole.Role.LINK_WORKER, start=start, end=end, by=None
        )
    appointment = Appointment.objects.create(
        team=team, user=user, deputy=deputy, start=start, end=end, staff_role=role, appointed_by=by
    )
    audit_record(actor=by, action="linkworker.appoint", target=appointment, organisation=team.organisation)
    return appointment


@transaction.atomic
def appointment_end(
    *, appointment: Appointment, end: dt.date | None = None, by: User | None = None
) -> Appointment:
    """End an appointment from a day on (today by default); the link-worker role ends with it."""
    appointment = (
        Appointment.objects.select_for_update().select_related("team__organisation").get(pk=appointment.pk)
    )
    if by is not None and not access.linkworkers_can_appoint(by, appointment.team):
        raise ApplicationError("You can only end appointments in your own organisation's teams.")
    today = clock.today()
    end = end or today
    if appointment.end is not None and appointment.end <= today:
        raise ApplicationError("This appointment has already ended.", field="end")
    if end <= appointment.start:
        raise ApplicationError("The end date must be after the start date.", field="end")
    appointment.end = end
    appointment.ended_by = by
    appointment.save(update_fields=["end", "ended_by", "updated_at"])
    role = appointment.staff_role
    if role is not None and (role.end is None or role.end > end):
        people_services.staff_role_end(staff_role=role, end=end, by=None)
    audit_record(
        actor=by, action="linkworker.end", target=appointment, organisation=appointment.team.organisation
    )
    return appointment


def _managers_of(team: Team) -> list[User]:
    return access.team_managers(team.pk)


def replacement_alerts_raise(*, now: dt.datetime | None = None) -> int:
    """Tell the team manager once per appointment that ends (or whose role ends) within 30 days
    with no successor appointed. Idempotent: the row is claimed with a conditional UPDATE."""
    now = now or clock.now()
    today = timezone.localdate(now)
    horizon = today + dt.timedelta(days=REPLACEMENT_NOTICE_DAYS)
    leaving = Q(end__isnull=False, end__lte=horizon) | Q(
        staff_role__end__isnull=False, staff_role__end__lte=horizon
    )
    candidates = (
        Appointment.objects.filter(in_force_on(today), replacement_alerted_at__isnull=True)
        .filter(leaving)
        .select_related("team__organisation", "user", "staff_role")
    )
    raised = 0
    for appointment in candidates:
        leaves_on = min(
            d for d in (appointment.end, appointment.staff_role and appointment.staff_role.end) if d
        )
        successor = (
            Appointment.objects.filter(team_id=appointment.team_id, start__lte=leaves_on)
            .filter(Q(end__isnull=True) | Q(end__gt=leaves_on))
            .exclude(pk=appointment.pk)
            .exists()
        )
        if successor:
            continue
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=appointment.pk, replacement_alerted_at__isnull=True
            ).update(replacement_alerted_at=now)
            if not claimed:
                continue
            notify(
                event_key=f"linkworker:{appointment.pk}:replacement",
                recipients=_managers_of(appointment.team),
                kind="linkworker.replacement_needed",
                subject=f"Replacement link worker needed: {appointment.team.name}",
                body=(
                    f"{appointment.user.display_name} stops being link worker of {appointment.team.name} "
                    f"on {leaves_on:%-d %B %Y}. Ask your organisation admin to appoint a replacement."
                ),
                url=reverse("linkworkers:coverage"),
                related=appointment,
                team=appointment.team,
            )
            audit_record(actor=None, action="linkworker.replacement_alert", target=appointment)
            raised += 1
    return raised


# ---------------------------------------------------------------------------
# Training


@transaction.atomic
def training_record_add(*, user: User, course: Course, attended_on: dt.date, by: User) -> TrainingRecord:
    if attended_on > clock.today():
        raise ApplicationError("The date of the training cannot be in the future.", field="attended_on")
    if TrainingRecord.objects.filter(user=user, course=course, attended_on=attended_on).exists():
        raise ApplicationError("This training is already recorded for that day.", field="attended_on")
    refresh_due = None
    if course.refresh_months:
        month = attended_on.month - 1 + course.refresh_months
        year, month = attended_on.year + month // 12, month % 12 + 1
        day = min(attended_on.day, 28)
        refresh_due = dt.date(year, month, day)
    record = TrainingRecord.objects.create(
        user=user, course=course, attended_on=attended_on, refresh_due=refresh_due, recorded_by=by
    )
    audit_record(actor=by, action="linkworker.training", target=record)
    return record


REFRESH_NOTICE_DAYS = 30


def training_refresh_alerts_raise(*, now: dt.datetime | None = None) -> int:
    """Tell the person once per record when training is due for refresh within 30 days
    (unless they have attended the course again since)."""
    now = now or clock.now()
    today = timezone.localdate(now)
    due = TrainingRecord.objects.filter(
        refresh_due__isnull=False,
        refresh_due__lte=today + dt.timedelta(days=REFRESH_NOTICE_DAYS),
        refresh_alerted_at__isnull=True,
        user__is_active=True,
    ).select_related("user", "course")
    raised = 0
    for record in due:
        if TrainingRecord.objects.filter(
            user_id=record.user_id, course_id=record.course_id, attended_on__gt=record.attended_on
        ).exists():
            continue
        with transaction.atomic():
            if not TrainingRecord.objects.filter(pk=record.pk, refresh_alerted_at__isnull=True).update(
                refresh_alerted_at=now
            ):
                continue
            notify(
                event_key=f"training:{record.pk}:refresh",
                recipients=[record.user],
                kind="linkworker.training_refresh",
                subject=f"Training refresh due {record.refresh_due:%-d %B %Y}: {record.course.title}",
                url=reverse("linkworkers:training"),
                related=record,
                channels=["in_app", "email"],
            )
            raised += 1
    return raised


@transaction.atomic
def supervision_record(*, user: User, held_on: dt.date, supervisor: str, by: User) -> SupervisionSession:
    if held_on > clock.today():
        raise ApplicationError("The date cannot be in the future.", field="held_on")
    if not supervisor.strip():
        raise ApplicationError("Enter who gave the supervision.", field="supervisor")
    session = SupervisionSession.objects.create(
        user=user, held_on=held_on, supervisor=supervisor.strip(), recorded_by=by
    )
    audit_record(actor=by, action="linkworker.supervision", target=session)
    return session


# ---------------------------------------------------------------------------
# Meetings: schedule, generation, invitations


def invitees(meeting: Meeting) -> list[User]:
    """Link workers and deputies appointed on the day of the meeting, and the chair."""
    day = timezone.localtime(meeting.starts_at).date()
    rows = Appointment.objects.filter(in_force_on(day)).values_list("user_id", "deputy_id")
    ids = {meeting.chair_id}
    for user_id, deputy_id in rows:
        ids.add(user_id)
        if deputy_id:
            ids.add(deputy_id)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name"))


def link_workers_of(meeting: Meeting) -> list[Appointment]:
    day = timezone.localtime(meeting.starts_at).date()
    return list(
        Appointment.objects.filter(in_force_on(day))
        .select_related("user", "deputy", "team__organisation")
        .order_by("team__organisation__name", "team__name")
    )


def _queue_dispatches(meeting: Meeting, kind: str, recipients) -> int:
    recipients = list(recipients)
    have = set(
        Dispatch.objects.filter(meeting=meeting, kind=kind, recipient__in=recipients).values_list(
            "recipient_id", flat=True
        )
    )
    rows = [
        Dispatch(meeting=meeting, recipient=user, kind=kind) for user in recipients if user.pk not in have
    ]
    # ON CONFLICT DO NOTHING: two scans at once still give one row per person.
    Dispatch.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        Dispatch.objects.filter(meeting=meeting, kind=kind, state=Dispatch.State.PENDING).values_list(
            "pk", flat=True
        )
    )
    if ids:
        transaction.on_commit(lambda: _send_later(ids))
    return len(rows)


def _send_later(ids) -> None:
    from . import tasks

    for pk in ids:
        try:
            tasks.dispatch_send.delay(str(pk))
        except Exception:  # noqa: BLE001 - the broker being down must not fail the request; the scan resends
            return


def _agenda_build(meeting: Meeting, standing: list[str]) -> None:
    titles = [(AgendaItem.Kind.STANDING, "Welcome, introductions and apologies")]
    titles.append((AgendaItem.Kind.ACTIONS, "Actions carried forward"))
    titles += [(AgendaItem.Kind.STANDING, line) for line in standing]
    try:
        from dualcare.contacts import selectors as contact_selectors

        if hasattr(contact_selectors, "disengaged_people"):
            titles.append((AgendaItem.Kind.DISENGAGED, "Multi-agency disengaged list"))
    except ImportError:
        pass
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(meeting=meeting, position=n, kind=kind, title=title)
            for n, (kind, title) in enumerate(titles, 1)
        ]
    )


@transaction.atomic
def meeting_create(
    *,
    title: str,
    starts_at: dt.datetime,
    duration_minutes: int,
    location: str,
    chair: User,
    schedule: MeetingSchedule | None = None,
    standing_items: list[str] | None = None,
    by: User | None = None,
) -> Meeting:
    meeting = Meeting.objects.create(
        schedule=schedule,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=duration_minutes),
        location=location,
        chair=chair,
    )
    _agenda_build(meeting, standing_items or [])
    if starts_at > clock.now():
        _queue_dispatches(meeting, Dispatch.Kind.INVITATION, invitees(meeting))
    audit_record(actor=by, action="linkmeeting.create", target=meeting)
    return meeting


@transaction.atomic
def schedule_create(
    *,
    title: str,
    every: str,
    first_date: dt.date,
    starts_at: dt.time,
    location: str,
    chair: User,
    duration_minutes: int = 90,
    standing_items: str = "",
    by: User | None = None,
) -> MeetingSchedule:
    if every not in MeetingSchedule.Every.values:
        raise ApplicationError("Choose how often it meets.", field="every")
    if first_date < clock.today():
        raise ApplicationError("The first meeting must be today or later.", field="first_date")
    if not 15 <= duration_minutes <= 480:
        raise ApplicationError("A meeting lasts between 15 minutes and 8 hours.", field="duration_minutes")
    schedule = MeetingSchedule.objects.create(
        title=title,
        every=every,
        first_date=first_date,
        starts_at=starts_at,
        location=location,
        chair=chair,
        duration_minutes=duration_minutes,
        standing_items=standing_items,
    )
    audit_record(actor=by, action="linkmeeting.schedule", target=schedule)
    meetings_generate(schedule_ids=[schedule.pk])
    return schedule


def meetings_generate(*, schedule_ids=None, today: dt.date | None = None) -> int:
    """Meetings of each active schedule from today up to ~2 months ahead. Idempotent (unique per time)."""
    today = today or clock.today()
    schedules = MeetingSchedule.objects.filter(is_active=True)
    if schedule_ids is not None:
        schedules = schedules.filter(pk__in=schedule_ids)
    made = 0
    tz = timezone.get_current_timezone()
    for schedule in schedules:
        existing = set(schedule.meetings.values_list("starts_at", flat=True))
        for day in schedule.dates(today + dt.timedelta(days=GENERATE_AHEAD_DAYS)):
            if day < today:
                continue
            starts_at = dt.datetime.combine(day, schedule.starts_at, tzinfo=tz)
            if starts_at in existing:
                continue
            with transaction.atomic():
                if Meeting.objects.filter(schedule=schedule, starts_at=starts_at).exists():
                    continue
                meeting_create(
                    title=schedule.title,
                    starts_at=starts_at,
                    duration_minutes=schedule.duration_minutes,
                    location=schedule.location,
                    chair=schedule.chair,
                    schedule=schedule,
                    standing_items=[
                        line.strip() for line in schedule.standing_items.splitlines() if line.strip()
                    ],
                )
                made += 1
    return made


def agendas_queue(*, now: dt.datetime | None = None) -> int:
    """The agenda (PDF) to every invitee 7 days and 1 day before: once each (unique rows)."""
    now = now or clock.now()
    queued = 0
    upcoming = Meeting.objects.filter(
        state=Meeting.State.SCHEDULED, starts_at__gt=now, starts_at__lte=now + dt.timedelta(days=7)
    )
    for meeting in upcoming:
        kind = (
            Dispatch.Kind.AGENDA_1
            if meeting.starts_at <= now + dt.timedelta(days=1)
            else Dispatch.Kind.AGENDA_7
        )
        with transaction.atomic():
            queued += _queue_dispatches(meeting, kind, invitees(meeting))
    return queued


def dispatches_sweep(*, older_than: dt.timedelta = dt.timedelta(seconds=30)) -> int:
    """Send rows left pending (broker down at commit) or stuck sending (worker died)."""
    now = clock.now()
    stuck = Q(state=Dispatch.State.SENDING, sending_at__lt=now - dt.timedelta(minutes=15))
    ids = list(
        Dispatch.objects.filter(
            Q(state=Dispatch.State.PENDING, created_at__lt=now - older_than) | stuck
        ).values_list("pk", flat=True)[:500]
    )
    Dispatch.objects.filter(stuck, pk__in=ids).update(state=Dispatch.State.PENDING)
    for pk in ids:
        dispatch_send(pk)
    return len(ids)


def dispatch_send(dispatch_id) -> bool:
    """Send one email once (claimed pending -> sending, then sent): an invitation with its calendar
    file; an agenda or the notes as a link to them in DualCare, never as an attachment."""
    from django.conf import settings
    from django.core.mail import EmailMessage

    from . import ics

    now = clock.now()
    if not Dispatch.objects.filter(pk=dispatch_id, state=Dispatch.State.PENDING).update(
        state=Dispatch.State.SENDING, sending_at=now
    ):
        return False
    dispatch = Dispatch.objects.select_related("meeting__chair", "recipient").get(pk=dispatch_id)
    meeting, user = dispatch.meeting, dispatch.recipient
    when = timezone.localtime(meeting.starts_at)
    path = reverse("linkworkers:meeting", args=[meeting.pk])
    subjects = {
        Dispatch.Kind.INVITATION: f"Invitation: {meeting.title}, {when:%A %-d %B %Y %H:%M}",
        Dispatch.Kind.AGENDA_7: f"Agenda: {meeting.title}, {when:%A %-d %B}",
        Dispatch.Kind.AGENDA_1: f"Agenda for tomorrow: {meeting.title}",
        Dispatch.Kind.NOTES: f"Notes: {meeting.title}, {when:%-d %B %Y}",
    }
    subject = subjects[dispatch.kind]
    # The agenda and the notes hold the cases discussed: they stay in DualCare, where access is
    # checked and every read audited. The email says they are ready and links to them; no PDF.
    documents = {
        Dispatch.Kind.AGENDA_7: ("The agenda is ready. Read it in DualCare", "linkworkers:agenda_pdf"),
        Dispatch.Kind.AGENDA_1: ("The agenda is ready. Read it in DualCare", "linkworkers:agenda_pdf"),
        Dispatch.Kind.NOTES: (
            "The notes of this meeting are ready. Read them in DualCare",
            "linkworkers:notes_pdf",
        ),
    }
    lines = [subject, ""]
    if dispatch.kind in documents:
        ready, document = documents[dispatch.kind]
        lines.append(
            f"{ready} (you will be asked to sign in): {absolute_url(reverse(document, args=[meeting.pk]))}"
        )
    lines += [f"Where: {meeting.location}", f"The meeting in DualCare: {absolute_url(path)}"]
    body = "\n".join(lines) + "\n"
    try:
        if user.email:
            message = EmailMessage(subject, body, getattr(settings, "DEFAULT_FROM_EMAIL", None), [user.email])
            if dispatch.kind == Dispatch.Kind.INVITATION:
                message.attach(
                    "link-meeting.ics", ics.meeting_ics(meeting, attendees=[user]), "text/calendar"
                )
            message.send()
        with transaction.atomic():
            notify(
                event_key=f"linkmeeting:{meeting.pk}:{dispatch.kind}",
                recipients=[user],
                kind=f"linkmeeting.{dispatch.kind}",
                subject=subject,
                url=path,
                related=meeting,
                channels=["in_app"],
            )
            Dispatch.objects.filter(pk=dispatch.pk).update(state=Dispatch.State.SENT, sent_at=clock.now())
    except Exception:
        Dispatch.objects.filter(pk=dispatch.pk).update(state=Dispatch.State.PENDING)
        raise
    return True


# ---------------------------------------------------------------------------
# Cases notified ahead, agenda, attendance, minutes, actions


def _ensure_chair(meeting: Meeting, by: User) -> None:
    if not access.linkworkers_can_chair(by, meeting):
        raise access.Refused("Only the chair can change this meeting.")


def _ensure_open(meeting: Meeting) -> None:
    # Read from the database: the caller's copy may be older than the finalising.
    if not Meeting.objects.filter(pk=meeting.pk, state=Meeting.State.SCHEDULED).exists():
        raise StateConflict("The minutes of this meeting are final and can no longer be changed.")


CASE_FIELDS = ["brief_history", "mental_health", "substance_use", "current_concerns", "question"]


@transaction.atomic
def case_notify(*, meeting: Meeting, service_user: ServiceUser, by: User, **presentation) -> CaseNotification:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _ensure_open(meeting)
    if meeting.starts_at <= clock.now():
        raise ApplicationError("This meeting has started: notify the case for the next one.", field="meeting")
    if not access.linkworkers_notifiable_people(by).filter(pk=service_user.pk).exists():
        raise ApplicationError("Choose a person on your caseload.", field="service_user")
    for field in CASE_FIELDS:
        value = (presentation.get(field) or "").strip()
        if not value:
            label = CaseNotification._meta.get_field(field).verbose_name
            raise ApplicationError(f"Enter {label}.", field=field)
        presentation[field] = value
    if CaseNotification.objects.filter(meeting=meeting, service_user=service_user).exists():
        raise ApplicationError("This person is already on the agenda of this meeting.", field="service_user")
    team = access.ensure_can_act_for(by, service_user)
    case = CaseNotification.objects.create(
        meeting=meeting,
        service_user=service_user,
        team=team,
        notified_by=by,
        notified_at=clock.now(),
        **{field: presentation[field] for field in CASE_FIELDS},
    )
    last = meeting.items.order_by("-position").values_list("position", flat=True).first() or 0
    AgendaItem.objects.create(
        meeting=meeting,
        position=last + 1,
        kind=AgendaItem.Kind.CASE,
        title=f"Case discussion ({team.name})",
        case=case,
    )
    audit_record(actor=by, action="linkmeeting.case_notify", target=case, service_user=service_user)
    return case


@transaction.atomic
def item_add(*, meeting: Meeting, title: str, by: User) -> AgendaItem:
    _ensure_chair(meeting, by)
    _ensure_open(meeting)
    if not title.strip():
        raise ApplicationError("Enter the item.", field="title")
    last = meeting.items.order_by("-position").values_list("position", flat=True).first() or 0
    item = AgendaItem.objects.create(
        meeting=meeting, position=last + 1, kind=AgendaItem.Kind.OTHER, title=title.strip()
    )
    audit_record(actor=by, action="linkmeeting.item_add", target=meeting)
    return item


@transaction.atomic
def item_update(
    *, item: AgendaItem, by: User, title: str | None = None, minutes: str = "", decisions: str = ""
) -> AgendaItem:
    _ensure_chair(item.meeting, by)
    _ensure_open(item.meeting)
    if title is not None:
        if not title.strip():
            raise ApplicationError("Enter the item.", field="title")
        item.title = title.strip()
    item.minutes = minutes.strip()
    item.decisions = decisions.strip()
    item.save(update_fields=["title", "minutes", "decisions", "updated_at"])
    audit_record(actor=by, action="linkmeeting.item_update", target=item.meeting)
    return item


@transaction.atomic
def item_remove(*, item: AgendaItem, by: User) -> None:
    _ensure_chair(item.meeting, by)
    _ensure_open(item.meeting)
    if item.kind == AgendaItem.Kind.CASE:
        raise ApplicationError("A notified case stays on the agenda; record in its minutes what happened.")
    meeting = item.meeting
    item.delete()
    audit_record(actor=by, action="linkmeeting.item_remove", target=meeting)


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, user: User, status: str, by: User, deputy: User | None = None
) -> Attendance:
    _ensure_chair(meeting, by)
    _ensure_open(meeting)
    if status not in Attendance.Status.values:
        raise ApplicationError("Choose whether they came.", field="status")
    if clock.now() < meeting.starts_at:
        starts = timezone.localtime(meeting.starts_at)
        raise ApplicationError(
            f"Attendance can be recorded from the start of the meeting, {starts:%-d %B %Y} at "
            f"{clock_time(starts)}.",
            field="status",
        )
    if status == Attendance.Status.DEPUTY_SENT and deputy is None:
        raise ApplicationError("Choose the deputy who came.", field="deputy")
    if status != Attendance.Status.DEPUTY_SENT:
        deputy = None
    appointment = next((a for a in link_workers_of(meeting) if a.user_id == user.pk), None)
    row, _ = Attendance.objects.update_or_create(
        meeting=meeting,
        user=user,
        defaults={"status": status, "deputy": deputy, "team": appointment.team if appointment else None},
    )
    audit_record(actor=by, action="linkmeeting.attendance", target=meeting)
    return row


@transaction.atomic
def action_add(
    *,
    meeting: Meeting,
    description: str,
    owner: User,
    due_on: dt.date,
    by: User,
    item: AgendaItem | None = None,
) -> Action:
    _ensure_chair(meeting, by)
    _ensure_open(meeting)
    if not description.strip():
        raise ApplicationError("Enter what is to be done.", field="description")
    if owner.kind != User.Kind.STAFF:
        raise ApplicationError("Choose a member of staff.", field="owner")
    if due_on < timezone.localtime(meeting.starts_at).date():
        raise ApplicationError("The due date cannot be before the meeting.", field="due_on")
    action = Action.objects.create(
        meeting=meeting, item=item, description=description.strip(), owner=owner, due_on=due_on
    )
    audit_record(actor=by, action="linkmeeting.action_add", target=action)
    return action


@transaction.atomic
def action_complete(*, action: Action, by: User, on: dt.date | None = None) -> Action:
    action = Action.objects.select_for_update().select_related("meeting").get(pk=action.pk)
    if not access.linkworkers_can_complete(by, action):
        raise access.Refused("Only the owner or the chair can mark an action done.")
    if action.status == Action.Status.DONE:
        raise StateConflict("This action is already done.")
    action.status = Action.Status.DONE
    action.done_on = on or clock.today()
    action.save(update_fields=["status", "done_on", "updated_at"])
    audit_record(actor=by, action="linkmeeting.action_done", target=action)
    return action


@transaction.atomic
def meeting_finalise(*, meeting: Meeting, by: User) -> Meeting:
    """Minutes final: the notes (PDF) go to every link worker, deputy and the chair, absent ones
    included, and each action's owner is told it is on their list."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _ensure_chair(meeting, by)
    _ensure_open(meeting)
    if meeting.starts_at > clock.now():
        raise ApplicationError("You can finalise the minutes once the meeting has started.")
    if not meeting.attendance.exists():
        raise ApplicationError("Record who came before finalising the minutes.", field="attendance")
    meeting.state = Meeting.State.FINALISED
    meeting.finalised_at = clock.now()
    meeting.save(update_fields=["state", "finalised_at", "updated_at"])
    recipients = set(invitees(meeting))
    recipients |= {row.user for row in meeting.attendance.select_related("user")}
    _queue_dispatches(meeting, Dispatch.Kind.NOTES, recipients)
    for action in meeting.actions.select_related("owner"):
        notify(
            event_key=f"linkaction:{action.pk}:assigned",
            recipients=[action.owner],
            kind="linkmeeting.action",
            subject=f"Action from the link meeting, due {action.due_on:%-d %B %Y}",
            body=action.description,
            url=reverse("linkworkers:my_actions"),
            related=action,
            channels=["in_app"],
        )
    audit_record(actor=by, action="linkmeeting.finalise", target=meeting)
    return meeting
