"""Demo risk histories and a safety flag for Sam (run by `manage.py demo` through build(demo)).

The CMHT assessed Sam five months ago and again this week, the overdose risk rising from medium
to high after release from prison; the drug and alcohol service assessed them last month. Sam
shares risk information with the drug and alcohol service (the core demo's consents), so its key
worker sees both organisations' history; they also agreed that the pharmacy sees safety flags,
and the drug and alcohol service raised an overdose flag the pharmacist sees on today's
collections. Idempotent: nothing is written twice."""

from __future__ import annotations

import datetime as dt

from dualcare import clock
from dualcare.management.demo_data import KW_MH, KW_SM, SHARED_PERSON, Demo
from dualcare.people import services as people
from dualcare.people.models import Consent, Scope

from . import services
from .models import Domain, FlagCode, Level, RiskAssessment, SafetyFlag

D = services.DomainInput


def _cmht_earlier() -> list:
    return [
        D(
            Domain.TO_SELF,
            Level.MEDIUM,
            "Thoughts of ending their life when drinking; no plan.",
            "Worse when drinking alone",
            "Weekly contact; crisis line card given",
        ),
        D(
            Domain.OVERDOSE,
            Level.MEDIUM,
            "Uses heroin on top of methadone at weekends.",
            "Better with daily supervised doses",
            "Naloxone kit; harm reduction advice",
        ),
        D(Domain.DISENGAGEMENT, Level.LOW, "Attends most appointments.", "", "Text reminders"),
    ]


def _cmht_now() -> list:
    return [
        D(
            Domain.TO_SELF,
            Level.MEDIUM,
            "Low mood since release; no current plan.",
            "Better with family contact",
            "Weekly contact; crisis plan reviewed",
        ),
        D(
            Domain.OVERDOSE,
            Level.HIGH,
            "Released from prison last week: tolerance low.",
            "Worse if using alone",
            "Daily supervised doses; naloxone; overdose flag raised",
        ),
        D(
            Domain.FROM_OTHERS,
            Level.MEDIUM,
            "Old associates have been visiting the flat.",
            "",
            "Safeguarding discussion with housing",
        ),
        D(
            Domain.DISENGAGEMENT,
            Level.MEDIUM,
            "Missed two appointments since release.",
            "",
            "Joint visit with the drug and alcohol service",
        ),
    ]


def _sm_last_month() -> list:
    return [
        D(
            Domain.OVERDOSE,
            Level.HIGH,
            "Due for release; history of overdose after a previous release.",
            "",
            "Prescription to start on release",
        ),
        D(Domain.PHYSICAL_HEALTH, Level.LOW, "Hepatitis C treated in prison.", "", "GP follow-up"),
    ]


def build(demo: Demo) -> None:
    sam = demo.people[SHARED_PERSON.key]
    kw_mh, kw_sm = demo.staff[KW_MH], demo.staff[KW_SM]
    today = clock.today()
    if not RiskAssessment.objects.filter(service_user=sam).exists():
        for by, days_ago, domains, view in (
            (kw_mh, 150, _cmht_earlier(), "I know the weekends are when it goes wrong."),
            (kw_sm, 30, _sm_last_month(), "I'm worried about coming out."),
            (kw_mh, 3, _cmht_now(), "I'm scared of using again but I want to stay on my script."),
        ):
            services.risk_assessment_record(
                service_user=sam,
                by=by,
                assessed_on=today - dt.timedelta(days=days_ago),
                domains=domains,
                person_view=view,
                review_due=today - dt.timedelta(days=days_ago) + dt.timedelta(days=180),
            )
            demo.created["risk assessments"] += 1
    pharmacy = demo.organisations["pharmacy"]
    if not Consent.objects.filter(
        service_user=sam, organisation=pharmacy, scope=Scope.RISK, withdrawn_at__isnull=True
    ).exists():
        people.consent_record(
            service_user=sam,
            organisation=pharmacy,
            scope=Scope.RISK,
            by=kw_sm,
            method=Consent.Method.WRITTEN,
            note="Agreed the pharmacy should see safety warnings, so staff know what to look out for.",
        )
    if not SafetyFlag.objects.filter(service_user=sam, code=FlagCode.LONE_VISIT).exists():
        # Ten weeks ago the CMHT flagged home visits; reviewed in time at three weeks, its next
        # review (ten days ago) has not been done: the dashboards' "flags reviewed on time" 50%.
        now = clock.now()
        with clock.frozen(now - dt.timedelta(days=70)):
            visit = services.safety_flag_raise(
                service_user=sam,
                by=kw_mh,
                code=FlagCode.LONE_VISIT,
                warning="Do not visit alone",
                reason="A visitor at the flat was threatening to staff in the summer.",
                review_on=clock.today() + dt.timedelta(days=28),
            )
        with clock.frozen(now - dt.timedelta(days=50)):
            services.safety_flag_review(
                flag=visit,
                by=kw_mh,
                review_on=clock.today() + dt.timedelta(days=40),
                note="Visitor still around.",
            )
        demo.created["safety flags"] += 1
    if not SafetyFlag.objects.filter(service_user=sam, code=FlagCode.OVERDOSE).exists():
        services.safety_flag_raise(
            service_user=sam,
            by=kw_sm,
            code=FlagCode.OVERDOSE,
            warning="Overdose risk: recent release from prison",
            reason="Released last week after six months; tolerance is low. Naloxone given.",
            review_on=today + dt.timedelta(days=28),
        )
        demo.created["safety flags"] += 1
