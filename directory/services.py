"""Every write to the service directory: keep an entry (create, edit, mark checked), import an
Open Referral UK file, and tell keepers about entries nobody has checked for a while.

Each service runs in one transaction, checks that the writer keeps the entry's organisation
(access.directory_can_keep) and writes an audit row. An import takes each service whole or not
at all (a savepoint per service inside the import's one transaction) and reports why each
refused one was refused; the import's audit row and report are written with what it took.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import asdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from dualcare import access, clock
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError
from dualcare.notifications.services import notify_many
from dualcare.people.models import Organisation, Team, User

from . import oruk
from .models import ImportRun, Location, Need, OpeningTime, Provider, Service

STALE_KIND = "directory.entry_unchecked"


def _search_text(service: Service, provider: Provider) -> str:
    return " ".join([service.name, service.description, provider.name, service.area]).lower()


def _ensure_keeps(by: User, keeper_id) -> None:
    if not access.directory_can_keep(by, keeper_id):
        raise ApplicationError("Only your organisation's admins keep its directory entries.")


def _team_of(keeper: Organisation, team_name: str) -> Team | None:
    if not team_name:
        return None
    team = Team.objects.filter(organisation=keeper, name=team_name, is_active=True).first()
    if team is None:
        raise oruk.Refused(f"x_dualcare_team '{team_name}' is not a team of {keeper.name}")
    return team


def _write(record: oruk.ServiceRecord, *, keeper: Organisation, existing: Service | None) -> Service:
    """Write one checked record: the provider, the entry and its needs, places and times."""
    team = _team_of(keeper, record.team_name)
    if Service.Referral.DUALCARE in record.referral_methods and team is None:
        raise oruk.Refused("a DualCare referral needs the participating team it goes to (x_dualcare_team)")
    provider, _ = Provider.objects.update_or_create(
        pk=record.provider_id,
        defaults={
            "name": record.provider_name,
            "description": record.provider_description,
            "website": record.provider_website,
            "email": record.provider_email,
            "organisation": team.organisation if team else None,
        },
    )
    fields = {
        "provider": provider,
        "keeper": keeper,
        "team": team,
        "name": record.name,
        "description": record.description,
        "status": record.status,
        "eligibility": record.eligibility,
        "minimum_age": record.minimum_age,
        "maximum_age": record.maximum_age,
        "gender": record.gender,
        "area": record.area,
        "referral_methods": record.referral_methods,
        "how_to_refer": record.how_to_refer,
        "phone": record.phone,
        "email": record.email,
        "url": record.url,
        "languages": record.languages,
        "cost": record.cost,
        "last_checked": record.last_checked,
    }
    service = existing or Service(pk=record.id)
    if existing is not None and existing.last_checked != record.last_checked:
        service.stale_flagged_at = None
    for name, value in fields.items():
        setattr(service, name, value)
    service.search_text = _search_text(service, provider)
    service.save()
    service.needs.set([_need(*term) for term in record.needs])
    Location.objects.filter(service=service).exclude(pk__in=[place.id for place in record.locations]).delete()
    for place in record.locations:
        postcode, district = oruk.postcode_clean(place.postcode)
        Location.objects.update_or_create(
            pk=place.id,
            defaults={
                "service": service,
                "name": place.name,
                "address": place.address,
                "locality": place.locality,
                "postcode": postcode,
                "postcode_district": district,
            },
        )
    service.opening_times.all().delete()
    OpeningTime.objects.bulk_create(
        OpeningTime(service=service, weekday=day, opens_at=opens, closes_at=closes)
        for day, opens, closes in sorted(set(record.opening_times))
    )
    return service


def _need(code: str, name: str, description: str, term_id) -> Need:
    """The need of this code; a new one keeps the file's term id, so a filter by it finds it."""
    need = Need.objects.filter(code=code).first()
    if need is None:
        fresh = term_id is not None and not Need.objects.filter(pk=term_id).exists()
        need = Need.objects.create(
            **({"pk": term_id} if fresh else {}), code=code, name=name, description=description
        )
    return need


def _take(raw, *, keeper: Organisation) -> tuple[str, Service]:
    """One service of a file, whole or not at all: ("taken" | "updated", entry); Refused says why."""
    record = oruk.service_record(raw)
    existing = Service.objects.filter(pk=record.id).first()
    if existing is not None and existing.keeper_id != keeper.pk:
        raise oruk.Refused("its id is an entry another organisation keeps")
    try:
        with transaction.atomic():
            service = _write(record, keeper=keeper, existing=existing)
    except IntegrityError:
        raise oruk.Refused(
            "a location id is another service's, or its ages or times are out of order"
        ) from None
    return ("updated" if existing else "taken"), service


def _label(index: int, raw) -> str:
    name = raw.get("name") if isinstance(raw, dict) else None
    ident = raw.get("id") if isinstance(raw, dict) else None
    return (
        f"Service {index}"
        + (f" '{str(name)[:80]}'" if name else "")
        + (f" ({str(ident)[:40]})" if ident else "")
    )


