"""The shared care plan as a FHIR R4 CarePlan (UK Core CarePlan): its goals as contained Goal
resources, its actions as activities, the other sections as notes. What each reader sees of it is
the plan's rule (access.care_plans_visible_to for the plan, access.org_written_filter for each
entry: another organisation's entries only with the person's consent of their scope), and a plan
of which the reader may see no entry is not theirs to find: withdrawing consent takes another
organisation's plan out of the reader's results at once."""

from __future__ import annotations

from django.db.models import Prefetch

from dualcare import access
from dualcare.fhir import registry
from dualcare.fhir.registry import BadParameter, ResourceType, SearchParam, meta, reference

from .models import ActionStatus, CarePlan, PlanEntry, Section

ACTIVITY_STATUS = {
    ActionStatus.NOT_STARTED: "not-started",
    ActionStatus.IN_PROGRESS: "in-progress",
    ActionStatus.DONE: "completed",
    ActionStatus.STOPPED: "stopped",
}
# The sections other than goals and actions, told as notes in the reader's words.
NOTE_FIELDS = {
    Section.WHAT_MATTERS: ["text"],
    Section.CRISIS: ["warning_signs", "triggers", "what_helps", "who_to_contact", "out_of_hours", "text"],
    Section.RISK: ["text"],
    Section.CARER: ["carer_views", "shared_with_carer", "text"],
    Section.DISCHARGE: ["how_to_come_back", "text"],
}


def _entries(user, service_user=None):
    # people_first: the reader's people read once, their entries found through the plan's person
    # (at 50,000 people, 110 ms for a page's plans where the per-row form took 270-400 ms); for
    # one person, the rule's one-person form.
    return access.org_written_filter(
        user, PlanEntry.objects.filter(removed_at__isnull=True), service_user=service_user, people_first=True
    )


def plans(user, service_user=None):
    """The plans of which the user may see at least one entry, by the entries' own rule
    (access.org_written_filter: their organisation's, or another's under the person's consent of
    the entry's scope), and those entries prefetched for the page."""
    return (
        access.care_plans_visible_to(user, CarePlan.objects.all())
        .filter(pk__in=_entries(user, service_user).values("plan_id"))
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=_entries(user, service_user)
                .select_related("organisation", "owner_worker")
                .order_by("created_at", "pk"),
                to_attr="fhir_entries",
            )
        )
    )


def _goal(entry: PlanEntry, number: int, patient: dict) -> dict:
    goal = {
        "resourceType": "Goal",
        "id": f"goal-{number}",
        "lifecycleStatus": "active",
        "description": {"text": entry.text or "A goal"},
        "subject": patient,
        "expressedBy": reference("Organization", entry.organisation_id, entry.organisation.name),
    }
    if entry.domain:
        goal["category"] = [{"text": entry.get_domain_display()}]
    if entry.target_date:
        goal["target"] = [{"dueDate": entry.target_date.isoformat()}]
    if entry.progress:
        goal["note"] = [{"text": f"Progress: {entry.progress}"}]
    return goal


def _activity(entry: PlanEntry) -> dict:
    detail = {
        "status": ACTIVITY_STATUS.get(entry.status, "not-started"),
        "description": entry.text or "An action",
    }
    if entry.due_date:
        detail["scheduledPeriod"] = {"end": entry.due_date.isoformat()}
    owner = entry.get_owner_kind_display() if entry.owner_kind else ""
    if entry.owner_worker_id:
        owner = entry.owner_worker.display_name
    if owner:
        detail["performer"] = [{"display": owner}]
    return {"detail": detail}


def care_plan(plan: CarePlan) -> dict:
    patient = reference("Patient", plan.service_user_id)
    goals, activities, notes, organisations = [], [], [], {}
    for entry in plan.fhir_entries:
        organisations.setdefault(entry.organisation_id, entry.organisation.name)
        if entry.section == Section.GOAL:
            goals.append(_goal(entry, len(goals) + 1, patient))
        elif entry.section == Section.ACTION:
            activities.append(_activity(entry))
        else:
            label = Section(entry.section).label
            for name in NOTE_FIELDS.get(entry.section, ["text"]):
                value = getattr(entry, name)
                if value:
                    field = PlanEntry._meta.get_field(name).verbose_name
                    notes.append(
                        {"text": f"{label}: {value}" if name == "text" else f"{label}, {field}: {value}"}
                    )
    resource = {
        "resourceType": "CarePlan",
        "id": str(plan.pk),
        "meta": meta(plan, registry.UK_CORE + "UKCore-CarePlan"),
        "status": "active" if plan.is_published else "draft",
        "intent": "plan",
        "title": "Shared care plan",
        "subject": patient,
        "created": registry.instant(plan.created_at),
        "contributor": [reference("Organization", pk, name) for pk, name in organisations.items()],
    }
    if goals:
        resource["contained"] = goals
        resource["goal"] = [{"reference": f"#{goal['id']}"} for goal in goals]
    if activities:
        resource["activity"] = activities
    if notes:
        resource["note"] = notes
    return resource


def _status(rows, value):
    if value == "active":
        return rows.filter(current_version_number__gt=0)
    if value == "draft":
        return rows.filter(current_version_number=0)
    raise BadParameter("status", "Give status as active (published) or draft (never published).")


CARE_PLAN = ResourceType(
    name="CarePlan",
    rows=plans,
    render=care_plan,
    profile=registry.UK_CORE + "UKCore-CarePlan",
    params=(
        registry.patient_reference_param("service_user", "patient"),
        registry.patient_reference_param("service_user", "subject"),
        SearchParam("status", "token", _status, "active (published) or draft."),
    ),
    patient_params=("patient", "subject"),
    documentation="The shared plan's working entries the caller may see; goals are contained Goal "
    "resources (UK Core has no Goal profile), actions are activities.",
)


def register() -> None:
    registry.register(CARE_PLAN)
