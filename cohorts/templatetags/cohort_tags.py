from django import template

register = template.Library()


@register.inclusion_tag("cohorts/_section.html", takes_context=True)
def quadrant_section(context, person):
    """A link to the quadrant history and assessment, for staff who may see the record."""
    from dualcare import access

    user = context["request"].user
    return {
        "person": person,
        "show": getattr(user, "kind", "") == "staff" and access.can_view_record(user, person),
    }
