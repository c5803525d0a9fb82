"""Every write of signposting (issue 18 item 4): a team records where it pointed a person when it
declined a referral or ended its care, records whether the person got there, and is reminded once
when that follow-up is due and not recorded.

Each service runs in one transaction with an audit row. The reminder is claimed with a conditional
UPDATE (reminded_at still empty) and written to the outbox keyed by the signpost, so two beats or a
retry remind nobody twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from dualcare import access, clock
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError
from dualcare.notifications.services import notify_many
from dualcare.people.models import Involvement, ServiceUser, Team, User

from .models import Service, Signpost, SignpostFollowUp, SignpostService

REMINDER_KIND = "directory.signpost_follow_up_due"
# The most directory services one signposting may name.
MOST_SERVICES = 10
# Entries a person can still be pointed to (a defunct or stopped service is no way forward).
POINTABLE = (Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED)


def follow_up_due(on: dt.date | None = None) -> dt.date:
    return (on or clock.today()) + dt.timedelta(days=settings.SIGNPOST_FOLLOW_UP_DAYS)


def _services_named(services) -> list[Service]:
    picked = list(dict.fromkeys(services or []))
    if len(picked) > MOST_SERVICES:
        raise ApplicationError(f"Choose at most {MOST_SERVICES} services.", field="services")
    ids = [getattr(service, "pk", service) for service in picked]
    found = {service.pk: service for service in Service.objects.filter(pk__in=ids, status__in=POINTABLE)}
    if len(found) != len(set(ids)):
        raise ApplicationError("Choose services that are open in the directory.", field="services")
    return [found[pk] for pk in ids]


def signpost_record(
    *,
    service_user: ServiceUser,
    team: Team,
    by: User | None,
    occasion: str,
    services=(),
    other: str = "",
    next_steps: str = "",
    referral=None,
    involvement: Involvement | None = None,
) -> Signpost:
    """Record where `team` pointed the person: one or more directory services and/or, for what the
    directory lacks, `other` in the team's words; the follow-up falls due SIGNPOST_FOLLOW_UP_DAYS
    from today. The caller (the referral's decline, the end of an involvement) has checked that
    `by` acts for `team`; this runs in the caller's transaction."""
    with transaction.atomic():
        picked = _services_named(services)
        other = (other or "").strip()
        if not picked and not other:
            raise ApplicationError(
                "Choose a service from the directory, or name one it does not list.", field="services"
            )
        if len(other) > 200:
            raise ApplicationError("Name the other service in 200 characters or fewer.", field="other")
        signpost = Signpost.objects.create(
            service_user=service_user,
            team=team,
            organisation_id=team.organisation_id,
            by=by,
            occasion=occasion,
            referral=referral,
            involvement=involvement,
            other=other,
            next_steps=(next_steps or "").strip(),
            follow_up_due=follow_up_due(),
        )
        SignpostService.objects.bulk_create(SignpostService(signpost=signpost, service=s) for s in picked)
        audit_record(
            actor=by,
            action="directory.signpost.create",
            target=signpost,
            service_user=service_user,
            organisation=team.organisation,
            detail={"services": len(picked), "other": bool(other), "occasion": occasion},
        )
        return signpost


def names_of(services, other: str = "") -> str:
    """What a referral's one-line signposting says: the services' names, and the other one."""
    return "; ".join([service.name for service in services] + ([other.strip()] if other.strip() else []))[
        :200
    ]


@transaction.atomic
def signpost_add_to_decline(
    *, referral, by: User, services=(), other: str = "", next_steps: str = ""
) -> Signpost:
    """The receiving team adds signposting to a referral it has declined (the API's create)."""
    if referral.state != "declined":
        raise ApplicationError("Only a declined referral is signposted.", field="referral")
    if "receiver" not in access.referral_sides(by, referral):
        raise ApplicationError("Only the team that declined the referral signposts it.", field="referral")
    return signpost_record(
        service_user=referral.service_user,
        team=referral.to_team,
        by=by,
        occasion=Signpost.Occasion.REFERRAL_DECLINED,
        services=services,
        other=other,
        next_steps=next_steps,
        referral=referral,
    )


@transaction.atomic
def signpost_follow_up_record(
    *, signpost: Signpost, by: User, outcome: str, note: str = ""
) -> SignpostFollowUp:
    """The signposting team records whether the person got there. "Connected" the first time
    stamps the signpost (the measure reads it); later answers are kept as rows."""
    if not access.signposts_can_follow_up(by, signpost):
        raise ApplicationError("Only the team that signposted the person records the follow-up.")
    if outcome not in SignpostFollowUp.Outcome.values:
        raise ApplicationError("Choose whether the person got there.", field="outcome")
    signpost = (
        Signpost.objects.select_for_update(of=("self",))
        .select_related("service_user", "organisation")
        .get(pk=signpost.pk)
    )
    follow_up = SignpostFollowUp.objects.create(
        signpost=signpost, outcome=outcome, note=(note or "").strip(), by=by
    )
    signpost.followed_up_at = follow_up.created_at
    fields = ["followed_up_at", "updated_at"]
    if outcome == SignpostFollowUp.Outcome.CONNECTED and signpost.connected_at is None:
        signpost.connected_at = follow_up.created_at
        fields.append("connected_at")
    signpost.save(update_fields=fields)
    audit_record(
        actor=by,
        action="directory.signpost.follow_up",
        target=signpost,
        service_user=signpost.service_user,
        organisation=signpost.organisation,
        detail={"outcome": outcome},
    )
    return follow_up


def _team_staff(team_id) -> list[User]:
    roles = access.roles_in_force(team_id=team_id, role__in=list(access.CLINICAL_ROLES))
    return list(User.objects.filter(pk__in=roles.values("user_id")))


def signposts_remind_due() -> int:
    """Remind the signposting team, once per signpost, that a follow-up is due and not recorded.
    Returns how many signposts were reminded."""
    reminded = 0
    while True:
        with transaction.atomic():
            batch = list(
                Signpost.objects.select_for_update(skip_locked=True)
                .filter(
                    follow_up_due__lte=clock.today(), followed_up_at__isnull=True, reminded_at__isnull=True
                )
                .only("pk", "team_id", "service_user_id")
                .order_by("follow_up_due")[:200]
            )
            if not batch:
                return reminded
            claimed = Signpost.objects.filter(pk__in=[s.pk for s in batch], reminded_at__isnull=True).update(
                reminded_at=clock.now()
            )
            staff: dict = {}
            events = []
            for signpost in batch:
                if signpost.team_id not in staff:
                    staff[signpost.team_id] = _team_staff(signpost.team_id)
                events.append(
                    {
                        "event_key": f"{REMINDER_KIND}:{signpost.pk}",
                        "recipients": staff[signpost.team_id],
                        "kind": REMINDER_KIND,
                        "subject": "A signposting follow-up is due",
                        "body": "Your team signposted someone to another service. "
                        "Record whether they got there.",
                        "url": reverse("directory:signpost_follow_up", args=[signpost.pk]),
                        "related": None,
                        "channels": ("in_app", "email"),
                        "priority": "normal",
                        "team": None,
                        "escalate_after": None,
                        "service_user": signpost.service_user_id,
                    }
                )
            notify_many(events, return_rows=False)
            reminded += claimed
