"""Every write to care plans: entries (add, change, remove), publishing, agreement, the PDF.

Each service runs in one transaction with an audit row. An entry belongs to the
organisation that wrote it, and only that organisation's involved staff change it. Two
people editing the same entry at once: the update names the entry's version it started
from and is a conditional UPDATE on it, so the second is refused with a clear message
and nothing of theirs overwrites the first's.
"""

from __future__ import annotations

import datetime as dt
import logging

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from dualcare import access, clock
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.notifications.models import Notification
from dualcare.notifications.services import notify
from dualcare.people.models import Involvement, ServiceUser, StaffRole, Team, User

from .models import (
    SECTION_FIELDS,
    ActionOwner,
    ActionStatus,
    Agreement,
    CarePlan,
    Domain,
    GoalRating,
    OwnWords,
    PlanEntry,
    PlanVersion,
    Section,
)

log = logging.getLogger(__name__)

REVIEW_MONTHS = 6
MAX_TEXT = 5000
TEXT_FIELDS = {
    "text",
    "progress",
    "warning_signs",
    "triggers",
    "what_helps",
    "who_to_contact",
    "out_of_hours",
    "carer_views",
    "shared_with_carer",
    "how_to_come_back",
}
# The columns a section's form sends (owner_worker is the column behind owner_worker_name).
SECTION_INPUTS = {
    section: tuple("owner_worker" if name == "owner_worker_name" else name for name in names)
    for section, names in SECTION_FIELDS.items()
}
REQUIRED_TEXT = {
    Section.WHAT_MATTERS: ("text", "Write what matters to the person, in their own words."),
    Section.GOAL: ("text", "Write the goal, in the person's own words."),
    Section.ACTION: ("text", "Say what will be done."),
    Section.RISK: ("text", "Write the risk summary."),
    Section.DISCHARGE: ("text", "Write the follow-up after discharge."),
}
AT_LEAST_ONE = {
    Section.CRISIS: ("warning_signs", "Fill in at least one part of the crisis plan."),
    Section.CARER: ("carer_views", "Write the carer's views or what is shared with the carer."),
}


def plan_url(service_user_id) -> str:
    return f"/care-plans/people/{service_user_id}/"


# ---------------------------------------------------------------------------
# Entries


def _clean_fields(section: str, fields: dict, *, service_user: ServiceUser) -> dict:
    """The section's fields, checked; an ApplicationError names the first field at fault."""
    if section not in Section.values:
        raise ApplicationError("Choose a section of the care plan.", field="section")
    allowed = set(SECTION_INPUTS[section])
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(
            f"These are not part of this section: {', '.join(sorted(unknown))}.", field=sorted(unknown)[0]
        )
    cleaned = {}
    for name in allowed:
        value = fields.get(name)
        if name in TEXT_FIELDS:
            value = (value or "").strip()
            if len(value) > MAX_TEXT:
                raise ApplicationError(f"Keep this under {MAX_TEXT} characters.", field=name)
        cleaned[name] = value
    if section in REQUIRED_TEXT:
        name, message = REQUIRED_TEXT[section]
        if not cleaned[name]:
            raise ApplicationError(message, field=name)
    if section in AT_LEAST_ONE:
        name, message = AT_LEAST_ONE[section]
        if not any(cleaned[field] for field in allowed):
            raise ApplicationError(message, field=name)
    if section == Section.GOAL:
        if cleaned["domain"] not in Domain.values:
            raise ApplicationError("Choose the part of life this goal is about.", field="domain")
        _check_date(cleaned, "target_date", "The target date")
    if section == Section.ACTION:
        if cleaned["owner_kind"] not in ActionOwner.values:
            raise ApplicationError("Choose who will do this.", field="owner_kind")
        if cleaned["owner_kind"] == ActionOwner.WORKER:
            worker = cleaned["owner_worker"]
            if worker is None:
                raise ApplicationError("Choose the named worker.", field="owner_worker")
            if not _is_care_team_member(worker, service_user):
                raise ApplicationError(
                    "The named worker must be in a team working with the person.", field="owner_worker"
                )
        else:
            cleaned["owner_worker"] = None
        cleaned["status"] = cleaned["status"] or ActionStatus.NOT_STARTED
        if cleaned["status"] not in ActionStatus.values:
            raise ApplicationError("Choose the status of this action.", field="status")
        _check_date(cleaned, "due_date", "The due date")
    if section == Section.RISK:
        recorded_on = _check_date(cleaned, "recorded_on", "The date")
        if recorded_on is None:
            raise ApplicationError("Enter the date of this risk entry.", field="recorded_on")
        if recorded_on > clock.today():
            raise ApplicationError(
                "The date of a risk entry must be today or in the past.", field="recorded_on"
            )
    return cleaned


