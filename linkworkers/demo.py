"""Demo link-worker register and link meetings (run by `manage.py demo` through build(demo)).

Link workers in most teams (linkworker.mh in Northgate North CMHT, chair of the meetings),
one gap (the prescribing team), one leaving within 30 days (South CMHT), training records,
a monthly link meeting with two past meetings (attendance, minutes, actions, finalised) and
one coming up with cases notified ahead. Written through the services; idempotent: every
row is looked for by a key that does not depend on today's date, and never made twice.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils import timezone

from dualcare import access, clock

from . import services
from .models import Appointment, Course, Dispatch, Meeting, MeetingSchedule, Tier, TrainingRecord

APPOINTMENTS = [
    # team key, link worker, deputy, months ago, ends in days (None: open)
    ("north", "linkworker.mh", "gareth.demoford", 14, None),
    ("south", "aisha.placeholme", "tom.fictonby", 20, 20),
    ("recovery", "leanne.trialstone", "keyworker.sm", 9, None),
    ("peer", "bex.dummyfield", None, 6, None),
    ("pharmacy", "grace.sampleby", None, 4, None),
]
COURSES = [
    ("Dual diagnosis awareness (e-learning)", Tier.AWARENESS, 36),
    ("Assessing co-occurring mental health and substance use", Tier.ASSESSMENT, 24),
    ("Specialist dual diagnosis practice", Tier.SPECIALIST, None),
]
TRAINING = [
    ("linkworker.mh", 0, 20),
    ("linkworker.mh", 1, 14),
    ("linkworker.mh", 2, 8),
    ("aisha.placeholme", 0, 30),
    ("aisha.placeholme", 1, 26),
    ("leanne.trialstone", 0, 40),  # out of date: refresh was due at 36 months
    ("leanne.trialstone", 1, 10),
    ("bex.dummyfield", 0, 5),
    ("keyworker.mh", 0, 11),
    ("keyworker.sm", 0, 3),
    ("grace.sampleby", 0, 2),
]
SCHEDULE_TITLE = "Northgate dual diagnosis link meeting"
STANDING = "Learning: a short case or topic from one service\nNews from each organisation\nTraining dates"
CASES = [
    {
        "brief_history": (
            "Known to the CMHT for four years after a first psychotic episode; housing has broken down twice."
        ),
        "mental_health": "Paranoid ideas when using; takes antipsychotic depot most months.",
        "substance_use": "Daily cannabis, alcohol at weekends, occasional crack cocaine.",
        "current_concerns": "Missed the last two depot appointments and a drug service review.",
        "question": "Who should lead a joint assessment, and can the drug service see them at the CMHT?",
    },
    {
        "brief_history": "Referred by the GP after an overdose last year; lives alone.",
        "mental_health": "Low mood, poor sleep, thoughts of self-harm at times.",
        "substance_use": "Drinking about 20 units a day, asking for a detox.",
        "current_concerns": "Wants a detox but worries about their mood without alcohol.",
        "question": "Can we plan a community detox with mental health follow-up the same week?",
    },
]


def _months_ago(today: dt.date, months: int) -> dt.date:
    return today - dt.timedelta(days=round(months * 30.44))


def build(demo) -> None:
    today = demo.today
    staff = demo.staff
    for team_key, username, deputy, months, ends_in in APPOINTMENTS:
        team, user = demo.teams[team_key], staff[username]
        if Appointment.objects.filter(team=team, user=user).exists():
            continue
        services.appointment_create(
            team=team,
            user=user,
            deputy=staff.get(deputy) if deputy else None,
            start=_months_ago(today, months),
            end=today + dt.timedelta(days=ends_in) if ends_in else None,
        )
        demo.created["link-worker appointments"] += 1

    courses = []
    for title, tier, refresh in COURSES:
        course, made = Course.objects.get_or_create(
            title=title, defaults={"tier": tier, "refresh_months": refresh}
        )
        demo.created["training courses"] += int(made)
        courses.append(course)
    recorder = staff["manager.mh"]
    for username, course_index, months in TRAINING:
        user, course = staff[username], courses[course_index]
        if TrainingRecord.objects.filter(user=user, course=course).exists():
            continue
        services.training_record_add(
            user=user, course=course, attended_on=_months_ago(today, months), by=recorder
        )
        demo.created["training records"] += 1

    chair = staff["linkworker.mh"]
    schedule = MeetingSchedule.objects.filter(title=SCHEDULE_TITLE).first()
    if schedule is None:
        first = _months_ago(today, 2) - dt.timedelta(days=7)
        # On a Tuesday: monthly meetings fall on the first date's weekday (never a weekend).
        first -= dt.timedelta(days=(first.weekday() - calendar.TUESDAY) % 7)
        schedule = MeetingSchedule.objects.create(
            title=SCHEDULE_TITLE,
            every=MeetingSchedule.Every.MONTH,
            first_date=first,
            starts_at=dt.time(14, 0),
            duration_minutes=90,
            location="Meeting room 2, Northgate House, 4 Station Road",
            chair=chair,
            standing_items=STANDING,
        )
        demo.created["link-meeting schedules"] += 1
        _past_meetings(demo, schedule)
    demo.created["link meetings"] += services.meetings_generate(schedule_ids=[schedule.pk])
    _notify_cases(demo, schedule)


def _past_meetings(demo, schedule) -> None:
    staff = demo.staff
    tz = timezone.get_current_timezone()
    standing = [line for line in schedule.standing_items.splitlines() if line.strip()]
    past = list(schedule.dates(demo.today - dt.timedelta(days=1)))[-2:]
    for n, day in enumerate(past):
        starts_at = dt.datetime.combine(day, schedule.starts_at, tzinfo=tz)
        meeting = services.meeting_create(
            title=schedule.title,
            starts_at=starts_at,
            duration_minutes=schedule.duration_minutes,
            location=schedule.location,
            chair=schedule.chair,
            schedule=schedule,
            standing_items=standing,
        )
        chair = schedule.chair
        came = {
            "linkworker.mh": "present",
            "aisha.placeholme": "present" if n == 0 else "apologies",
            "leanne.trialstone": "deputy" if n == 1 else "present",
            "bex.dummyfield": "present",
            "grace.sampleby": "apologies" if n == 0 else "absent",
        }
        for username, status in came.items():
            deputy = staff["keyworker.sm"] if status == "deputy" else None
            services.attendance_record(
                meeting=meeting, user=staff[username], status=status, deputy=deputy, by=chair
            )
        items = list(meeting.items.order_by("position"))
        services.item_update(
            item=items[0], by=chair, title=items[0].title, minutes="Welcome; apologies noted.", decisions=""
        )
        services.item_update(
            item=items[2],
            by=chair,
            title=items[2].title,
            minutes="Leanne presented the alcohol withdrawal pathway and when to ask for a joint assessment.",
            decisions="Each team to share the pathway at its next team meeting.",
        )
        owners = [
            ("leanne.trialstone", "Share the withdrawal pathway with the CMHTs"),
            ("aisha.placeholme", "Find a date for tier 2 training in South CMHT"),
        ]
        for username, text in owners[n:] if n == 1 else owners:
            action = services.action_add(
                meeting=meeting,
                item=items[2],
                description=text if n == 0 else f"{text} (second round)",
                owner=staff[username],
                due_on=day + dt.timedelta(days=21),
                by=chair,
            )
            if n == 0 and username == "leanne.trialstone":
                services.action_complete(action=action, by=staff[username], on=day + dt.timedelta(days=14))
        services.meeting_finalise(meeting=meeting, by=chair)
        # The demo's past notes count as sent: nobody is emailed about a meeting months ago.
        Dispatch.objects.filter(meeting=meeting).update(state=Dispatch.State.SENT, sent_at=clock.now())
        demo.created["link meetings"] += 1


def _notify_cases(demo, schedule) -> None:
    upcoming = (
        Meeting.objects.filter(schedule=schedule, state=Meeting.State.SCHEDULED, starts_at__gt=clock.now())
        .order_by("starts_at")
        .first()
    )
    if upcoming is None or upcoming.cases.exists():
        return
    key_worker = demo.staff["keyworker.mh"]
    people = list(access.linkworkers_notifiable_people(key_worker).order_by("family_name", "given_name")[:2])
    for person, case in zip(people, CASES, strict=False):
        services.case_notify(meeting=upcoming, service_user=person, by=key_worker, **case)
        demo.created["cases notified"] += 1
