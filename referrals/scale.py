"""The trust-scale demo's referrals, written in bulk (``manage.py demo --scale``; see
dualcare/people/scale.py).

At full scale 100,000 referrals between the trust's teams over the last year: every involvement
a person has besides their first team's came from a referral from that first team, accepted the
day the involvement started (and closed, the handover done, once the involvement ended or three
weeks after, mostly); the rest were declined with a reason and signposting, withdrawn by the
referrer, or are still open (sent or acknowledged in the last ten days, waiting on the receiving
team). Each referral has the rows referral_send, _acknowledge, _accept, _decline, _withdraw and
_close write: its times, its SLA due times (referrals.sla) and one ReferralEvent per move. As in
the demo's history, no alert or audit row is written per referral.
"""

from __future__ import annotations

import datetime as dt

from dualcare.bulk import rows_write
from dualcare.people.models import Organisation
from dualcare.people.scale import Trust, at, count

from . import sla
from .demo_history import DECLINE_REASONS, REASONS, SIGNPOSTING
from .models import Referral, ReferralEvent, State

REFERRALS = 100_000
# What became of the referrals that did not lead to an involvement.
OTHERWISE = [("declined", 62), ("withdrawn", 28), ("sent", 6), ("acknowledged", 4)]


def referrals_scale_create(trust: Trust) -> dict[str, int]:
    """Write the referrals and their events; returns how many of each."""
    rng = trust.rng("referrals")
    now, today = trust.now, trust.today
    referrals, events = [], []
    first_spell: dict = {}
    for spell in trust.involvements:
        first = first_spell.get(spell.service_user_id)
        if first is None or spell.start < first.start:
            first_spell[spell.service_user_id] = spell

    def save(referral: dict, moves: list) -> None:
        referral["updated_at"] = max(when for when, *_ in moves)
        referrals.append(referral)
        for when, by, before, after in moves:
            events.append(
                {
                    "referral_id": referral["id"],
                    "at": when,
                    "by_id": by,
                    "from_state": before,
                    "to_state": after,
                }
            )

    def new(person, from_spell, to_team, sent: dt.datetime) -> tuple[dict, list]:
        urgency = rng.choices(["routine", "urgent", "emergency"], weights=[85, 12, 3])[0]
        referrer = from_spell.key_worker_id or from_spell.team.workers[0]
        referral = {
            "id": trust.uuid(rng),
            "service_user_id": person,
            "from_team_id": from_spell.team.id,
            "referrer_id": referrer,
            "to_team_id": to_team.id,
            "urgency": urgency,
            "reason": rng.choice(REASONS),
            "consent_confirmed": True,
            "consent_confirmed_by_id": referrer,
            "consent_confirmed_at": sent,
            "state": State.SENT,
            "sent_at": sent,
            "acknowledge_due_at": sla.due_at(sent, urgency, "acknowledge"),
            "decide_due_at": sla.due_at(sent, urgency, "decide"),
            "created_at": sent - dt.timedelta(minutes=rng.randint(10, 90)),
        }
        return referral, [(sent, referrer, "", State.SENT)]

    # The referrals that led to the involvements after each person's first.
    for spell in trust.involvements:
        first = first_spell[spell.service_user_id]
        if spell is first or spell.team.kind == Organisation.Kind.PHARMACY:
            continue
        accepted = at(spell.start, rng.randint(9 * 60, 16 * 60))
        sent = max(at(first.start, 9 * 60), accepted - dt.timedelta(days=rng.randint(2, 12)))
        sent = min(sent, accepted - dt.timedelta(minutes=30))
        referral, moves = new(spell.service_user_id, first, spell.team, sent)
        receiver = spell.key_worker_id
        acknowledged = sent + (accepted - sent) * rng.uniform(0.1, 0.6)
        referral.update(state=State.ACCEPTED, acknowledged_at=acknowledged, accepted_at=accepted)
        referral["receiving_key_worker_id"] = receiver
        moves += [(acknowledged, receiver, State.SENT, State.ACKNOWLEDGED),
                  (accepted, receiver, State.ACKNOWLEDGED, State.ACCEPTED)]  # fmt: skip
        closed = accepted + dt.timedelta(days=rng.randint(7, 21))
        if spell.end is not None or (rng.random() < 0.8 and closed < now - dt.timedelta(days=1)):
            closed = min(closed, now - dt.timedelta(hours=2))
            referral.update(state=State.CLOSED, closed_at=closed)
            moves.append((closed, receiver, State.ACCEPTED, State.CLOSED))
        save(referral, moves)

    # The rest: declined, withdrawn or still open, about people still with their first team.
    teams = [t for t in trust.teams if t.kind != Organisation.Kind.PHARMACY and t.workers]
    open_to = {(s.service_user_id, s.team.id) for s in trust.involvements if s.end is None}
    open_referral = set()
    people = [p for p in trust.people if first_spell[p].end is None]
    outcomes, weights = zip(*OTHERWISE, strict=True)
    wanted = count(REFERRALS, trust.scale)
    tries = 0
    while len(referrals) < wanted and tries < wanted * 20:
        tries += 1
        person = rng.choice(people)
        first = first_spell[person]
        to_team = rng.choice(teams)
        fate = rng.choices(outcomes, weights=weights)[0]
        if to_team.id == first.team.id or (person, to_team.id) in open_to:
            continue
        if fate in ("sent", "acknowledged"):
            if (person, to_team.id) in open_referral:
                continue
            open_referral.add((person, to_team.id))
            sent = now - dt.timedelta(minutes=rng.randint(60, 10 * 24 * 60))
        else:
            days = min(365, (today - first.start).days)
            sent = at(
                today - dt.timedelta(days=rng.randint(1, max(1, days))), rng.randint(8 * 60 + 30, 17 * 60)
            )
        sent = max(sent, at(first.start, 9 * 60))
        referral, moves = new(person, first, to_team, sent)
        receiver = rng.choice(to_team.workers)
        latest = now - dt.timedelta(minutes=30)
        answered = min(latest, sent + (referral["acknowledge_due_at"] - sent) * rng.uniform(0.05, 1.3))
        if fate == "withdrawn":
            gone = min(latest, sent + dt.timedelta(hours=rng.randint(2, 72)))
            referral.update(state=State.WITHDRAWN, withdrawn_at=gone)
            moves.append((gone, moves[0][1], State.SENT, State.WITHDRAWN))
        elif fate == "sent":
            pass
        else:
            referral.update(state=State.ACKNOWLEDGED, acknowledged_at=answered)
            moves.append((answered, receiver, State.SENT, State.ACKNOWLEDGED))
            if fate == "declined":
                decided = min(latest, answered + dt.timedelta(hours=rng.randint(1, 120)))
                service, next_steps = rng.choice(SIGNPOSTING)
                referral.update(
                    state=State.DECLINED,
                    declined_at=decided,
                    decline_reason=rng.choice(DECLINE_REASONS),
                    signposting_service=service,
                    signposting_next_steps=next_steps,
                )
                moves.append((decided, receiver, State.ACKNOWLEDGED, State.DECLINED))
        save(referral, moves)

    return {
        "referrals": rows_write(Referral, referrals),
        "referral events": rows_write(ReferralEvent, events),
    }
