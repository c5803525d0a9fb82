"""Every refusal is audited (rule 6), once, here: whatever answered 401, 403 or 404 to a signed-in
user on one of our routes (the page gate, a role check in a view, DRF's permission classes, a
lookup that found nothing), a denied row is written unless the request wrote one itself
(access.get_record_or_404 and friends do, naming the person). The row names the person the URL
is about when it names one that exists, so the person's record shows who tried; else no one.

The lookups run on refusals only, so an allowed request pays nothing here.
"""

from __future__ import annotations

from uuid import UUID

from django.apps import apps

from .services import audit_record, denied_written

REFUSED = {401, 403, 404}

# Records a URL can name by id, and the path from each to its person: every model access.py
# declares (ORG_WRITTEN names each one's path to the person), the person first. Not the access
# machinery's own tables nor the audit log, which no URL names.
NOT_NAMED_BY_URLS = {
    "people.serviceuseruserobjectpermission",
    "people.serviceusergroupobjectpermission",
    "audit.auditevent",
}


def person_paths() -> list[tuple[str, str]]:
    from dualcare.access import ORG_WRITTEN

    paths = [
        (label, entry.service_user) for label, entry in ORG_WRITTEN.items() if label not in NOT_NAMED_BY_URLS
    ]
    return sorted(paths, key=lambda pair: pair[0] != "people.serviceuser")


def person_named_by(url_kwargs: dict):
    """The id of the person a URL's ids lead to (the first found), or None."""
    for value in url_kwargs.values():
        try:
            pk = value if isinstance(value, UUID) else UUID(str(value))
        except ValueError:
            continue
        for label, path in person_paths():
            found = apps.get_model(label).objects.filter(pk=pk).values_list(path, flat=True).first()
            if found is not None:
                return found
    return None


class RefusalAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        marker = denied_written.set(False)
        try:
            response = self.get_response(request)
            already = denied_written.get()
        finally:
            denied_written.reset(marker)
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        if (
            response.status_code in REFUSED
            and match is not None
            and getattr(user, "is_authenticated", False)
            and not already
        ):
            person_id = person_named_by(match.kwargs)
            audit_record(
                actor=user,
                action="api.refused" if match.route.startswith("api/") else "page.refused",
                service_user=apps.get_model("people.ServiceUser")(pk=person_id) if person_id else None,
                denied=True,
                detail={"route": match.view_name[:100], "status": response.status_code},
            )
        return response
