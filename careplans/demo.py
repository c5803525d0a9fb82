"""Demo care plans in every state, written through the services as staff and people would.

- Sam Testwell (`serviceuser`): entries from the CMHT and the drug and alcohol service, risk
  history from both, a crisis plan; version 1 with changes asked for, version 2 agreed in the
  portal; their mum (`carer`) may see the crisis plan and has added her views.
- Kerry Trialby: published by both organisations, not yet agreed.
- Maya Mockley: published; she asked for changes in her own words.
- Rhys Placemoor: published long ago and the review is overdue.
- Alex Sampleton: a draft, never published.
- Sam's own words (issue 20): what matters (accepted into the plan), two goals with their
  ratings over time, and an early sign waiting for an answer.

Found and run by `manage.py demo` after the core steps (dualcare/management/demo_data.py).
Idempotent: a person who already has a plan is left as they are.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from dualcare import clock

from . import services
from .models import CarePlan, OwnWords, PlanVersion

KW_MH, KW_SM, LW_MH = "keyworker.mh", "keyworker.sm", "linkworker.mh"


def _backdate(version: PlanVersion, *, days_ago: int, review_due: dt.date | None = None) -> None:
    """Move a demo version's publication back in time (the services stamp "now")."""
    published_at = clock.now() - dt.timedelta(days=days_ago)
    due = review_due or services.default_review_due(timezone.localtime(published_at).date())
    PlanVersion.objects.filter(pk=version.pk).update(published_at=published_at, review_due=due)
    CarePlan.objects.filter(pk=version.plan_id, current_version_number=version.number).update(review_due=due)


def _sam(demo, person) -> None:
    kw_mh, kw_sm = demo.staff[KW_MH], demo.staff[KW_SM]
    today = demo.today
    add = services.entry_add
    add(
        service_user=person,
        section="what_matters",
        by=kw_mh,
        text="\u201cBeing a good parent to my son. Keeping my flat. Not ending up back in hospital.\u201d",
    )
    goal = add(
        service_user=person,
        section="goal",
        by=kw_mh,
        text="\u201cI want to sleep properly and stop the voices getting on top of me.\u201d",
        domain="mental_health",
        target_date=today + relativedelta(months=3),
        progress="Taking medication most days; sleeping about five hours.",
    )
    add(
        service_user=person,
        section="goal",
        by=kw_sm,
        text="\u201cCut down to drinking only at weekends, then stop.\u201d",
        domain="drug_alcohol",
        target_date=today + relativedelta(months=4),
        progress="Down from daily to four days a week.",
    )
    add(
        service_user=person,
        section="goal",
        by=kw_sm,
        text="\u201cGet back into volunteering at the allotment.\u201d",
        domain="leisure",
        target_date=today + relativedelta(months=6),
    )
    add(
        service_user=person,
        section="action",
        by=kw_sm,
        text="Weekly key-work session on cutting down alcohol, with a drinking diary.",
        owner_kind="worker",
        owner_worker=kw_sm,
        due_date=today + relativedelta(months=1),
        status="in_progress",
    )
    add(
        service_user=person,
        section="action",
        by=kw_mh,
        text="Medication review with the CMHT psychiatrist.",
        owner_kind="organisation",
        due_date=today + dt.timedelta(days=21),
        status="not_started",
    )
    add(
        service_user=person,
        section="action",
        by=kw_mh,
        text="Keep a sleep diary and bring it to appointments.",
        owner_kind="service_user",
        status="in_progress",
    )
    add(
        service_user=person,
        section="crisis",
        by=kw_mh,
        warning_signs="Not sleeping for two nights or more; drinking in the mornings; "
        "stopping my medication; not answering the phone.",
        triggers="Arguments with my ex about contact with my son; money worries at the end of the month.",
        what_helps="Time with my son; walking by the canal; calling Mum; "
        "someone coming round rather than phoning.",
        who_to_contact="1. Mum (Pat) 07700 900900. 2. North CMHT duty worker 0113 496 0110 (9 to 5). "
        "3. Harbourside key worker 0113 496 0210.",
        out_of_hours="Northgate crisis line 0113 496 0999, any time. NHS 111, option 2. "
        "In an emergency, 999.",
    )
    add(
        service_user=person,
        section="risk",
        by=kw_mh,
        recorded_on=today - relativedelta(months=14),
        text="Admitted after an overdose of prescribed medication with alcohol during a relapse. "
        "Risk to self high at the time.",
    )
    add(
        service_user=person,
        section="risk",
        by=kw_sm,
        recorded_on=today - relativedelta(months=6),
        text="Drinking alone daily; fell and hurt a wrist. "
        "Risk of falls and of mixing alcohol with medication.",
    )
    add(
        service_user=person,
        section="risk",
        by=kw_mh,
        recorded_on=today - dt.timedelta(days=20),
        text="No thoughts of self-harm. Protective: son, Mum, allotment. Risk to self low to moderate.",
    )
    add(
        service_user=person,
        section="carer",
        by=kw_mh,
        carer_views="Pat (Mum) worries most at night and wants to know who to ring.",
        shared_with_carer="Sam agrees Mum can see the crisis plan and be called if Sam cannot be reached "
        "for two days.",
    )
    add(
        service_user=person,
        section="discharge",
        by=kw_sm,
        text="When Sam finishes structured treatment, "
        "monthly check-ins with the recovery café for six months.",
        how_to_come_back="Phone Harbourside on 0113 496 0200 and ask for a return appointment: "
        "no new referral needed within a year.",
    )
    first = services.careplan_publish(service_user=person, by=kw_mh)
    services.agreement_record(
        version=first,
        by=demo.service_user_login,
        kind="changes",
        comment="Please add that I'd rather someone came round than phoned when I'm low.",
    )
    _backdate(first, days_ago=90)
    services.entry_update(
        entry=goal,
        by=kw_mh,
        expected_version=goal.version,
        text=goal.text,
        domain=goal.domain,
        target_date=goal.target_date,
        progress="Taking medication every day now; sleeping six hours most nights.",
    )
    second = services.careplan_publish(service_user=person, by=kw_sm)
    services.agreement_record(version=second, by=demo.service_user_login, kind="agreed")
    if demo.carer_login is not None:
        services.agreement_record(
            version=second,
            by=demo.carer_login,
            kind="carer_views",
            comment="Thank you for putting my number first. Please ring me if Sam stops answering.",
        )
    _backdate(second, days_ago=14)
    demo.created["care plan versions"] += 2


