"""What a carer gets for each thing a person may share with them, declared once (Triangle of
Care; DESIGN rule 2). The person's "What your carer can see" page words the choices from it,
the carer's home page says what they were given from it, staff's record page and the demo's
logins say what the carer may see from it, and dualcare.access decides what the carer's pages
show from it, so the words and what happens cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import CarerPermission, Scope


@dataclass(frozen=True)
class CarerShare:
    record_scope: str  # the consent scope of the information it opens to the carer
    person_words: str  # what the person ticks on their page, spoken to them ("your")
    carer_words: str  # what the carer is told they can see; {name} is the person's known-as name
    carer_page: str  # the carer's page that shows it (a URL name taking the person's pk)
    staff_words: str  # what staff are told the carer may see, about the person ("their")
    care_plan_sections: tuple[str, ...] = ()  # the care-plan sections it opens, if any


CARER_SHARES: dict[str, CarerShare] = {
    CarerPermission.Scope.CARE_PLAN: CarerShare(
        record_scope=Scope.CARE_PLAN,
        person_words=_("Your crisis and relapse-prevention plan (from your care plan; not the rest of it)"),
        carer_words=_("{name}'s crisis and relapse-prevention plan"),
        carer_page="careplans:carer",
        staff_words=_("the crisis and relapse-prevention plan (not the rest of the care plan)"),
        care_plan_sections=("crisis",),
    ),
    CarerPermission.Scope.APPOINTMENTS: CarerShare(
        record_scope=Scope.CONTACTS,
        person_words=_("Your appointments"),
        carer_words=_("{name}'s appointments"),
        carer_page="contacts:carer",
        staff_words=_("their appointments"),
    ),
    CarerPermission.Scope.OUTCOMES: CarerShare(
        record_scope=Scope.OUTCOMES,
        person_words=_("How you are getting on (your progress scores)"),
        carer_words=_("How {name} is getting on ({name}'s progress scores)"),
        carer_page="outcomes:person",
        staff_words=_("how they are getting on (their progress scores)"),
    ),
}

# The choices the person has, in the words they read.
PERSON_CHOICES = [(scope, CARER_SHARES[scope].person_words) for scope in CarerPermission.Scope.values]

# Which carer grant opens each consent scope; risk is never a carer's.
GRANT_FOR_RECORD_SCOPE = {share.record_scope: scope for scope, share in CARER_SHARES.items()}

# The care-plan sections a carer with the care-plan grant sees.
CARER_CARE_PLAN_SECTIONS = CARER_SHARES[CarerPermission.Scope.CARE_PLAN].care_plan_sections


def carer_links(scopes, person) -> list[tuple[str, str]]:
    """What the carer is told they can see, about the person by name, each with the page that
    shows it, in the declaration's order."""
    return [
        (share.carer_words.format(name=person.known_as), reverse(share.carer_page, args=[person.pk]))
        for scope, share in CARER_SHARES.items()
        if scope in scopes
    ]


def staff_words(scopes) -> str:
    """What the carer may see, in the words staff read ("the crisis and relapse-prevention plan
    (...), their appointments"), in the declaration's order; "nothing" without a grant."""
    words = [str(share.staff_words) for scope, share in CARER_SHARES.items() if scope in scopes]
    return ", ".join(words) or "nothing"
