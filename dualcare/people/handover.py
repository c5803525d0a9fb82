"""Provider handover (issue 21 item 5): services, the dry run, and the registry of what moves.

When one organisation's contract passes to another, an admin of each agrees a handover. On its date
(the beat, once; or at once when agreed on or after it) the chosen teams' open involvements end and
open in the mapped new teams with no key worker (the new team's managers are told to allocate one),
the records the old organisation wrote about those people MOVE to the new one (their organisation,
or team, becomes the new one's: the new provider holds and edits them from that day; who wrote them
is unchanged), each moved record is audited ("handover.move", how: "moved"), consents to the old
organisation are carried to the new one or re-asked (a consent request) as each person chose, and
permissions_sync takes the old provider's staff off those people that same transaction.

What an app holds about a person is its own business: each capability app registers a kind of record
here from its ``AppConfig.ready()`` (the core never imports an app)::

    handover.register("outcomes.honosrating", words="HoNOS ratings",
                      rows=handover.by_organisation(HonosRating, team="team"))

``rows`` is a Movable: ``count(person_ids, from_org_id, team_map) -> {person_id: n}`` and
``move(person_ids, from_org_id, to_org_id, team_map) -> [(person_id, pk)]``, where ``team_map`` is
{old team id: new team id}. ``by_organisation`` and ``by_team`` build one for the usual shapes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Count

from dualcare import access, clock
from dualcare.audit.models import AuditEvent
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError, StateConflict

from .handover_models import Handover, HandoverMove, HandoverPerson, HandoverTeam
from .models import Consent, ConsentRequest, Involvement, Organisation, Team, User

# ---------------------------------------------------------------------------
# The registry: what each app holds about a person for an organisation


@dataclass(frozen=True)
class Movable:
    count: Callable[[list, object, dict], dict]
    move: Callable[[list, object, object, dict], list]
    # Rows held by the organisation as a whole (not by a team): they move only for people the old
    # organisation no longer cares for through any other team; else they stay its own.
    by_organisation: bool = False


@dataclass(frozen=True)
class RecordKind:
    label: str
    words: str
    rows: Movable


KINDS: dict[str, RecordKind] = {}


def register(label: str, *, words: str, rows: Movable) -> None:
    """An app declares one kind of record that moves in a handover (from its AppConfig.ready())."""
    existing = KINDS.get(label)
    if existing is not None and existing.rows is not rows:
        raise ImproperlyConfigured(f"handover kind {label!r} is registered twice")
    KINDS[label] = RecordKind(label=label, words=words, rows=rows)


def kind_words(label: str) -> str:
    if label == "people.involvement":
        return "Involvements (care by a team)"
    kind = KINDS.get(label)
    return kind.words if kind else label


def _counted(queryset, person: str) -> dict:
    return dict(queryset.order_by().values_list(person).annotate(n=Count("pk")).values_list(person, "n"))


def by_organisation(
    model, *, person: str = "service_user", organisation: str = "organisation", team: str = ""
):
    """Rows with a direct organisation column (and optionally a team column, mapped by team_map;
    a team not in the map becomes empty): those of the old organisation about these people."""

    def rows(person_ids, from_org_id):
        return model._default_manager.filter(
            **{f"{person}__in": person_ids, f"{organisation}_id": from_org_id}
        )

    def count(person_ids, from_org_id, team_map):
        return _counted(rows(person_ids, from_org_id), person)

    def move(person_ids, from_org_id, to_org_id, team_map):
        found = list(
            rows(person_ids, from_org_id)
            .order_by()
            .values_list(person, "pk", *([f"{team}_id"] if team else []))
        )
        pks = [row[1] for row in found]
        if team:
            for old_team, new_team in team_map.items():
                moved = [row[1] for row in found if row[2] == old_team]
                model._default_manager.filter(pk__in=moved).update(**{f"{team}_id": new_team})
            others = [row[1] for row in found if row[2] not in team_map]
            model._default_manager.filter(pk__in=others).update(**{f"{team}_id": None})
        model._default_manager.filter(pk__in=pks).update(**{f"{organisation}_id": to_org_id})
        return [(row[0], row[1]) for row in found]

    return Movable(count=count, move=move, by_organisation=True)


def by_team(model, *, person: str = "service_user", team: str = "team"):
    """Rows whose organisation is their team's: those of the handed-over teams, to the mapped team."""

    def rows(person_ids, team_ids):
        return model._default_manager.filter(**{f"{person}__in": person_ids, f"{team}_id__in": team_ids})

    def count(person_ids, from_org_id, team_map):
        return _counted(rows(person_ids, list(team_map)), person)

    def move(person_ids, from_org_id, to_org_id, team_map):
        found = []
        for old_team, new_team in team_map.items():
            these = list(rows(person_ids, [old_team]).order_by().values_list(person, "pk"))
            model._default_manager.filter(pk__in=[pk for _, pk in these]).update(**{f"{team}_id": new_team})
            found += these
        return found

    return Movable(count=count, move=move)


