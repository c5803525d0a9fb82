"""In a real browser: the drug and alcohol service's admin proposes handing its Recovery Team to a new
provider, adds the team, records Sam's choice to carry their consents over, reads the dry run and
agrees; each page checked with axe-core (WCAG 2.2 AA)."""

import datetime as dt

import pytest

from dualcare.people import services
from dualcare.people.models import Organisation, StaffRole
from tests.factories import TeamFactory, staff

from .conftest import assert_accessible
from .test_journeys import enrolled_authenticator, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


class HandoverJourneyTests:
    def test_an_admin_proposes_a_handover_and_reads_its_dry_run(self, page, world):
        new_org = services.organisation_create(
            name="New Recovery Provider", kind=Organisation.Kind.SUBSTANCE_MISUSE
        )
        new_team = TeamFactory(organisation=new_org, name="New Recovery Team")
        admin = staff(
            "orgadmin.sm", TeamFactory(organisation=world.sm, name="Service office"), StaffRole.Role.ORG_ADMIN
        )
        on = world.today + dt.timedelta(days=14)

        sign_in(page, "orgadmin.sm", world.password, device=enrolled_authenticator(admin))
        page.goto("/organisation/handovers/")
        assert page.locator("h1").inner_text() == "Provider handovers"
        assert_accessible(page, "the handovers list")
        with page.expect_navigation():
            page.get_by_role("link", name="Propose a handover").click()
        submit(page, "Propose handover")  # nothing chosen: the errors, at their fields
        assert "There is a problem" in page.inner_text("main")
        assert_accessible(page, "the propose form with errors")
        page.select_option("#from_organisation", label=world.sm.name)
        page.select_option("#to_organisation", label=new_org.name)
        page.fill("#on_0", str(on.day))
        page.fill("#on_1", str(on.month))
        page.fill("#on_2", str(on.year))
        submit(page, "Propose handover")
        assert page.locator("h1").inner_text() == f"From {world.sm.name} to {new_org.name}"
        page.select_option("#from_team", label=world.sm_team.name)
        page.select_option("#to_team", label=new_team.name)
        submit(page, "Add team")
        main = page.inner_text("main")
        assert "Dry run: what would move today" in main and "Sam Testwell" in main
        assert_accessible(page, "the handover with its dry run")

        with page.expect_navigation():
            page.get_by_role("link", name="Change the choice of Sam Testwell").click()
        page.locator("label[for='consent_choice_1']").click()
        assert_accessible(page, "the consent choice")
        submit(page, "Save their choice")
        assert "Carried over" in page.inner_text("main")
        submit(page, "Agree the handover for your organisation")
        assert "Agreed for " + world.sm.name in page.inner_text("main")
        assert page.get_by_role("button", name="Agree the handover for your organisation").count() == 0
        assert_accessible(page, "the handover agreed by one side")