def _check_date(cleaned: dict, name: str, label: str) -> dt.date | None:
    value = cleaned.get(name)
    if value is None or value == "":
        cleaned[name] = None
        return None
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError:
            raise ApplicationError(f"{label} must be a real date.", field=name) from None
    if not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
        raise ApplicationError(f"{label} must be a real date.", field=name)
    cleaned[name] = value
    return value


def _is_care_team_member(worker: User, service_user: ServiceUser) -> bool:
    today = clock.today()
    teams = Involvement.objects.filter(service_user=service_user, end__isnull=True).values("team_id")
    return (
        StaffRole.objects.filter(user=worker, team_id__in=teams, role__in=list(access.CLINICAL_ROLES))
        .filter(start__lte=today)
        .exclude(end__lte=today)
        .exists()
    )


def _writing_team(by: User, service_user: ServiceUser, organisation_id=None):
    return access.care_plan_writing_team(by, service_user, organisation_id)  # Hidden or Refused


def _plan_for(service_user: ServiceUser, by: User) -> CarePlan:
    """The person's plan, created on first use; locked, so changes and publishing queue up."""
    plan = CarePlan.objects.select_for_update().filter(service_user=service_user).first()
    if plan is not None:
        return plan
    try:
        with transaction.atomic():
            CarePlan.objects.create(service_user=service_user, created_by=by)
    except IntegrityError:
        pass  # someone else made it at the same moment: use theirs
    return CarePlan.objects.select_for_update().get(service_user=service_user)


def _touch(plan: CarePlan) -> None:
    CarePlan.objects.filter(pk=plan.pk).update(changes=F("changes") + 1, updated_at=clock.now())


@transaction.atomic
def entry_add(*, service_user: ServiceUser, section: str, by: User, **fields) -> PlanEntry:
    """Add an entry to the person's plan for the writer's involved organisation."""
    team = _writing_team(by, service_user)
    cleaned = _clean_fields(section, fields, service_user=service_user)
    plan = _plan_for(service_user, by)
    entry = PlanEntry.objects.create(
        plan=plan, section=section, organisation=team.organisation, author=by, updated_by=by, **cleaned
    )
    _touch(plan)
    audit_record(
        actor=by,
        action="careplan.entry_add",
        target=entry,
        service_user=service_user,
        organisation=team.organisation,
        detail={"section": section},
    )
    return entry


def _stale(entry: PlanEntry) -> StateConflict:
    current = PlanEntry.objects.select_related("updated_by").filter(pk=entry.pk).first()
    if current is None or current.removed_at is not None:
        return StateConflict(
            "Someone else removed this entry while you were editing it. Your changes have not been saved."
        )
    when = timezone.localtime(current.updated_at)
    return StateConflict(
        f"{current.updated_by.display_name} changed this entry at {when:%H:%M} on {when:%-d %B %Y}, "
        "after you opened it. Your changes have not been saved. Check their version below and make "
        "your changes again."
    )


@transaction.atomic
def entry_update(*, entry: PlanEntry, by: User, expected_version: int, **fields) -> PlanEntry:
    """Change an entry of the writer's own organisation, if nobody has changed it since they read it."""
    service_user = entry.plan.service_user
    _writing_team(by, service_user, entry.organisation_id)
    cleaned = _clean_fields(entry.section, fields, service_user=service_user)
    now = clock.now()
    updated = PlanEntry.objects.filter(pk=entry.pk, version=expected_version, removed_at__isnull=True).update(
        **cleaned, version=F("version") + 1, updated_by=by, updated_at=now
    )
    if not updated:
        raise _stale(entry)
    _touch(entry.plan)
    entry.refresh_from_db()
    audit_record(
        actor=by,
        action="careplan.entry_update",
        target=entry,
        service_user=service_user,
        detail={"section": entry.section, "fields": sorted(cleaned)},
    )
    return entry