# ---------------------------------------------------------------------------
# Proposing and agreeing


def _team_map(handover: Handover) -> dict:
    return dict(handover.teams.order_by().values_list("from_team_id", "to_team_id"))


def _ensure_admin(by: User, handover: Handover) -> set[str]:
    sides = access.handovers_sides_of(by, handover)
    if not sides:
        raise ApplicationError("Only an admin of one of the two organisations can do this.")
    return sides


def _ensure_open(handover: Handover, *states) -> None:
    if handover.state not in (states or (Handover.State.PROPOSED,)):
        raise StateConflict(
            f"This handover is {handover.get_state_display().lower()}: it can no longer change."
        )


@transaction.atomic
def handover_propose(
    *, from_organisation: Organisation, to_organisation: Organisation, on: dt.date, by: User
) -> Handover:
    """An admin of either organisation proposes a handover on a date (today or later)."""
    if from_organisation.pk == to_organisation.pk:
        raise ApplicationError("Choose a different organisation to hand over to.", field="to_organisation")
    orgs = access.handovers_administered_organisation_ids(by)
    if from_organisation.pk not in orgs and to_organisation.pk not in orgs:
        raise ApplicationError(
            "You can only propose a handover of your own organisation.", field="from_organisation"
        )
    if on < clock.today():
        raise ApplicationError("The handover date cannot be in the past.", field="on")
    handover = Handover.objects.create(
        from_organisation=from_organisation, to_organisation=to_organisation, on=on, proposed_by=by
    )
    audit_record(actor=by, action="handover.propose", target=handover, organisation=from_organisation)
    return handover


@transaction.atomic
def handover_team_add(*, handover: Handover, from_team: Team, to_team: Team, by: User) -> HandoverTeam:
    """One of the old organisation's teams goes to one of the new one's (while proposed)."""
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    _ensure_admin(by, handover)
    _ensure_open(handover)
    if from_team.organisation_id != handover.from_organisation_id:
        raise ApplicationError(f"Choose a team of {handover.from_organisation}.", field="from_team")
    if to_team.organisation_id != handover.to_organisation_id or not to_team.is_active:
        raise ApplicationError(f"Choose an active team of {handover.to_organisation}.", field="to_team")
    if handover.teams.filter(from_team=from_team).exists():
        raise ApplicationError(f"{from_team} is already in this handover.", field="from_team")
    pair = HandoverTeam.objects.create(handover=handover, from_team=from_team, to_team=to_team)
    audit_record(
        actor=by,
        action="handover.team_add",
        target=handover,
        detail={"from_team": str(from_team.pk), "to_team": str(to_team.pk)},
    )
    return pair


def handover_people_ids(handover: Handover) -> list:
    """The people with an open involvement of a chosen team: those the handover is about."""
    return list(
        Involvement.objects.filter(team_id__in=list(_team_map(handover)), end__isnull=True)
        .order_by()
        .values_list("service_user_id", flat=True)
        .distinct()
    )


