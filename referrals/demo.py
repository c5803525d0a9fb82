"""Demo referrals: every state, some overdue, a decline with signposting, a completed handover.

Called by the demo loader (dualcare/management/demo_data.py) after people and consents exist:

    from referrals.demo import build_referrals     # append to STEPS, after build_consents
    # or, with plain lookups:
    demo_referrals(today=..., teams={...}, staff={...}, people={...}, created=Counter())

Written through the referral services, as staff would write them; the services stamp "now",
so the demo then moves each referral's clock back to when it was sent (times, deadlines and
history rows together) to give a realistic inbox with some referrals overdue. Idempotent:
a referral is recognised by its person, teams and reason, and is never made twice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone

from dualcare import clock

from . import services, sla
from .models import Handover, Referral, ReferralEvent, State


@dataclass(frozen=True)
class DemoReferral:
    person: str  # "Given Family", a key of the demo's people
    from_team: str
    referrer: str
    to_team: str
    urgency: str
    sent_working_days_ago: int | float  # a float is hours ago / 24 (for emergencies)
    reason: str
    person_wants: str
    mental_health_needs: str
    substance_use: str
    risk_summary: str
    # What happened next: (state, actor username, hours after sending).
    steps: tuple[tuple[str, str, int], ...] = ()
    decline: tuple[str, str, str] | None = None  # reason, service, next steps
    key_worker: str | None = None
    handover: tuple[str, str] | None = None  # (what was agreed, others attending)
    note: str = ""


REFERRALS = (
    DemoReferral(
        person="Rhys Placemoor",
        from_team="recovery",
        referrer="keyworker.sm",
        to_team="north",
        urgency="urgent",
        sent_working_days_ago=3,
        reason=(
            "Since cutting down on cannabis Rhys has been hearing a voice commenting on what he does. "
            "He is frightened by it and has stopped going out. We would like a mental health assessment."
        ),
        person_wants="\u201cI want to know what is going on in my head and make it stop.\u201d",
        mental_health_needs="Possible first episode of psychosis; low mood; poor sleep.",
        substance_use="Cannabis daily for six years, cutting down with us for six weeks.",
        risk_summary="No thoughts of harming himself or others. Lives with his mum, who is supportive.",
    ),
    DemoReferral(
        person="Tomasz Demodale",
        from_team="recovery",
        referrer="keyworker.sm",
        to_team="north",
        urgency="routine",
        sent_working_days_ago=0,
        reason="Low mood for several months, worse since his alcohol detox. Asking for an assessment.",
        person_wants="\u201cSomeone to talk to who understands both things.\u201d",
        mental_health_needs="Low mood, anxiety in crowds.",
        substance_use="Alcohol: completed community detox four weeks ago, abstinent since.",
        risk_summary="Past overdose ten years ago; none since. No current thoughts of self-harm.",
    ),
    DemoReferral(
        person="Uzma Stubworth",
        from_team="recovery",
        referrer="leanne.trialstone",
        to_team="north",
        urgency="routine",
        sent_working_days_ago=12,
        reason="Panic attacks and flashbacks are getting in the way of her recovery group work.",
        person_wants="\u201cHelp with the panic so I can keep coming to group.\u201d",
        mental_health_needs="Panic attacks; possible PTSD.",
        substance_use="Benzodiazepines bought online, reducing; alcohol at weekends.",
        risk_summary="No current risk to self. Past domestic abuse; now safe.",
        steps=(("acknowledged", "linkworker.mh", 20),),
    ),
    DemoReferral(
        person="Jade Demoway",
        from_team="recovery",
        referrer="keyworker.sm",
        to_team="north",
        urgency="emergency",
        sent_working_days_ago=2 / 24,
        reason=(
            "Jade told us today she has stopped her antipsychotic and is not sleeping. "
            "She needs a same-day review."
        ),
        person_wants="\u201cI need to see someone today.\u201d",
        mental_health_needs="Known bipolar disorder; stopped medication a week ago.",
        substance_use="Alcohol and cocaine at weekends, more this week.",
        risk_summary="Thoughts of ending her life without a plan. Her sister is with her.",
    ),
    DemoReferral(
        person="Priya Fictwell",
        from_team="north",
        referrer="keyworker.mh",
        to_team="recovery",
        urgency="routine",
        sent_working_days_ago=1,
        reason=(
            "Priya would like to come back to the recovery team: her drinking has crept up again "
            "since her mum died."
        ),
        person_wants="\u201cTo get back on track before it gets like last time.\u201d",
        mental_health_needs="Depression, stable on medication; grief.",
        substance_use="Alcohol: about 40 units a week, up from 10.",
        risk_summary="No current risk to self.",
    ),
    DemoReferral(
        person="Hannah Placeley",
        from_team="north",
        referrer="keyworker.mh",
        to_team="recovery",
        urgency="routine",
        sent_working_days_ago=9,
        reason="Hannah drinks to cope with anxiety at night and asked for help to cut down.",
        person_wants="\u201cI want to stop needing a drink to get to sleep.\u201d",
        mental_health_needs="Generalised anxiety.",
        substance_use="Alcohol: a bottle of wine most nights, no withdrawal symptoms.",
        risk_summary="None known.",
        steps=(("acknowledged", "keyworker.sm", 6), ("declined", "keyworker.sm", 50)),
        decline=(
            "Her drinking is below the level our structured treatment is for, and she has no withdrawal. "
            "Peer support and brief advice suit her better.",
            "Bridgeway Peer Mentoring (drop-in on Tuesdays and Fridays)",
            "She can drop in or call 020 7946 0310. We have sent her our leaflet on cutting down.",
        ),
    ),
    DemoReferral(
        person="Maya Mockley",
        from_team="north",
        referrer="linkworker.mh",
        to_team="recovery",
        urgency="urgent",
        sent_working_days_ago=110,
        reason="Maya is using heroin again after two years abstinent; she wants to restart treatment.",
        person_wants="\u201cTo get back on a script and not lose my flat.\u201d",
        mental_health_needs="Depression with psychotic features, on a depot.",
        substance_use="Heroin smoked daily for three weeks; no injecting.",
        risk_summary="Overdose risk as tolerance is low: given naloxone.",
        steps=(("acknowledged", "keyworker.sm", 3), ("accepted", "keyworker.sm", 26)),
        key_worker="keyworker.sm",
        handover=(
            "Recovery Team to restart prescribing through Harbourside Prescribing; CMHT keeps care "
            "coordination and the depot. Joint review in six weeks. Maya to tell either worker if she "
            "misses a pick-up.",
            "",
        ),
    ),
    DemoReferral(
        person="Nadia Pseudowick",
        from_team="north",
        referrer="keyworker.mh",
        to_team="peer",
        urgency="routine",
        sent_working_days_ago=70,
        reason="Nadia would like a peer mentor to help her get to appointments and groups.",
        person_wants="\u201cSomeone who has been there.\u201d",
        mental_health_needs="Emotional instability; anxiety.",
        substance_use="Alcohol and cannabis, reducing with the recovery team.",
        risk_summary="Self-harm by cutting in the past year; safety plan in place.",
        steps=(("accepted", "bex.dummyfield", 30), ("closed", "bex.dummyfield", 400)),
        key_worker="bex.dummyfield",
        handover=(
            "Weekly mentoring on Tuesdays; Bex goes with Nadia to her first two groups.",
            "Nadia's sister",
        ),
    ),
    DemoReferral(
        person="Tia Demoworth",
        from_team="north",
        referrer="linkworker.mh",
        to_team="recovery",
        urgency="routine",
        sent_working_days_ago=5,
        reason="Tia asked for help with her cannabis use.",
        person_wants="\u201cTo smoke less so I can focus at college.\u201d",
        mental_health_needs="Low mood, improving.",
        substance_use="Cannabis most evenings.",
        risk_summary="None known.",
        steps=(("withdrawn", "linkworker.mh", 30),),
        note="Tia has decided to try the college wellbeing service first; she knows she can come back.",
    ),
    DemoReferral(
        person="Dev Exampleby",
        from_team="north",
        referrer="linkworker.mh",
        to_team="recovery",
        urgency="routine",
        sent_working_days_ago=-1,  # a draft, not sent
        reason="Dev is drinking more since losing his job. Draft: check with Dev before sending.",
        person_wants="",
        mental_health_needs="Anxiety, stable.",
        substance_use="Alcohol: about 30 units a week.",
        risk_summary="None known.",
    ),
)


def _working_days_before(moment: dt.datetime, days: int) -> dt.datetime:
    local = timezone.localtime(moment)
    day = local.date()
    for _ in range(days):
        day -= dt.timedelta(days=1)
        while not sla.is_working_day(day):
            day -= dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 30)))


def _sent_at(spec: DemoReferral, now: dt.datetime) -> dt.datetime:
    if isinstance(spec.sent_working_days_ago, float):
        return now - dt.timedelta(hours=spec.sent_working_days_ago * 24)
    if spec.sent_working_days_ago == 0:
        return now - dt.timedelta(minutes=40)
    return _working_days_before(now, spec.sent_working_days_ago)


def _set_clock(referral: Referral, sent_at: dt.datetime, steps: tuple) -> None:
    """Move the referral's times back to when it was (demo) sent and answered."""
    events = list(referral.events.order_by("at", "pk"))
    when = {State.DRAFT: sent_at - dt.timedelta(minutes=20), State.SENT: sent_at}
    for state, _, hours in steps:
        when[state] = sent_at + dt.timedelta(hours=hours)
    for event in events:
        ReferralEvent.objects.filter(pk=event.pk).update(at=when.get(event.to_state, event.at))
    changes = {"created_at": when[State.DRAFT]}
    if referral.state != State.DRAFT:
        changes.update(
            sent_at=sent_at,
            acknowledge_due_at=sla.due_at(sent_at, referral.urgency, "acknowledge"),
            decide_due_at=sla.due_at(sent_at, referral.urgency, "decide"),
            consent_confirmed_at=when[State.DRAFT],
        )
    for state, field in (
        (State.ACKNOWLEDGED, "acknowledged_at"),
        (State.ACCEPTED, "accepted_at"),
        (State.DECLINED, "declined_at"),
        (State.WITHDRAWN, "withdrawn_at"),
        (State.CLOSED, "closed_at"),
    ):
        if state in when and getattr(referral, field) is not None:
            changes[field] = when[state]
    Referral.objects.filter(pk=referral.pk).update(**changes)