@transaction.atomic
def entry_remove(*, entry: PlanEntry, by: User, expected_version: int) -> PlanEntry:
    """Take an entry out of the working plan. Published versions keep it as it was."""
    service_user = entry.plan.service_user
    _writing_team(by, service_user, entry.organisation_id)
    now = clock.now()
    updated = PlanEntry.objects.filter(pk=entry.pk, version=expected_version, removed_at__isnull=True).update(
        removed_at=now, version=F("version") + 1, updated_by=by, updated_at=now
    )
    if not updated:
        raise _stale(entry)
    _touch(entry.plan)
    entry.refresh_from_db()
    audit_record(
        actor=by,
        action="careplan.entry_remove",
        target=entry,
        service_user=service_user,
        detail={"section": entry.section},
    )
    return entry


# ---------------------------------------------------------------------------
# Publishing


def default_review_due(published_on: dt.date) -> dt.date:
    return published_on + relativedelta(months=REVIEW_MONTHS)


def _snapshot(plan: CarePlan) -> tuple[dict, list]:
    entries = (
        PlanEntry.objects.filter(plan=plan, removed_at__isnull=True)
        .select_related("organisation", "author", "updated_by", "owner_worker")
        .order_by("section", "created_at")
    )
    sections: dict[str, list] = {section: [] for section in Section.values}
    organisations: dict[str, dict] = {}
    authors: dict[str, set] = {}
    for entry in entries:
        org = entry.organisation
        sections[entry.section].append(
            {
                "id": str(entry.pk),
                "organisation_id": str(org.pk),
                "organisation": org.name,
                "author": entry.author.display_name,
                "updated_by": entry.updated_by.display_name,
                "updated_at": entry.updated_at.isoformat(),
                "fields": entry.field_values(),
                "in_person_words": entry.in_person_words,
            }
        )
        organisations[str(org.pk)] = {
            "id": str(org.pk),
            "name": org.name,
            "phone": org.phone,
            "email": org.email,
            "out_of_hours_phone": org.out_of_hours_phone,
        }
        authors.setdefault(str(org.pk), set()).update(
            {entry.author.display_name, entry.updated_by.display_name}
        )
    # Every organisation involved now, with its teams' contacts, even if it wrote nothing yet.
    involvements = Involvement.objects.filter(
        service_user_id=plan.service_user_id, end__isnull=True
    ).select_related("team__organisation", "key_worker")
    teams: dict[str, list] = {}
    for involvement in involvements:
        org = involvement.team.organisation
        organisations.setdefault(
            str(org.pk),
            {
                "id": str(org.pk),
                "name": org.name,
                "phone": org.phone,
                "email": org.email,
                "out_of_hours_phone": org.out_of_hours_phone,
            },
        )
        teams.setdefault(str(org.pk), []).append(
            {
                "name": involvement.team.name,
                "phone": involvement.team.phone,
                "email": involvement.team.email,
                "key_worker": involvement.key_worker.display_name if involvement.key_worker_id else "",
            }
        )
    contributors = [
        {
            **org,
            "teams": teams.get(org_id, []),
            "people": sorted(authors.get(org_id, set())),
            "wrote_entries": org_id in authors,
        }
        for org_id, org in sorted(organisations.items(), key=lambda item: item[1]["name"])
    ]
    return {"sections": sections}, contributors


