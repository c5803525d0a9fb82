"""Absolute links for messages that leave DualCare (email, text messages, attachments).

A message is read outside the site, so a link in it must carry the scheme, host and port the
site is actually served on: SITE_URL (which `make run PORT=...` sets to the port in use).
"""

from django.conf import settings
from django.urls import reverse


def absolute_url(path: str) -> str:
    """`path` (starting with "/") on the site's address; an absolute URL is returned as it is."""
    if path.startswith(("https://", "http://")):
        return path
    if not path.startswith("/"):
        raise ValueError(f"Expected a path starting with '/', got {path!r}")
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def absolute_reverse(viewname: str, *args, **kwargs) -> str:
    """reverse(), as an absolute link for a message."""
    return absolute_url(reverse(viewname, args=args or None, kwargs=kwargs or None))
