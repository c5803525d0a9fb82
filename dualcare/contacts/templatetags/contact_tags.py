"""The contacts section of a person's record: `{% load contact_tags %}{% contacts_section person %}`."""

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("contacts/_section.html", takes_context=True)
def contacts_section(context, person, heading_level: int = 2):
    """Coming appointments, recent contacts and supervised consumption the viewer may see, through
    access.contacts_visible_to; with "Book an appointment" for staff of an involved team. The
    person sees a link to their own appointments. A constant number of queries."""
    from dualcare import access
    from dualcare.contacts.models import Contact, SupervisedConsumption

    user = context["request"].user
    is_own = getattr(user, "kind", "") == "service_user"
    if is_own:
        return {"person": person, "is_own": True, "heading_level": heading_level}
    visible = access.contacts_visible_to(user, service_user=person).select_related(
        "team", "staff", "schedule", "outcome_recorded_by"
    )
    now = timezone.now()
    coming = list(
        visible.filter(starts_at__gte=now, outcome="").exclude(kind="collection").order_by("starts_at")[:10]
    )
    recent = list(
        visible.filter(starts_at__lt=now, starts_at__gte=now - dt.timedelta(days=28)).order_by("-starts_at")[
            :15
        ]
    )
    schedules = list(
        SupervisedConsumption.objects.filter(
            service_user=person,
            stopped_at__isnull=True,
            pk__in=visible.filter(kind="collection").values("schedule_id"),
        )
        .exclude(end__lt=timezone.localdate())
        .select_related("pharmacy_team", "prescribing_team")
    )
    # A clinical team of mine (access.contact_teams_of) works with them: the record page's own
    # acting-team check, read once for the page (access.record_checks_once).
    can_book = access.can_act_for(user, person)
    return {
        "person": person,
        "is_own": False,
        "coming": coming,
        "recent": recent,
        "schedules": schedules,
        "can_book": can_book,
        "heading_level": heading_level,
        "Contact": Contact,
    }
