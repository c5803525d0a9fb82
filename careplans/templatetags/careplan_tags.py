"""The care plan's status on the person's record page."""

from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("careplans/_summary_section.html", takes_context=True)
def care_plan_summary(context, person):
    """Status and a link, for staff who may see the record and for the person on their own page."""
    from careplans import selectors
    from dualcare import access

    user = context["request"].user
    acc = access.care_plan_access(user, person)
    plan = selectors.plan_of(person) if acc.can_view else None
    version = selectors.current_version(plan)
    return {
        "person": person,
        "plan": plan,
        "version": version,
        "status": selectors.agreement_status(version),
        "can_view": acc.can_view,
        "is_own": getattr(user, "kind", "") == "service_user",
        "today": timezone.localdate(),
    }
