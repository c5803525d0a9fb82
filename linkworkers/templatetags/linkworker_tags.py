"""The link-meeting section of the staff record page: where the person was (or is to be)
discussed at a link meeting, and a way to notify them to the next one."""

from django import template

register = template.Library()


@register.inclusion_tag("linkworkers/_record_section.html", takes_context=True)
def link_meeting_section(context, person):
    """Nothing for service users, carers or staff who may not see the record or notify cases."""
    from dualcare import access
    from linkworkers.models import CaseNotification

    user = context["request"].user
    if not access.linkworkers_can_notify(user) or not access.can_view_record(user, person):
        return {"show": False}
    cases = list(
        CaseNotification.objects.filter(service_user=person)
        .select_related("meeting", "team")
        .order_by("-meeting__starts_at")[:5]
    )
    # The role was checked above: the caseload check alone (one query).
    can_notify = access.service_users_on_caseload(user).filter(pk=person.pk).exists()
    return {"show": True, "cases": cases, "can_notify": can_notify, "person": person}
