# The real-worker fixture of tests/celery, shared with the contacts delivery test.
from tests.celery.conftest import running_worker  # noqa: F401
