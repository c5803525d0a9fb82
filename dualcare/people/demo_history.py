"""The people of the demo's histories, written in bulk: the people app's part of each history.

Each capability's history (``referrals/demo_history.py``, ``dualcare/contacts/demo_history.py``,
``outcomes/demo_history.py``) decides who its historic people are and when their care with a
team began and ended; it hands the rows to `people_history_write`, which writes them as an
import would (with the dates they happened) and gives those still in care what a live person
has: the object permissions `access.permissions_sync` grants for an open involvement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction

from dualcare import access, clock
from dualcare.management.demo_import import dates_as_given

from .models import Consent, Involvement, ServiceUser


@transaction.atomic
def people_history_write(
    *,
    people: Iterable[ServiceUser],
    involvements: Iterable[Involvement],
    consents: Iterable[Consent] = (),
    label: str = "history",
) -> Counter:
    """Write historic people, their involvements and consents in bulk, with the times they carry.

    Whoever's involvement is still open is given the access a live person has (permissions_sync,
    in this transaction). A row without a creation time is stamped now, as the field would.
    Returns how many rows of each kind were written, labelled `label`."""
    people, involvements, consents = list(people), list(involvements), list(consents)
    now = clock.now()
    for row in (*people, *involvements, *consents):
        row.created_at = row.created_at or now
        row.updated_at = row.updated_at or row.created_at
    with dates_as_given(ServiceUser, Involvement, Consent):
        ServiceUser.objects.bulk_create(people, batch_size=1000)
        for involvement in involvements:
            involvement.service_user = involvement.service_user  # the person's id, now it has one
        Involvement.objects.bulk_create(involvements, batch_size=1000)
        for consent in consents:
            consent.service_user = consent.service_user
        Consent.objects.bulk_create(consents, batch_size=1000)
    still_in_care = {involvement.service_user_id for involvement in involvements if involvement.end is None}
    granted = access.permissions_sync(service_user_ids=still_in_care)[0] if still_in_care else 0
    counts = Counter(
        {
            f"{label}: people": len(people),
            f"{label}: involvements": len(involvements),
            f"{label}: people still in care": len(still_in_care),
            f"{label}: consents": len(consents),
            f"{label}: permissions granted": granted,
        }
    )
    return +counts
