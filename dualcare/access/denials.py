"""One way to say no.

A rule that answers a question returns a bool (``can_...``). A rule that refuses raises one of two
exceptions, and nothing else:

``Hidden``
    the thing is not there for this user (they may not know it exists): a 404, page or API;
``Refused``
    they may see it but not do this: a 403, page or API, with the reason in plain words.

``Hidden`` is an ``Http404`` and ``Refused`` a ``PermissionDenied``, so Django's request handling
(the project's 404 and 403 pages) and DRF's exception handler (a JSON 404 or 403) map them in
one place each, without a view catching anything. A caller never catches a denial to ask a
yes/no question: it asks the ``can_`` rule instead.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404


class Hidden(Http404):
    """Not there for this user: answered 404."""


class Refused(PermissionDenied):
    """Seen, but not this user's to do: answered 403, with the reason."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
