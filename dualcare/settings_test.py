"""Settings for the test suite (pytest's DJANGO_SETTINGS_MODULE).

Production's settings, with test-grade defaults switched on (DUALCARE_TESTING: an insecure key, fast
password hashing, no two-factor unless a test asks, plain http, no demo history; see settings.py)
unless the environment says otherwise. tests/test_production_chain.py runs requests through the
production settings and middleware instead.

When pytest-xdist runs the suite in several processes, each worker gets a Redis database of its own
(the one in REDIS_URL plus the worker's number), so broker queues, throttle counts and cache keys of
one worker never meet another's. PostgreSQL needs nothing here: pytest-django already gives each
worker its own test database (``test_<name>_gw0``…).

REDIS_URL is rewritten in the environment before the settings read it, because several tests read it
from the environment themselves (to start a worker or freeze a broker on the same database).
"""

import os
from urllib.parse import urlsplit, urlunsplit

_MARKER = "DUALCARE_TEST_REDIS_FOR_WORKER"


def _redis_url_for_worker(url: str, worker: str) -> str:
    """``redis://host:6379/0`` for worker ``gw2`` -> ``redis://host:6379/2`` (base database + worker)."""
    number = int(worker.removeprefix("gw") or 0)
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    if base + number > 15:
        raise RuntimeError(
            f"Redis has databases 0-15; worker {worker} on base {base} would need {base + number}"
        )
    return urlunsplit(parts._replace(path=f"/{base + number}"))


os.environ.setdefault("DUALCARE_TESTING", "1")

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker and os.environ.get("REDIS_URL") and os.environ.get(_MARKER) != _worker:
    # The marker stops a second rewrite (base + n + n) if these settings are imported again in the process
    # or by a subprocess that inherits the environment.
    os.environ["REDIS_URL"] = _redis_url_for_worker(os.environ["REDIS_URL"], _worker)
    os.environ[_MARKER] = _worker

from dualcare.settings import *  # noqa: E402, F403

# A read-replica alias that mirrors the default test database, so tests can read through it
# (tests/test_db_router.py). The router uses it only where a test also sets
# DATABASE_REPLICA_URL; pytest-django refuses any test that touches it without asking.
if "replica" not in DATABASES:  # noqa: F405
    import copy as _copy

    DATABASES["replica"] = _copy.deepcopy(DATABASES["default"])  # noqa: F405
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # noqa: F405
