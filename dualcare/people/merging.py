"""Merging two records of one person (issue 21, item 4): B (`merged`) into A (`kept`).

Every row that refers to B is moved to A. The rows are found through the model graph, not a
list: every concrete foreign key (or one-to-one) to ServiceUser in every installed app, so a new
app's model is moved without anyone remembering to add it (tests/people/test_merging.py walks
the graph and fails on a reference neither moved nor named in NOT_MOVED with its reason). Rows
reached through those (a care plan's entries, a contact's events) come along with their parent.

Before anything moves, the merge is refused (nothing written) when:
- the two records hold different NHS numbers (two people, or a wrong number to correct first),
  or both have their own portal login;
- a moved row would break a uniqueness rule A already holds (both records with an open
  involvement of the same team, one carer linked to both, ...): the reasons name what to end
  first. Found generically too, from each model's unique constraints.

Consent, the stricter of the two: what one record shares with an organisation stays shared only
if the other record has not withdrawn it (a withdrawal on either record is the person's word
that it should not be shared: ask them again and record it). Where both records share the same
thing, B's consent is withdrawn as a duplicate (A's carries on; nothing changes for anyone).

The merge keeps, in PersonMerge, exactly which rows moved and what else it changed (consents
withdrawn, an NHS number or login moved from B to A), so an undo within
settings.PEOPLE_MERGE_UNDO_DAYS moves exactly those rows back; rows written on A since stay on
A. B's record itself stays (the audit log refers to it), with nothing left on it: no involvement,
so no one's access; the import's matching skips it. Access is synced for both records, and the
merge and its undo are audited on both.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, models, transaction

from dualcare import access, clock
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError, StateConflict

from .models import Consent, PersonMerge, ServiceUser, User

# References to a person that a merge leaves where they are, with the reason.
NOT_MOVED = {
    "audit.auditevent.service_user": "the audit log is append-only: who looked at or changed B stays "
    "as it happened; the merge itself is audited on both records",
    "people.serviceuseruserobjectpermission.content_object": "access is not moved but recomputed: "
    "permissions_sync for both records once the rows have moved",
    "people.serviceusergroupobjectpermission.content_object": "as the user permissions: recomputed",
    "people.personmerge.kept": "the merges' own record of what they did",
    "people.personmerge.merged": "the merges' own record of what they did",
}


def _label(field) -> str:
    return f"{field.model._meta.label_lower}.{field.name}"


def person_references() -> list:
    """Every concrete foreign key and one-to-one field, in every installed model, to ServiceUser."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.local_fields:
            if field.is_relation and field.related_model is ServiceUser:
                found.append(field)
    return sorted(found, key=_label)


def moved_references() -> list:
    return [field for field in person_references() if _label(field) not in NOT_MOVED]


def _field_by_label(label: str):
    for field in person_references():
        if _label(field) == label:
            return field
    raise LookupError(label)


# ---------------------------------------------------------------------------
# What stands in the way


def _unique_rules(field) -> list[tuple[list[str], models.Q | None]]:
    """The uniqueness rules of field's model that include field: (field names, condition)."""
    model = field.model
    rules = []
    if field.unique:
        rules.append(([field.name], None))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and field.name in constraint.fields:
            rules.append((list(constraint.fields), constraint.condition))
    for together in model._meta.unique_together:
        if field.name in together:
            rules.append((list(together), None))
    return rules


def _conflicts(kept: ServiceUser, merged: ServiceUser, *, leaving: set) -> list[str]:
    """What would break a uniqueness rule if B's rows moved to A. `leaving`: consent ids the
    merge withdraws first (no longer bound by "one active")."""
    problems = []
    for field in moved_references():
        model = field.model
        for names, condition in _unique_rules(field):
            rows = model._base_manager.filter(**{field.attname: merged.pk})
            if condition is not None:
                rows = rows.filter(condition)
            if model is Consent:
                rows = rows.exclude(pk__in=leaving)
            other = [name for name in names if name != field.name]
            for values in rows.values("pk", *other):
                clash = model._base_manager.filter(
                    **{field.attname: kept.pk}, **{n: values[n] for n in other}
                )
                if condition is not None:
                    clash = clash.filter(condition)
                if model is Consent:
                    clash = clash.exclude(pk__in=leaving)
                if clash.exists():
                    problems.append(_conflict_words(model, names))
    return sorted(set(problems))


