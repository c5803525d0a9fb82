"""The outcomes section of the record page, with its own permission check."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.inclusion_tag("outcomes/_section.html", takes_context=True)
def outcomes_section(context, person):
    """Latest HoNOS and TOP the viewer may see (outcomes consent scope), what is due, and links."""
    from outcomes import instruments, scoring, selectors
    from outcomes.models import HONOS_COPYRIGHT

    user = context["request"].user
    enabled = instruments.enabled_instruments()
    latest_honos = latest_top = None
    if "honos" in enabled:
        latest_honos = selectors.outcomes_visible(user, "honos", person).last()
    if "top" in enabled:
        latest_top = selectors.outcomes_visible(user, "top", person).last()
    return {
        "person": person,
        "enabled": enabled,
        "latest_honos": latest_honos,
        "honos_score": scoring.honos_score(latest_honos.items) if latest_honos else None,
        "latest_top": latest_top,
        "is_own": getattr(user, "kind", "") == "service_user",
        "honos_copyright": HONOS_COPYRIGHT,
    }
