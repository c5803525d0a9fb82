"""The care plan's status on the person's record page and on their own home page."""

from django import template
from django.db.models import OuterRef, Subquery
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("careplans/_summary_section.html", takes_context=True)
def care_plan_summary(context, person):
    """Status and a link, for staff who may see the record and for the person on their own page.

    Lean on purpose (the record page pins its query count): the read check, the plan, and the
    current version with the person's latest answer, in three queries at most.
    """
    from careplans.models import Agreement, CarePlan, PlanVersion
    from dualcare import access

    user = context["request"].user
    can_view = access.can_view_record(user, person)
    plan = CarePlan.objects.filter(service_user=person).first() if can_view else None
    version = None
    if plan is not None and plan.current_version_number:
        latest = Agreement.objects.filter(
            version=OuterRef("pk"), kind__in=[Agreement.Kind.AGREED, Agreement.Kind.CHANGES]
        ).order_by("-recorded_at")
        version = (
            PlanVersion.objects.filter(plan=plan, number=plan.current_version_number)
            .select_related("published_by", "published_by_organisation")
            .annotate(answer=Subquery(latest.values("kind")[:1]))
            .defer("content")
            .first()
        )
    return {
        "person": person,
        "plan": plan,
        "version": version,
        "answer": version.answer if version is not None else None,
        "can_view": can_view,
        "is_own": getattr(user, "kind", "") == "service_user",
        "today": timezone.localdate(),
    }
