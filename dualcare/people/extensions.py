"""What the core's pages about people show that a capability app provides.

The core never imports a capability app (tests/test_layering.py holds it to that). Where a core page
shows something a capability owns, the core declares the need here, with what it shows when nobody
provides it, and the app provides it from its ``AppConfig.ready()``::

    extensions.provide("current_quadrant", with_current_quadrant)

The same pattern as the dashboards' measures (dualcare/dashboards/measures.py): the core states the
contract, the apps fill it in. With the app not installed the core shows nothing for the need.

Needs:

``current_quadrant(people, *, user) -> QuerySet``
    ``people`` annotated with ``current_quadrant`` and ``current_quadrant_on``: the latest Minkoff
    quadrant (and its date) that ``user`` may see (caseloads, people lists, the people API).
``quadrant_choices() -> list[tuple[str, str]]``
    the quadrants a caseload can be filtered by (value, label); none (no filter shown) without the app.
``review_overdue(people, *, user, today) -> QuerySet``
    ``people`` annotated with ``review_overdue``: a care plan ``user`` may see whose review date has
    passed (caseloads and the people API show it, and filter on it).
``measure_overdue(people, *, user, today) -> QuerySet``
    ``people`` annotated with ``measure_overdue``: an outcome measure (TOP or HoNOS) overdue for an
    open involvement of one of ``user``'s clinical teams (the same rule as the outcomes due list).
``latest_quadrant(viewer, service_user) -> object | None``
    the latest quadrant assessment ``viewer`` may see of one person (the record summary), with
    ``quadrant``, ``get_quadrant_display()``, ``assessed_on`` and ``organisation``.
``open_referrals() -> QuerySet | None``
    the referrals sent or acknowledged (not yet accepted, declined, withdrawn or closed), with
    ``service_user`` and ``to_team``: a conversation may address the team one is with
    (access.conversations). None without the app.
``exit_measure_url(user, involvement) -> str | None``
    where ``user`` records the exit measure (TOP or HoNOS) of care just ended, when one is due and
    theirs to record.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import BooleanField, CharField, DateField, QuerySet, Value


def _no_quadrant(people: QuerySet, *, user) -> QuerySet:
    return people.annotate(
        current_quadrant=Value(None, output_field=CharField()),
        current_quadrant_on=Value(None, output_field=DateField()),
    )


def _not_overdue(name: str) -> Callable:
    def annotate(people: QuerySet, *, user, today) -> QuerySet:
        return people.annotate(**{name: Value(False, output_field=BooleanField())})

    return annotate


NEEDS: dict[str, Callable] = {
    "current_quadrant": _no_quadrant,
    "quadrant_choices": lambda: [],
    "review_overdue": _not_overdue("review_overdue"),
    "measure_overdue": _not_overdue("measure_overdue"),
    "latest_quadrant": lambda viewer, service_user: None,
    "exit_measure_url": lambda user, involvement: None,
    "open_referrals": lambda: None,
}

_provided: dict[str, Callable] = {}


def provide(need: str, function: Callable) -> None:
    """An app provides one need (from its AppConfig.ready()). One provider per need."""
    if need not in NEEDS:
        raise ImproperlyConfigured(f"The core has no need called {need!r}; it declares {sorted(NEEDS)}.")
    existing = _provided.get(need)
    if existing is not None and existing is not function:
        raise ImproperlyConfigured(f"{need!r} is provided twice: by {existing!r} and by {function!r}.")
    _provided[need] = function


def provider(need: str) -> Callable:
    """The function that fills the need: the app's, or the core's "nothing to show"."""
    return _provided.get(need, NEEDS[need])


def current_quadrant(people: QuerySet, *, user) -> QuerySet:
    return provider("current_quadrant")(people, user=user)


def quadrant_choices() -> list[tuple[str, str]]:
    return provider("quadrant_choices")()


def review_overdue(people: QuerySet, *, user, today) -> QuerySet:
    return provider("review_overdue")(people, user=user, today=today)


def measure_overdue(people: QuerySet, *, user, today) -> QuerySet:
    return provider("measure_overdue")(people, user=user, today=today)


def latest_quadrant(viewer, service_user):
    return provider("latest_quadrant")(viewer, service_user)


def exit_measure_url(user, involvement) -> str | None:
    return provider("exit_measure_url")(user, involvement)