@transaction.atomic
def careplan_publish(
    *, service_user: ServiceUser, by: User, review_due: dt.date | None = None
) -> PlanVersion:
    """Publish the plan as it stands: a new numbered version, immutable, with its contributors.

    The review date defaults to six months on; the person is told there is a new version to read.
    """
    team = _writing_team(by, service_user)
    plan = CarePlan.objects.select_for_update().filter(service_user=service_user).first()
    if plan is None or not PlanEntry.objects.filter(plan=plan, removed_at__isnull=True).exists():
        raise StateConflict("Add something to the care plan before you publish it.")
    today = clock.today()
    if review_due is None:
        review_due = default_review_due(today)
    if review_due <= today:
        raise ApplicationError("The review date must be in the future.", field="review_due")
    if review_due > today + relativedelta(months=12):
        raise ApplicationError(
            "Review the plan within 12 months: choose an earlier date.", field="review_due"
        )
    content, contributors = _snapshot(plan)
    # The person's words not yet accepted or answered are never dropped: the version lists them as
    # waiting, and they stay on the working plan until a worker answers them (issue 20).
    content["own_words_waiting"] = own_words_waiting(plan)
    number = plan.current_version_number + 1
    version = PlanVersion.objects.create(
        plan=plan,
        number=number,
        published_by=by,
        published_by_organisation=team.organisation,
        review_due=review_due,
        content=content,
        contributors=contributors,
    )
    CarePlan.objects.filter(pk=plan.pk).update(
        current_version_number=number,
        review_due=review_due,
        changes_at_publish=F("changes"),
        updated_at=clock.now(),
    )
    audit_record(
        actor=by,
        action="careplan.publish",
        target=version,
        service_user=service_user,
        organisation=team.organisation,
        detail={"number": number},
    )
    if service_user.user_id:
        notify(
            event_key=f"careplan:{version.pk}:published",
            recipients=[service_user.user],
            kind="careplan.published",
            subject="Your care plan has been updated",
            body="There is a new version of your care plan. Please read it and tell us if you agree.",
            url="/my/care-plan/",
            related=version,
            service_user=service_user,
        )
    version_id = version.pk
    transaction.on_commit(lambda: queue_pdf(version_id))
    return version


def queue_pdf(version_id) -> None:
    """Ask a worker to render the version's PDF; if the broker is down, the sweep will."""
    from .tasks import careplan_version_render_pdf

    try:
        careplan_version_render_pdf.delay(str(version_id))
    except Exception:  # broker unreachable: the row is committed and the beat sweep re-queues it
        log.warning("care plan PDF not queued; the sweep will pick it up", exc_info=True)


