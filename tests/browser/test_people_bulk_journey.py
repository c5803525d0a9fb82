"""In a real browser: the trust's organisation admin imports people from a CSV file (the dry run's
report, a possible match confirmed, the import's report), then merges two records of one person
and undoes it. Each page checked with axe-core (WCAG 2.2 AA)."""

import pytest

from dualcare.people.models import PersonMerge, ServiceUser
from tests.factories import person, synthetic_nhs_number

from .conftest import assert_accessible
from .test_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _press(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


class PeopleBulkJourneyTests:
    def test_an_admin_imports_people_and_merges_two_records(self, page, world, settings, tmp_path):
        settings.REQUIRE_STAFF_2FA = False  # the admin's two-factor has its own journeys
        number = synthetic_nhs_number()
        csv = tmp_path / "people.csv"
        csv.write_text(
            "nhs_number,given_name,family_name,date_of_birth,team,key_worker,start\n"
            f"{number},Ada,Browserby,1990-01-02,North CMHT,keyworker.mh,\n"
            ",Alex,Sampleton,14/03/1985,South CMHT,,\n"
            "9434765918,Bad,Checksum,1990-01-02,North CMHT,,\n",
            encoding="utf-8",
        )
        sign_in(page, "orgadmin.mh", world.password)
        page.goto(f"/organisation/{world.mh.pk}/")
        with page.expect_navigation():
            page.get_by_role("link", name="Import people and caseloads from a CSV file").click()
        assert_accessible(page, "the import page")
        _press(page, "Check the file")
        assert "Error:" in page.title()
        assert_accessible(page, "the import page with an error")
        page.set_input_files("#file", str(csv))
        _press(page, "Check the file")
        main = page.inner_text("main")
        assert "Check the import" in main and "Nothing has been imported yet" in main
        assert "This is not a valid NHS number" in main
        assert_accessible(page, "the dry run's report")
        page.locator("label[for='decision-3-same']").click()
        _press(page, "Import")
        assert "Imported: 1 created, 1 matched" in page.inner_text("main")
        assert_accessible(page, "the import's report")
        assert ServiceUser.objects.filter(nhs_number=number).exists()

        kept = person(world.cmht_south, nhs_number="", given_name="Lee", family_name="Twiceby")
        merged = person(world.cmht_north, nhs_number="", given_name="Lee", family_name="Twiceby")
        page.goto("/organisation/merges/")
        assert_accessible(page, "the merge page")
        page.fill("#kept", str(kept.pk))
        page.fill("#merged", str(merged.pk))
        page.fill("#reason", "Registered twice")
        _press(page, "Check the records")
        assert "What would move" in page.inner_text("main")
        assert_accessible(page, "the merge's preview")
        _press(page, "Merge the records")
        assert "The records are merged" in page.inner_text("main")
        assert_accessible(page, "the merge's page")
        _press(page, "Undo the merge")
        assert "Undone" in page.inner_text("main")
        assert PersonMerge.objects.get().undone_at is not None