@transaction.atomic
def handover_consent_choose(*, handover: Handover, service_user, choice: str, by: User) -> HandoverPerson:
    """Record what the person chose for their consents: carried over, or asked again (the default)."""
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    _ensure_admin(by, handover)
    _ensure_open(handover, Handover.State.PROPOSED, Handover.State.AGREED)
    if choice not in HandoverPerson.ConsentChoice.values:
        raise ApplicationError(
            "Choose what the person wants done with their consents.", field="consent_choice"
        )
    if not Involvement.objects.filter(
        service_user=service_user, team_id__in=list(_team_map(handover)), end__isnull=True
    ).exists():
        raise ApplicationError("This person is not in this handover.", field="service_user")
    person, _ = HandoverPerson.objects.update_or_create(
        handover=handover, service_user=service_user, defaults={"consent_choice": choice, "chosen_by": by}
    )
    audit_record(
        actor=by,
        action="handover.consent_choice",
        target=person,
        service_user=service_user,
        detail={"handover": str(handover.pk), "choice": choice},
    )
    return person


@transaction.atomic
def handover_agree(*, handover: Handover, by: User) -> Handover:
    """An admin agrees for their side. The two sides are two people; once both have agreed, the
    handover is carried out at once if its date has come (else by the beat on the date)."""
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    sides = _ensure_admin(by, handover)
    _ensure_open(handover)
    if not handover.teams.exists():
        raise ApplicationError("Add at least one team to hand over before agreeing.")
    if by.pk in (handover.from_agreed_by_id, handover.to_agreed_by_id):
        raise ApplicationError("You have already agreed: an admin of the other organisation must agree too.")
    side = next(
        (s for s in ("from", "to") if s in sides and getattr(handover, f"{s}_agreed_by_id") is None), None
    )
    if side is None:
        raise ApplicationError("Your organisation has already agreed this handover.")
    setattr(handover, f"{side}_agreed_by", by)
    setattr(handover, f"{side}_agreed_at", clock.now())
    fields = [f"{side}_agreed_by", f"{side}_agreed_at", "updated_at"]
    if handover.from_agreed_by_id and handover.to_agreed_by_id:
        handover.state = Handover.State.AGREED
        fields.append("state")
    handover.save(update_fields=fields)
    audit_record(actor=by, action="handover.agree", target=handover, detail={"side": side})
    if handover.state == Handover.State.AGREED and handover.on <= clock.today():
        handover_carry_out(handover_id=handover.pk)
        handover.refresh_from_db()
    return handover


@transaction.atomic
def handover_cancel(*, handover: Handover, by: User) -> Handover:
    """Either side's admin cancels a handover not yet carried out."""
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    _ensure_admin(by, handover)
    _ensure_open(handover, Handover.State.PROPOSED, Handover.State.AGREED)
    handover.state = Handover.State.CANCELLED
    handover.cancelled_by = by
    handover.cancelled_at = clock.now()
    handover.save(update_fields=["state", "cancelled_by", "cancelled_at", "updated_at"])
    audit_record(actor=by, action="handover.cancel", target=handover)
    return handover


# ---------------------------------------------------------------------------
# The dry run


@dataclass
class DryRun:
    people: int = 0
    involvements: int = 0
    kinds: list = field(default_factory=list)  # [(label, words, count)]
    consents_to_carry: int = 0
    consents_to_reask: int = 0
    people_to_reask: int = 0


def _consents_by_person(person_ids, organisation_id) -> dict:
    by_person: dict = {}
    for su_id, scope, method in (
        Consent.objects.filter(
            service_user_id__in=person_ids, organisation_id=organisation_id, withdrawn_at__isnull=True
        )
        .order_by()
        .values_list("service_user_id", "scope", "method")
    ):
        by_person.setdefault(su_id, []).append((scope, method))
    return by_person


def _leaving(person_ids, from_org_id, team_map: dict) -> list:
    """Those of the people the old organisation will no longer care for through any team outside
    the handover: what it holds as an organisation moves for them; for the others it stays its own."""
    staying = set(
        Involvement.objects.filter(
            service_user_id__in=person_ids, team__organisation_id=from_org_id, end__isnull=True
        )
        .exclude(team_id__in=list(team_map))
        .values_list("service_user_id", flat=True)
    )
    return [pk for pk in person_ids if pk not in staying]