def version_render_pdf(version_id) -> bool:
    """Render and store a version's PDF once. Returns True if this call stored it."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from .pdf import version_pdf

    version = PlanVersion.objects.select_related("plan__service_user").filter(pk=version_id).first()
    if version is None or version.pdf:
        return False
    # The stored copy is in English (staff download it too); the person's own download is rendered
    # in their language when they chose another (careplans.views.my_plan_pdf).
    content = version_pdf(version, language="en-gb")
    name = default_storage.save(f"careplans/{version.pk}.pdf", ContentFile(content))
    # Conditional: if two workers rendered at once, the first stored wins and the other file goes.
    stored = PlanVersion.objects.filter(pk=version.pk, pdf="").update(pdf=name, pdf_rendered_at=clock.now())
    if not stored:
        default_storage.delete(name)
    return bool(stored)


def versions_render_missing_pdfs(*, limit: int = 50) -> int:
    """Queue versions published in the last week still without their PDF (the beat sweep catches a
    render lost with its worker). Older ones (an import, say) render when someone asks for them.
    Returns how many were queued."""
    now = clock.now()
    # Versions published in the last two minutes were queued on commit: leave them to that task.
    settled = now - dt.timedelta(minutes=2)
    ids = list(
        PlanVersion.objects.filter(
            pdf="", published_at__lt=settled, published_at__gte=now - dt.timedelta(days=7)
        )
        .order_by("published_at")
        .values_list("pk", flat=True)[:limit]
    )
    for version_id in ids:
        queue_pdf(version_id)
    return len(ids)


# ---------------------------------------------------------------------------
# Agreement


def _ensure_current(version: PlanVersion) -> None:
    latest = (
        PlanVersion.objects.filter(plan_id=version.plan_id)
        .order_by("-number")
        .values_list("number", flat=True)
    )
    if latest.first() != version.number:
        raise StateConflict(
            "There is a newer version of this care plan. Read the newest version before you answer."
        )


@transaction.atomic
def agreement_record(*, version: PlanVersion, by: User, kind: str, comment: str = "") -> Agreement:
    """The person agrees the version or says what they would change (in the portal, or in person
    through staff); or their carer, when the person allows it, records their views."""
    CarePlan.objects.select_for_update().filter(pk=version.plan_id).first()
    service_user = version.plan.service_user
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        raise ApplicationError(f"Keep this under {MAX_TEXT} characters.", field="comment")
    if kind not in Agreement.Kind.values:
        raise ApplicationError("Choose whether you agree.", field="kind")
    if by.kind == User.Kind.SERVICE_USER:
        if service_user.user_id != by.pk or kind == Agreement.Kind.CARER_VIEWS:
            raise access.Hidden("No such care plan.")
        method = Agreement.Method.PORTAL
    elif by.kind == User.Kind.CARER:
        if not access.care_plan_access(by, service_user).can_view:
            raise access.Hidden("No such care plan.")
        if kind != Agreement.Kind.CARER_VIEWS:
            raise access.Refused("Only the person can agree their care plan.")
        method = Agreement.Method.CARER
    else:
        _writing_team(by, service_user)
        if kind == Agreement.Kind.CARER_VIEWS:
            raise ApplicationError("Carers record their own views in DualCare.", field="kind")
        method = Agreement.Method.IN_PERSON
    if kind in (Agreement.Kind.CHANGES, Agreement.Kind.CARER_VIEWS) and not comment:
        raise ApplicationError(
            "Say what you would change, in your own words."
            if kind == Agreement.Kind.CHANGES
            else "Write your views on the care plan.",
            field="comment",
        )
    _ensure_current(version)
    agreement = Agreement.objects.create(
        version=version, kind=kind, method=method, comment=comment, recorded_by=by
    )
    audit_record(
        actor=by,
        action=f"careplan.{kind}",
        target=agreement,
        service_user=service_user,
        detail={"version": version.number, "method": method},
    )
    if kind != Agreement.Kind.AGREED or method != Agreement.Method.IN_PERSON:
        _notify_key_workers(version, agreement)
    return agreement


def _notify_key_workers(version: PlanVersion, agreement: Agreement) -> None:
    workers = list(
        User.objects.filter(
            is_active=True,
            key_worker_involvements__service_user_id=version.plan.service_user_id,
            key_worker_involvements__end__isnull=True,
        ).distinct()
    )
    subjects = {
        Agreement.Kind.AGREED: "A care plan has been agreed",
        Agreement.Kind.CHANGES: "A person has asked for changes to their care plan",
        Agreement.Kind.CARER_VIEWS: "A carer has added their views to a care plan",
    }
    notify(
        event_key=f"careplan:{agreement.pk}:{agreement.kind}",
        recipients=workers,
        kind=f"careplan.{agreement.kind}",
        subject=subjects[agreement.kind],
        body=f"Version {version.number} of a care plan you work on has a new response. Open it in DualCare.",
        url=plan_url(version.plan.service_user_id),
        related=agreement,
        service_user=version.plan.service_user_id,
        channels=("in_app",),
    )


def careplans_remind_reviews_due(*, today: dt.date | None = None) -> int:
    """Tell the key workers of every involved team, once per review date, that a plan's review is due.

    Only plans of people someone is still key working are looked at (a discharged person's old plan
    is not "due"). The outbox's unique event key per recipient makes a second scan (or a second
    beat) send nothing more. No names in the message: it may go by email; the link checks access.
    Three queries to find the work, whatever the number of plans; then one outbox write per plan.
    Returns the number of plans whose reminder was written this time.
    """
    today = today or clock.today()
    in_care = Q(end__isnull=True) | Q(end__gt=today)
    workers: dict = {}
    for involvement in Involvement.objects.filter(
        in_care,
        key_worker__is_active=True,
        service_user__care_plan__current_version_number__gt=0,
        service_user__care_plan__review_due__lte=today,
    ).select_related("key_worker"):
        workers.setdefault(involvement.service_user_id, {})[involvement.key_worker_id] = (
            involvement.key_worker
        )
    plans = list(
        CarePlan.objects.filter(service_user_id__in=list(workers)).values_list(
            "pk", "service_user_id", "review_due"
        )
    )
    keys = {
        plan_id: f"careplan:{plan_id}:review_due:{review_due:%Y-%m-%d}" for plan_id, _, review_due in plans
    }
    sent = set(Notification.objects.filter(event_key__in=keys.values()).values_list("event_key", flat=True))
    reminded = 0
    for plan_id, service_user_id, review_due in plans:
        if keys[plan_id] in sent:
            continue
        with transaction.atomic():
            notify(
                event_key=keys[plan_id],
                recipients=list(workers[service_user_id].values()),
                kind="careplan.review_due",
                subject="A shared care plan is due for review",
                body=f"A care plan you work on is due for review ({review_due:%-d %B %Y}). Open it here.",
                url=plan_url(service_user_id),
                service_user=service_user_id,
                channels=("in_app",),
            )
        reminded += 1
    return reminded


# ---------------------------------------------------------------------------
# The person's own words (issue 20 item 1): proposed by the person, accepted or answered by staff

GOAL_SCORE_MIN, GOAL_SCORE_MAX = 1, 10
OWN_WORDS_URL = "/my/care-plan/your-words/"


def _the_person(by: User, service_user: ServiceUser) -> None:
    """Only the person writes their own words (Hidden to anyone else: they learn nothing)."""
    if not access.own_words_access(by, service_user).can_write:
        raise access.Hidden("No such page.")


def _clean_words(text: str, *, field: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(message, field=field)
    if len(text) > MAX_TEXT:
        raise ApplicationError(f"Keep this under {MAX_TEXT} characters.", field=field)
    return text


@transaction.atomic
def own_words_propose(
    *, service_user: ServiceUser, by: User, kind: str, text: str, domain: str = ""
) -> OwnWords:
    """The person writes something for their plan: it waits for their care team to accept or answer
    it, and the key workers are told (once, through the outbox; no words in the alert)."""
    _the_person(by, service_user)
    if kind not in OwnWords.Kind.values:
        raise ApplicationError("Choose what you are writing.", field="kind")
    text = _clean_words(text, field="text", message="Write it in your own words.")
    domain = domain or ""
    if kind == OwnWords.Kind.GOAL:
        if domain not in Domain.values:
            raise ApplicationError("Choose the part of your life this goal is about.", field="domain")
    else:
        domain = ""
    _plan_for(service_user, by)  # what the person writes starts their plan, if nobody has yet
    words = OwnWords.objects.create(
        service_user=service_user, kind=kind, text=text, domain=domain, written_by=by
    )
    audit_record(
        actor=by,
        action="careplan.own_words_propose",
        target=words,
        service_user=service_user,
        detail={"kind": kind},
    )
    workers = list(
        User.objects.filter(
            is_active=True,
            key_worker_involvements__service_user_id=service_user.pk,
            key_worker_involvements__end__isnull=True,
        ).distinct()
    )
    notify(
        event_key=f"careplan:own_words:{words.pk}:proposed",
        recipients=workers,
        kind="careplan.own_words",
        subject="A person has written something for their care plan",
        body="A person you key work has written for their care plan. Open DualCare to accept or answer it.",
        url=f"/care-plans/their-words/{words.pk}/",  # the words' id: an alert names no one
        related=words,
        service_user=service_user,
        channels=("in_app",),
    )
    return words


def _answerable(words_id, by: User) -> tuple[OwnWords, Team]:
    """The words, locked, still waiting; and the writer's team (Hidden or Refused otherwise)."""
    words = OwnWords.objects.select_for_update().select_related("service_user").filter(pk=words_id).first()
    if words is None or not access.own_words_access(by, words.service_user).can_view:
        raise access.Hidden("No such page.")
    team = _writing_team(by, words.service_user)
    if words.state != OwnWords.State.PROPOSED:
        raise StateConflict("Someone has already answered this. Nothing has been changed.")
    return words, team


