from dualcare import access


def signed_in_as(request):
    """Who is signed in, for the header: name, organisation and role (staff), or kind."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = []
    if user.kind == user.Kind.STAFF:
        roles = list(access.active_roles(user).select_related("team__organisation").order_by("start"))
    return {"signed_in_roles": roles, "signed_in_role": roles[0] if roles else None}