def handover_dry_run(handover: Handover) -> DryRun:
    """What would move if the handover were carried out now: nothing is written."""
    team_map = _team_map(handover)
    person_ids = handover_people_ids(handover)
    run = DryRun(people=len(person_ids))
    if not person_ids:
        return run
    run.involvements = Involvement.objects.filter(team_id__in=list(team_map), end__isnull=True).count()
    leaving = _leaving(person_ids, handover.from_organisation_id, team_map)
    for kind in KINDS.values():
        people = leaving if kind.rows.by_organisation else person_ids
        counted = kind.rows.count(people, handover.from_organisation_id, team_map)
        run.kinds.append((kind.label, kind.words, sum(counted.values())))
    carry = set(
        handover.people.filter(consent_choice=HandoverPerson.ConsentChoice.CARRY).values_list(
            "service_user_id", flat=True
        )
    )
    for su_id, consents in _consents_by_person(person_ids, handover.from_organisation_id).items():
        if su_id in carry:
            run.consents_to_carry += len(consents)
        else:
            run.consents_to_reask += len(consents)
            run.people_to_reask += 1
    return run


# ---------------------------------------------------------------------------
# Carrying it out


def handovers_carry_out_due() -> int:
    """The beat: carry out every agreed handover whose date has come. Idempotent."""
    due = Handover.objects.filter(state=Handover.State.AGREED, on__lte=clock.today()).values_list(
        "pk", flat=True
    )
    return sum(handover_carry_out(handover_id=pk) for pk in list(due))


