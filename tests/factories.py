"""factory_boy factories. Records that carry rules are made through services (see tests/world.py)."""

import datetime as dt

import factory
import nhs_number as nhs

from dualcare.people import services
from dualcare.people.models import Organisation, Team, User

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    kind = User.Kind.STAFF
    password = factory.django.Password(TEST_PASSWORD)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Test Organisation {n}")
    kind = Organisation.Kind.MENTAL_HEALTH


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


_nhs_counter = iter(range(100_000, 1_000_000))


def synthetic_nhs_number() -> str:
    """The next valid NHS number in the 999 test range (bodies whose check digit would be 10 are skipped)."""
    while True:
        body = f"999{next(_nhs_counter):06d}"
        check = nhs.calculate_checksum(body)
        if check is not None and check < 10:
            return f"{body}{check}"


def staff(username: str, team: Team, role: str) -> User:
    user = UserFactory(username=username)
    services.staff_role_add(user=user, team=team, role=role)
    return user


def person(
    team: Team,
    *,
    key_worker: User | None = None,
    given_name: str = "Robin",
    family_name: str = "Example",
    nhs_number: str | None = None,
):
    return services.service_user_register(
        team=team,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=dt.date(1985, 3, 14),
        nhs_number=synthetic_nhs_number() if nhs_number is None else nhs_number,
        key_worker=key_worker,
    )


def as_user(api, user):
    """The DRF test client (the `api` fixture) signed in as `user`, for API tests."""
    api.force_authenticate(user)
    return api