def _simple(demo, person, *, writers: tuple[str, ...], state: str) -> None:
    first_writer = demo.staff[writers[0]]
    services.entry_add(
        service_user=person,
        section="what_matters",
        by=first_writer,
        text="\u201cFeeling safe at home and getting my confidence back.\u201d",
    )
    services.entry_add(
        service_user=person,
        section="goal",
        by=first_writer,
        text="\u201cGo to the shops on my own.\u201d",
        domain="leisure",
        target_date=demo.today + relativedelta(months=3),
    )
    services.entry_add(
        service_user=person,
        section="crisis",
        by=first_writer,
        warning_signs="Staying in bed all day; not eating.",
        what_helps="A call from my key worker; my sister visiting.",
        who_to_contact="Key worker on the team number in office hours.",
        out_of_hours="NHS 111, option 2. In an emergency, 999.",
    )
    for username in writers[1:]:
        services.entry_add(
            service_user=person,
            section="action",
            by=demo.staff[username],
            text="Fortnightly appointment to review drug and alcohol use.",
            owner_kind="organisation",
            due_date=demo.today + relativedelta(months=2),
            status="in_progress",
        )
    services.entry_add(
        service_user=person,
        section="risk",
        by=first_writer,
        recorded_on=demo.today - dt.timedelta(days=30),
        text="No current risk to self or others identified.",
    )
    if state == "draft":
        return
    version = services.careplan_publish(service_user=person, by=first_writer)
    demo.created["care plan versions"] += 1
    if state == "changes" and person.user_id:
        services.agreement_record(version=version, by=person.user, kind="changes", comment="Add my sister.")
    elif state == "changes":
        services.agreement_record(
            version=version,
            by=first_writer,
            kind="changes",
            comment="\u201cI want my sister named as someone to call.\u201d",
        )
    if state == "overdue":
        _backdate(version, days_ago=220, review_due=demo.today - relativedelta(months=1))


PLANS = (
    ("Kerry Trialby", (KW_MH, KW_SM), "published"),
    ("Maya Mockley", (LW_MH, KW_SM), "changes"),
    ("Rhys Placemoor", (KW_SM,), "overdue"),
    ("Alex Sampleton", (KW_MH,), "draft"),
)


def _sam_own_words(demo, person) -> None:
    """Issue 20: Sam has written what matters (added to the plan in their words), two goals of
    their own rated over the last months, and an early sign they notice, waiting for an answer."""
    me = demo.service_user_login
    today = demo.today
    matters = services.own_words_propose(
        service_user=person, by=me, kind="what_matters", text="Taking my son to football on Saturdays."
    )
    services.own_words_accept(
        own_words=matters, by=demo.staff[KW_MH], reply="Added. We can plan around Saturdays."
    )
    progress = {
        ("I want to cook a proper meal twice a week.", "leisure"): [3, 4, 4, 6],
        ("Cut down to drinking only at weekends.", "drug_alcohol"): [2, 3, 5],
    }
    for (text, domain), scores in progress.items():
        goal = services.own_words_propose(service_user=person, by=me, kind="goal", text=text, domain=domain)
        for weeks_ago, score in zip(range(3 * (len(scores) - 1), -1, -3), scores, strict=True):
            services.goal_rate(goal=goal, by=me, score=score, rated_on=today - dt.timedelta(weeks=weeks_ago))
    services.own_words_propose(
        service_user=person, by=me, kind="early_signs", text="I stop opening my post and stay in bed."
    )
    demo.created["own words"] += 4


def build(demo) -> None:
    """Care plans for the demo people, each in its state. Skips anyone who already has one."""
    sam = demo.people.get("Sam Testwell")
    if sam is not None and not CarePlan.objects.filter(service_user=sam).exists():
        _sam(demo, sam)
        demo.created["care plans"] += 1
    has_words = sam is not None and OwnWords.objects.filter(service_user=sam).exists()
    if sam is not None and demo.service_user_login is not None and not has_words:
        _sam_own_words(demo, sam)
    for key, writers, state in PLANS:
        person = demo.people.get(key)
        if person is None or CarePlan.objects.filter(service_user=person).exists():
            continue
        _simple(demo, person, writers=writers, state=state)
        demo.created["care plans"] += 1