def _tell_the_person(words: OwnWords, subject: str) -> None:
    if words.service_user.user_id:
        notify(
            event_key=f"careplan:own_words:{words.pk}:{words.state}",
            recipients=[words.service_user.user],
            kind="careplan.own_words_answered",
            subject=subject,
            body="Your care team has answered what you wrote for your care plan. Sign in to read it.",
            url=OWN_WORDS_URL,
            related=words,
            service_user=words.service_user,
            channels=("in_app",),
        )


@transaction.atomic
def own_words_accept(*, own_words: OwnWords, by: User, reply: str = "") -> OwnWords:
    """Accept the person's words into the working plan, as they wrote them, for the next version:
    a plan entry of the accepting organisation marked "in the person's words"."""
    words, team = _answerable(own_words.pk, by)
    section, column = OwnWords.PLACE[words.kind]
    reply = (reply or "").strip()
    if len(reply) > MAX_TEXT:
        raise ApplicationError(f"Keep this under {MAX_TEXT} characters.", field="reply")
    fields = {column: words.text}
    if section == Section.GOAL:
        fields["domain"] = words.domain
    entry = entry_add(service_user=words.service_user, section=section, by=by, **fields)
    PlanEntry.objects.filter(pk=entry.pk).update(in_person_words=True)
    words.state = OwnWords.State.ACCEPTED
    words.plan_entry = entry
    words.reply = reply
    words.answered_by = by
    words.answered_by_organisation = team.organisation
    words.answered_at = clock.now()
    words.save(
        update_fields=[
            "state",
            "plan_entry",
            "reply",
            "answered_by",
            "answered_by_organisation",
            "answered_at",
            "updated_at",
        ]
    )
    audit_record(
        actor=by,
        action="careplan.own_words_accept",
        target=words,
        service_user=words.service_user,
        organisation=team.organisation,
        detail={"kind": words.kind, "entry": str(entry.pk)},
    )
    _tell_the_person(words, "Your words have been added to your care plan")
    return words


