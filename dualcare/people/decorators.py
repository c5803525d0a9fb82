"""Who may open a page at all, before any record is read: a signed-in user passing a check.

Anyone else gets a 404, as these pages are not theirs to know of. What a page then shows of a
person is decided by dualcare.access, never here. The 404 is audited as a denied attempt (naming
the person the URL leads to) by dualcare.audit.middleware, as is every other refusal.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from .models import User


def login_and_404_unless(check):
    """Signed in, and `check(user)` true; otherwise a 404."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise Http404("No such page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def kind_required(kind: str):
    """Only this kind of login (staff, service user, carer)."""
    return login_and_404_unless(lambda user: user.kind == kind)


staff_required = kind_required(User.Kind.STAFF)
service_user_required = kind_required(User.Kind.SERVICE_USER)
carer_required = kind_required(User.Kind.CARER)