def _conflict_words(model, names) -> str:
    if model._meta.label_lower == "people.involvement":
        return "Both records have an open involvement with the same team: end one of them first."
    if model._meta.label_lower == "people.carer":
        return "The same carer is linked to both records: end one of the links first."
    return (
        f"Both records have a {model._meta.verbose_name} that may exist only once "
        f"({', '.join(names)}): end or close one of them first."
    )


def _consents_to_withdraw(kept: ServiceUser, merged: ServiceUser) -> list[Consent]:
    """The stricter of the two (see the module's docstring)."""
    consents = list(Consent.objects.filter(service_user__in=[kept, merged]))
    active = {(c.service_user_id, c.organisation_id, c.scope): c for c in consents if c.withdrawn_at is None}
    withdrawn = {(c.service_user_id, c.organisation_id, c.scope) for c in consents if c.withdrawn_at}
    other = {kept.pk: merged.pk, merged.pk: kept.pk}
    leaving = []
    for (person, organisation, scope), consent in active.items():
        twin = (other[person], organisation, scope)
        if twin in withdrawn and twin not in active:
            leaving.append(consent)  # withdrawn on the other record: stricter wins
        elif twin in active and person == merged.pk:
            leaving.append(consent)  # a duplicate: A's carries on
    return leaving


def people_merge_check(*, kept: ServiceUser, merged: ServiceUser) -> list[str]:
    """Why these two records cannot be merged now ([] when they can). Writes nothing."""
    if kept.pk == merged.pk:
        return ["Choose two different records."]
    problems = []
    if PersonMerge.objects.filter(merged__in=[kept, merged], undone_at__isnull=True).exists():
        problems.append("One of these records has already been merged into another.")
    if kept.nhs_number and merged.nhs_number and kept.nhs_number != merged.nhs_number:
        problems.append(
            "The records have different NHS numbers: they are two people, or one number is wrong. "
            "Correct the wrong one first."
        )
    if kept.user_id and merged.user_id:
        problems.append("Both records have their own login. Close one of the logins first.")
    leaving = {consent.pk for consent in _consents_to_withdraw(kept, merged)}
    return problems + _conflicts(kept, merged, leaving=leaving)


def people_merge_counts(merged: ServiceUser) -> dict[str, int]:
    """How many rows of each kind would move from `merged` (for the preview): verbose names."""
    counts: dict[str, int] = {}
    for field in moved_references():
        n = field.model._base_manager.filter(**{field.attname: merged.pk}).count()
        if n:
            name = str(field.model._meta.verbose_name_plural)
            counts[name] = counts.get(name, 0) + n
    return counts


# ---------------------------------------------------------------------------
# The merge and its undo


def _ensure_can_merge(by: User | None, kept: ServiceUser, merged: ServiceUser) -> None:
    if by is not None and not access.people_can_merge(by, kept, merged):
        raise ApplicationError(
            "Only a system admin can merge records that another organisation has been involved with."
        )


