# gunicorn reads this file from the directory it starts in (docker-compose's web, bench/, make
# api-check). The access log names the path without its query string, and no referrer: a list's
# search (a name, an NHS number, a date of birth) rides in the query string (dualcare/log_filters.py).
# The path itself may carry a one-time token (a staff invitation, a password reset): the logger
# below writes it as "…".
import os
import sys

from gunicorn.glogging import Logger

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dualcare.log_filters import without_secret_paths  # noqa: E402

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'


class AccessLogger(Logger):
    """gunicorn's logger, with the secrets of a request's path and request line made "…"."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("U", "r", "{path_info}e", "{raw_uri}e"):
            if isinstance(atoms.get(name), str):
                atoms[name] = without_secret_paths(atoms[name])
        return atoms


logger_class = AccessLogger