@transaction.atomic
def own_words_answer(*, own_words: OwnWords, by: User, reply: str) -> OwnWords:
    """Answer the person's words without adding them to the plan: the reply says why, and the
    person reads it beside what they wrote."""
    words, team = _answerable(own_words.pk, by)
    reply = _clean_words(reply, field="reply", message="Write your answer to the person.")
    words.state = OwnWords.State.ANSWERED
    words.reply = reply
    words.answered_by = by
    words.answered_by_organisation = team.organisation
    words.answered_at = clock.now()
    words.save(
        update_fields=[
            "state",
            "reply",
            "answered_by",
            "answered_by_organisation",
            "answered_at",
            "updated_at",
        ]
    )
    audit_record(
        actor=by,
        action="careplan.own_words_answer",
        target=words,
        service_user=words.service_user,
        organisation=team.organisation,
        detail={"kind": words.kind},
    )
    _tell_the_person(words, "Your care team has answered what you wrote")
    return words


@transaction.atomic
def goal_rate(
    *, goal: OwnWords, by: User, score, rated_on: dt.date | None = None, note: str = ""
) -> GoalRating:
    """The person says how they feel they are going with one of their own goals, 1 to 10."""
    if goal.kind != OwnWords.Kind.GOAL:
        raise ApplicationError("Choose one of your goals.", field="goal")
    _the_person(by, goal.service_user)
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not GOAL_SCORE_MIN <= score <= GOAL_SCORE_MAX:
        raise ApplicationError(f"Choose a number from {GOAL_SCORE_MIN} to {GOAL_SCORE_MAX}.", field="score")
    rated_on = rated_on or clock.today()
    cleaned = {"rated_on": rated_on}
    _check_date(cleaned, "rated_on", "The date")
    if cleaned["rated_on"] > clock.today():
        raise ApplicationError("The date must be today or in the past.", field="rated_on")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ApplicationError(f"Keep this under {MAX_TEXT} characters.", field="note")
    rating = GoalRating.objects.create(
        goal=goal, rated_on=cleaned["rated_on"], score=score, note=note, rated_by=by
    )
    audit_record(
        actor=by,
        action="careplan.goal_rate",
        target=rating,
        service_user=goal.service_user,
        detail={"score": score},
    )
    return rating


def own_words_waiting(plan: CarePlan) -> list[dict]:
    """The person's words still waiting for an answer, as a published version lists them."""
    return [
        {
            "id": str(words.pk),
            "kind": words.kind,
            "kind_label": words.get_kind_display(),
            "text": words.text,
            "written_at": words.created_at.isoformat(),
        }
        for words in OwnWords.objects.filter(
            service_user_id=plan.service_user_id, state=OwnWords.State.PROPOSED
        ).order_by("created_at")
    ]