@transaction.atomic
def people_merge(*, kept: ServiceUser, merged: ServiceUser, by: User | None, reason: str) -> PersonMerge:
    """Merge `merged` (B) into `kept` (A): every row referring to B moves to A (see the module)."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Say why these are the same person.", field="reason")
    if len(reason) > 300:
        raise ApplicationError("Enter a reason of 300 characters or fewer.", field="reason")
    # Both rows locked, in a fixed order, so two merges of the same pair cannot cross.
    locked = {p.pk: p for p in ServiceUser.objects.select_for_update().filter(pk__in=[kept.pk, merged.pk])}
    kept, merged = locked[kept.pk], locked[merged.pk]
    _ensure_can_merge(by, kept, merged)
    problems = people_merge_check(kept=kept, merged=merged)
    if problems:
        raise StateConflict(" ".join(problems))
    now = clock.now()
    changes: dict = {"consents_withdrawn": []}
    for consent in _consents_to_withdraw(kept, merged):
        consent.withdrawn_at = now
        consent.withdrawn_by = by
        consent.withdrawal_note = "Withdrawn when two records of this person were merged."
        consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note", "updated_at"])
        changes["consents_withdrawn"].append(str(consent.pk))
    moved: dict[str, list[str]] = {}
    for field in moved_references():
        rows = field.model._base_manager.filter(**{field.attname: merged.pk})
        pks = list(rows.values_list("pk", flat=True))
        if pks:
            rows.update(**{field.attname: kept.pk})
            moved[_label(field)] = [str(pk) for pk in pks]
    if merged.nhs_number and not kept.nhs_number:
        changes["nhs_number"] = True
        kept.nhs_number, merged.nhs_number = merged.nhs_number, ""
        merged.save(update_fields=["nhs_number", "updated_at"])  # first: the number is unique
        kept.save(update_fields=["nhs_number", "updated_at"])
    if merged.user_id and not kept.user_id:
        changes["login"] = True
        kept.user_id, merged.user_id = merged.user_id, None
        merged.save(update_fields=["user", "updated_at"])
        kept.save(update_fields=["user", "updated_at"])
    merge = PersonMerge.objects.create(
        kept=kept,
        merged=merged,
        by=by,
        reason=reason,
        moved=moved,
        changes=changes,
        undo_until=now + dt.timedelta(days=settings.PEOPLE_MERGE_UNDO_DAYS),
    )
    access.permissions_sync(service_user_ids=[kept.pk, merged.pk])
    detail = {"merge": str(merge.pk), "rows": sum(len(pks) for pks in moved.values())}
    for person in (kept, merged):
        audit_record(actor=by, action="service_user.merge", target=merge, service_user=person, detail=detail)
    return merge


@transaction.atomic
def people_merge_undo(*, merge: PersonMerge, by: User | None) -> PersonMerge:
    """Move back exactly the rows the merge moved, and put back what else it changed."""
    merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
    locked = {
        p.pk: p
        for p in ServiceUser.objects.select_for_update().filter(pk__in=[merge.kept_id, merge.merged_id])
    }
    kept, merged = locked[merge.kept_id], locked[merge.merged_id]
    _ensure_can_merge(by, kept, merged)
    if merge.undone_at is not None:
        raise StateConflict("This merge has already been undone.")
    if not merge.is_undoable:
        raise StateConflict(
            f"A merge can be undone for {settings.PEOPLE_MERGE_UNDO_DAYS} days only, and this one is older."
        )
    try:
        with transaction.atomic():
            for label, pks in merge.moved.items():
                try:
                    field = _field_by_label(label)
                except LookupError:
                    continue  # its app has gone: nothing left to move back
                field.model._base_manager.filter(pk__in=pks, **{field.attname: kept.pk}).update(
                    **{field.attname: merged.pk}
                )
            if merge.changes.get("nhs_number"):
                merged.nhs_number, kept.nhs_number = kept.nhs_number, ""
                kept.save(update_fields=["nhs_number", "updated_at"])
                merged.save(update_fields=["nhs_number", "updated_at"])
            if merge.changes.get("login"):
                merged.user_id, kept.user_id = kept.user_id, None
                kept.save(update_fields=["user", "updated_at"])
                merged.save(update_fields=["user", "updated_at"])
            Consent.objects.filter(
                pk__in=merge.changes.get("consents_withdrawn", []), withdrawn_at__isnull=False
            ).update(withdrawn_at=None, withdrawn_by=None, withdrawal_note="", updated_at=clock.now())
    except IntegrityError:
        raise StateConflict(
            "The merge cannot be undone: something recorded since would then be there twice "
            "(an involvement, a consent or a carer). End it first."
        ) from None
    merge.undone_at = clock.now()
    merge.undone_by = by
    merge.save(update_fields=["undone_at", "undone_by", "updated_at"])
    access.permissions_sync(service_user_ids=[kept.pk, merged.pk])
    for person in (kept, merged):
        audit_record(
            actor=by,
            action="service_user.merge_undo",
            target=merge,
            service_user=person,
            detail={"merge": str(merge.pk)},
        )
    return merge