@transaction.atomic
def directory_import(*, keeper: Organisation, by: User | None, file_name: str, content: bytes) -> ImportRun:
    """Import an Open Referral UK file (JSON API shape, services.csv, or a zip of the CSV export)
    into `keeper`'s entries. Each service is taken whole, updated whole (same id), or refused with
    why; a file that cannot be read at all is an ApplicationError and writes nothing. `by` is
    None for the management command (and the demo), which run as the system."""
    if by is not None:
        _ensure_keeps(by, keeper.pk)
    try:
        rows = oruk.services_from_file(file_name, content)
    except oruk.Refused as error:
        raise ApplicationError(f"The file could not be read: {error}.", field="file") from None
    run = ImportRun(keeper=keeper, by=by, file_name=file_name[:200])
    seen: set[str] = set()
    for index, raw in enumerate(rows, start=1):
        label = _label(index, raw)
        ident = str(raw.get("id")) if isinstance(raw, dict) else ""
        if ident and ident in seen:
            run.refused.append({"row": label, "why": "its id appears twice in the file"})
            continue
        seen.add(ident)
        try:
            with transaction.atomic():
                outcome, _ = _take(raw, keeper=keeper)
        except oruk.Refused as error:
            run.refused.append({"row": label, "why": str(error)})
            continue
        if outcome == "taken":
            run.taken += 1
        else:
            run.updated += 1
    run.save()
    audit_record(
        actor=by,
        action="directory.import",
        target=run,
        organisation=keeper,
        detail={"taken": run.taken, "updated": run.updated, "refused": len(run.refused)},
    )
    return run


@transaction.atomic
def directory_entry_save(*, by: User, keeper: Organisation, record: oruk.ServiceRecord) -> Service:
    """Create or edit one entry from the keeper's form (the same checks as an import)."""
    _ensure_keeps(by, keeper.pk)
    existing = Service.objects.select_for_update().filter(pk=record.id).first()
    if existing is not None and existing.keeper_id != keeper.pk:
        raise ApplicationError("Only your organisation's admins keep its directory entries.")
    try:
        with transaction.atomic():
            service = _write(record, keeper=keeper, existing=existing)
    except oruk.Refused as error:
        raise ApplicationError(f"This entry {error}.") from None
    audit_record(
        actor=by,
        action="directory.entry.update" if existing else "directory.entry.create",
        target=service,
        organisation=keeper,
        detail={"fields": sorted(asdict(record))},
    )
    return service


@transaction.atomic
def directory_entry_mark_checked(*, by: User, service: Service) -> Service:
    """Somebody of the keeper checked the entry today: it is current again (and may be flagged
    again when it next goes unchecked)."""
    _ensure_keeps(by, service.keeper_id)
    service.last_checked = clock.today()
    service.stale_flagged_at = None
    service.save(update_fields=["last_checked", "stale_flagged_at", "updated_at"])
    audit_record(actor=by, action="directory.entry.checked", target=service, organisation=service.keeper)
    return service


def stale_before(today: dt.date | None = None) -> dt.date:
    """Entries last checked before this day are out of date (DIRECTORY_CHECK_MONTHS)."""
    today = today or clock.today()
    months = today.year * 12 + today.month - 1 - settings.DIRECTORY_CHECK_MONTHS
    year, month = divmod(months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(today.day, last_day))


def directory_flag_unchecked() -> int:
    """Tell each keeper's organisation admins, once per entry, that nobody has checked it for
    DIRECTORY_CHECK_MONTHS. The claim is a conditional UPDATE (stale_flagged_at still empty), so
    two beats, or a retry, tell nobody twice; the outbox rows are keyed by the entry and the date
    it was last checked. Returns how many entries were flagged."""
    flagged = 0
    cutoff = stale_before()
    while True:
        with transaction.atomic():
            batch = list(
                Service.objects.select_for_update(skip_locked=True)
                .filter(stale_flagged_at__isnull=True, last_checked__lt=cutoff)
                .exclude(status=Service.Status.DEFUNCT)
                .only("pk", "keeper_id", "last_checked")
                .order_by("last_checked")[:200]
            )
            if not batch:
                return flagged
            claimed = Service.objects.filter(
                pk__in=[s.pk for s in batch], stale_flagged_at__isnull=True
            ).update(stale_flagged_at=clock.now())
            admins: dict = {}
            events = []
            for service in batch:
                if service.keeper_id not in admins:
                    admins[service.keeper_id] = access.directory_keeper_admins(service.keeper_id)
                events.append(
                    {
                        "event_key": f"{STALE_KIND}:{service.pk}:{service.last_checked.isoformat()}",
                        "recipients": admins[service.keeper_id],
                        "kind": STALE_KIND,
                        "subject": "A directory entry your organisation keeps needs checking",
                        "body": f"Nobody has checked it for {settings.DIRECTORY_CHECK_MONTHS} months. "
                        "Open it, check it is right and mark it checked.",
                        "url": reverse("directory:detail", args=[service.pk]),
                        "related": None,
                        "channels": ("in_app", "email"),
                        "priority": "normal",
                        "team": None,
                        "escalate_after": None,
                        "service_user": None,
                    }
                )
            notify_many(events, return_rows=False)
            flagged += claimed