@transaction.atomic
def handover_carry_out(*, handover_id) -> int:
    """Carry out one agreed handover whose date has come, once: the conditional claim (agreed ->
    done) admits one caller; a second, or a beat racing it, changes nothing. Returns 1 or 0."""
    now = clock.now()
    today = clock.today()
    claimed = Handover.objects.filter(pk=handover_id, state=Handover.State.AGREED, on__lte=today).update(
        state=Handover.State.DONE, done_at=now, updated_at=now
    )
    if not claimed:
        return 0
    handover = Handover.objects.select_related("from_organisation", "to_organisation").get(pk=handover_id)
    team_map = _team_map(handover)
    from_org, to_org = handover.from_organisation_id, handover.to_organisation_id
    actor = handover.to_agreed_by
    reason = f"Care passed to {handover.to_organisation} (provider handover)."

    old = list(
        Involvement.objects.filter(team_id__in=list(team_map), end__isnull=True)
        .order_by("service_user_id", "team__name")
        .values_list("pk", "service_user_id", "team_id", "start")
    )
    person_ids = list(dict.fromkeys(su_id for _, su_id, _, _ in old))
    moves: dict = {}
    audits: list = []

    def audited(label, su_id, pk, how, **detail):
        moves[(su_id, label, how)] = moves.get((su_id, label, how), 0) + 1
        audits.append(
            AuditEvent(
                actor=actor,
                organisation_id=to_org,
                action="handover.move",
                service_user_id=su_id,
                target_type=label,
                target_id=str(pk),
                detail={
                    "handover": str(handover.pk),
                    "how": how,
                    "from_organisation": str(from_org),
                    "to_organisation": str(to_org),
                    **detail,
                },
            )
        )

    # Involvements: the old ones end today; the new team's open one, if it has none already.
    Involvement.objects.filter(pk__in=[pk for pk, *_ in old]).update(
        end=today, end_reason=reason, ended_by=actor, updated_at=now
    )
    already = set(
        Involvement.objects.filter(
            service_user_id__in=person_ids, team_id__in=list(team_map.values()), end__isnull=True
        ).values_list("service_user_id", "team_id")
    )
    new_rows, first_old = [], {}
    for pk, su_id, team_id, _start in old:
        first_old.setdefault(su_id, pk)
        key = (su_id, team_map[team_id])
        audited("people.involvement", su_id, pk, "ended", to_team=str(team_map[team_id]))
        if key not in already:
            already.add(key)
            new_rows.append(
                Involvement(service_user_id=su_id, team_id=team_map[team_id], start=today, started_by=actor)
            )
    Involvement.objects.bulk_create(new_rows)
    first_new = {row.service_user_id: row.pk for row in reversed(new_rows)}

    # What the old organisation wrote about them moves to the new one.
    leaving = _leaving(person_ids, from_org, {})  # the chosen teams' involvements have just ended
    for kind in KINDS.values():
        people = leaving if kind.rows.by_organisation else person_ids
        for su_id, pk in kind.rows.move(people, from_org, to_org, team_map):
            audited(kind.label, su_id, pk, "moved")

    # Consents: carried where the person chose so, else asked again of the new organisation.
    chosen = dict(handover.people.values_list("service_user_id", "consent_choice"))
    active_new = set(
        Consent.objects.filter(
            service_user_id__in=person_ids, organisation_id=to_org, withdrawn_at__isnull=True
        ).values_list("service_user_id", "scope")
    )
    open_requests = set(
        ConsentRequest.objects.filter(
            service_user_id__in=person_ids, organisation_id=to_org, state=ConsentRequest.State.OPEN
        ).values_list("service_user_id", "scope")
    )
    carried, asked, tally = [], [], {}
    for su_id, consents in _consents_by_person(person_ids, from_org).items():
        carry = chosen.get(su_id) == HandoverPerson.ConsentChoice.CARRY
        for scope, method in consents:
            if (su_id, scope) in active_new:
                continue
            if carry:
                carried.append(
                    Consent(
                        service_user_id=su_id,
                        organisation_id=to_org,
                        scope=scope,
                        method=method,
                        note=f"Carried over from {handover.from_organisation}, as the person chose.",
                        recorded_by=actor,
                        recorded_at=now,
                    )
                )
            elif (su_id, scope) not in open_requests:
                asked.append(
                    ConsentRequest(service_user_id=su_id, organisation_id=to_org, scope=scope, asked_by=actor)
                )
            counts = tally.setdefault(su_id, [0, 0])
            counts[0 if carry else 1] += 1
    Consent.objects.bulk_create(carried)
    ConsentRequest.objects.bulk_create(asked)
    for row in carried:
        audited("people.consent", row.service_user_id, row.pk, "carried", scope=row.scope)
    for row in asked:
        audited("people.consentrequest", row.service_user_id, row.pk, "reasked", scope=row.scope)

    # One row per person (their choice kept, default re-ask) and the report's counts.
    existing = {p.service_user_id: p for p in handover.people.all()}
    people_rows = []
    for su_id in person_ids:
        row = existing.get(su_id) or HandoverPerson(handover=handover, service_user_id=su_id)
        row.from_involvement_id = first_old.get(su_id)
        row.to_involvement_id = first_new.get(su_id)
        row.consents_carried, row.consents_reasked = tally.get(su_id, (0, 0))
        people_rows.append(row)
    HandoverPerson.objects.bulk_create([r for r in people_rows if r.service_user_id not in existing])
    HandoverPerson.objects.bulk_update(
        [r for r in people_rows if r.service_user_id in existing],
        ["from_involvement", "to_involvement", "consents_carried", "consents_reasked"],
    )
    HandoverMove.objects.bulk_create(
        HandoverMove(
            handover=handover,
            service_user_id=su_id,
            kind=label,
            how=HandoverMove.How.ENDED if how == "ended" else HandoverMove.How.MOVED,
            count=count,
        )
        for (su_id, label, how), count in moves.items()
        if how in ("ended", "moved")
    )
    AuditEvent.objects.bulk_create(audits, batch_size=2000)
    audit_record(
        actor=actor,
        action="handover.carry_out",
        target=handover,
        organisation=handover.to_organisation,
        detail={"people": len(person_ids), "records": len(audits)},
    )

    # The old provider's staff lose those people now; the new team's staff see them.
    access.permissions_sync(service_user_ids=person_ids)
    _tell_new_teams(handover, team_map, old)
    return 1


def _tell_new_teams(handover: Handover, team_map: dict, old: list) -> None:
    from dualcare.notifications.services import notify_many

    people_by_team: dict = {}
    for _pk, su_id, team_id, _start in old:
        people_by_team.setdefault(team_map[team_id], set()).add(su_id)
    notify_many(
        [
            {
                "event_key": f"handover:{handover.pk}:team:{team_id}",
                "recipients": access.team_managers(team_id),
                "kind": "handover.allocate",
                "subject": "People have been handed over to your team: allocate their key workers",
                "body": (
                    f"{len(people)} people came to your team from {handover.from_organisation} today. "
                    "They have no key worker yet. Their open consent requests show what to ask them again."
                ),
                "related": handover,
            }
            for team_id, people in people_by_team.items()
        ],
        return_rows=False,
    )
