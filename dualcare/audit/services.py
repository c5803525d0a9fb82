"""Writing the audit log. One row per read of a person, per denied attempt, per change."""

from contextvars import ContextVar

from django.db import models

from .models import AuditEvent

# Set when this request (or task) has written a denied row, so the refusal middleware writes
# no second one. A context variable, not a query: two refusals at once by one user each count.
denied_written: ContextVar[bool] = ContextVar("audit_denied_written", default=False)


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    service_user=None,
    organisation=None,
    denied: bool = False,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one audit event. `detail` holds field names and ids only, never personal data."""
    if service_user is None and target is not None and target._meta.label == "people.ServiceUser":
        service_user = target
    if organisation is None and actor is not None and getattr(actor, "is_authenticated", False):
        from dualcare import access

        organisation = access.acting_organisation(actor, service_user)
    if denied:
        denied_written.set(True)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        organisation=organisation,
        action=action,
        outcome=AuditEvent.Outcome.DENIED if denied else AuditEvent.Outcome.ALLOWED,
        service_user=service_user,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        detail=detail or {},
    )


def audit_reads(*, actor, action: str, target_type: str, read: dict, organisations: dict) -> None:
    """Append one "allowed" read per person in one insert (a list, page or export that shows
    several people): `read` maps each person's id to how many of their records were shown, and
    `organisations` each person's id to the organisation the actor read them for (``None``: the
    actor's organisation for anyone not named). `detail` holds counts only, never personal data."""
    if not read:
        return
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            organisation_id=organisations.get(service_user_id, organisations.get(None)),
            action=action,
            service_user_id=service_user_id,
            target_type=target_type,
            detail={"records": count},
        )
        for service_user_id, count in read.items()
    )


def audit_record_many(
    *, actor, action: str, organisation, target_type: str, changes: dict, detail: dict | None = None
) -> None:
    """Append one "allowed" change per person in one insert (a bulk import): `changes` maps each
    person's id to the id of the row written for them (their record, or an involvement). `detail`
    holds field names and ids only, never personal data."""
    if not changes:
        return
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            organisation=organisation,
            action=action,
            service_user_id=service_user_id,
            target_type=target_type,
            target_id=str(target_id),
            detail=detail or {},
        )
        for service_user_id, target_id in changes.items()
    )