def demo_referrals(
    *, today: dt.date, teams: dict, staff: dict, people: dict, created: Counter | None = None
) -> int:
    """Create the demo referrals that are missing. Returns how many were created.

    `teams` maps the demo's team keys (north, recovery, peer...) to Teams, `staff` usernames
    to Users, `people` "Given Family" to ServiceUsers. Specs whose person, teams or staff are
    missing are skipped, so a smaller demo still loads.
    """
    created = created if created is not None else Counter()
    now = clock.now()
    made = 0
    for spec in REFERRALS:
        person = people.get(spec.person)
        from_team, to_team = teams.get(spec.from_team), teams.get(spec.to_team)
        referrer = staff.get(spec.referrer)
        if None in (person, from_team, to_team, referrer):
            continue
        if Referral.objects.filter(
            service_user=person, from_team=from_team, to_team=to_team, reason=spec.reason
        ).exists():
            continue
        is_draft = spec.sent_working_days_ago == -1
        referral = services.referral_create(
            by=referrer,
            service_user=person,
            from_team=from_team,
            to_team=to_team,
            urgency=spec.urgency,
            reason=spec.reason,
            person_wants=spec.person_wants,
            mental_health_needs=spec.mental_health_needs,
            substance_use=spec.substance_use,
            risk_summary=spec.risk_summary,
            consent_confirmed=not is_draft,
            send=not is_draft,
        )
        for state, username, _ in spec.steps:
            actor = staff[username]
            if state == State.ACKNOWLEDGED:
                referral = services.referral_acknowledge(referral=referral, by=actor)
            elif state == State.ACCEPTED:
                key_worker = staff.get(spec.key_worker) if spec.key_worker else None
                referral = services.referral_accept(referral=referral, by=actor, key_worker=key_worker)
            elif state == State.DECLINED:
                reason, service, next_steps = spec.decline
                referral = services.referral_decline(
                    referral=referral,
                    by=actor,
                    reason=reason,
                    signposting_service=service,
                    signposting_next_steps=next_steps,
                )
            elif state == State.WITHDRAWN:
                referral = services.referral_withdraw(referral=referral, by=actor, note=spec.note)
            elif state == State.CLOSED:
                if spec.handover:
                    _handover(spec, referral, actor, today)
                referral = services.referral_close(referral=referral, by=actor, note="Handover done.")
        if spec.handover and referral.state == State.ACCEPTED:
            _handover(spec, referral, staff[spec.referrer], today)
        if not is_draft:
            _set_clock(Referral.objects.get(pk=referral.pk), _sent_at(spec, now), spec.steps)
        else:
            _set_clock(Referral.objects.get(pk=referral.pk), now - dt.timedelta(hours=2), ())
        made += 1
    created["referrals"] += made
    # Alerts for the ones already overdue, as the every-minute beat task would raise them.
    services.referrals_raise_overdue_alerts()
    return made


def _handover(spec: DemoReferral, referral: Referral, by, today: dt.date) -> Handover:
    agreed, others = spec.handover
    handover = services.handover_record(
        referral=referral, by=by, held_on=today, agreed=agreed, others_attending=others
    )
    # Held a fortnight after the (demo) sending date, never in the future.
    held_on = min(timezone.localtime(_sent_at(spec, clock.now())).date() + dt.timedelta(days=14), today)
    Handover.objects.filter(pk=handover.pk).update(held_on=held_on)
    return handover


def build_referrals(demo) -> None:
    """A STEPS entry for dualcare/management/demo_data.py: uses demo.teams, .staff, .people."""
    demo_referrals(
        today=demo.today, teams=demo.teams, staff=demo.staff, people=demo.people, created=demo.created
    )


# Found and run by `manage.py demo` after the core steps (dualcare/management/demo_data.py).
build = build_referrals
