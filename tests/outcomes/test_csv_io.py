"""CSV import and export of HoNOS and TOP: every refusal names the row and the column, and nothing
is saved unless every row is good (outcomes/csv_io.py)."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from outcomes import csv_io
from outcomes.models import HonosRating, TopForm

pytestmark = pytest.mark.django_db


def top_file(*rows: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=csv_io.TOP_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(dict.fromkeys(csv_io.TOP_COLUMNS, "") | row)
    return out.getvalue()


def top_row(person, **cells) -> dict:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return {
        "nhs_number": person.nhs_number,
        "completed_on": yesterday.isoformat(),
        "stage": "start",
        "alcohol_days": "10",
        "alcohol_units_per_day": "6",
        "psychological_health": "12",
        "physical_health": "14",
        "quality_of_life": "9",
        **cells,
    }


class FileRefusalTests:
    def test_a_file_without_the_columns_or_rows_or_too_long_is_refused_whole(self, world, monkeypatch):
        report = csv_io.import_csv(
            user=world.keyworker_sm, instrument="top", text="nhs_number,stage\n1,start\n"
        )
        assert report.file_errors and report.file_errors[0].startswith("Missing columns: completed_on")
        empty = csv_io.import_csv(user=world.keyworker_sm, instrument="top", text=top_file())
        assert empty.file_errors == ["The file has no rows."]
        monkeypatch.setattr(csv_io, "MAX_ROWS", 2)
        person = world.service_user
        long = csv_io.import_csv(
            user=world.keyworker_sm, instrument="top", text=top_file(*[top_row(person)] * 3)
        )
        assert long.file_errors == ["Import at most 2 rows at a time."]
        assert not TopForm.objects.exists()


class RowRefusalTests:
    def test_each_bad_cell_is_named_and_nothing_is_saved(self, world):
        person = world.service_user  # the drug and alcohol service (keyworker.sm) is involved
        good = top_row(person)
        bad = top_row(
            person,
            alcohol_days="ten",
            alcohol_units_per_day="six",
            shared_needle="maybe",
            completed_on="02/12/2026",
        )
        report = csv_io.import_csv(user=world.keyworker_sm, instrument="top", text=top_file(good, bad))
        assert not report.ok and report.saved == 0
        first, second = report.rows
        assert first.number == 2 and first.errors == {}
        assert second.number == 3
        assert second.errors["alcohol_days"] == ["Enter a whole number."]
        assert second.errors["alcohol_units_per_day"] == ["Enter an amount as a number."]
        assert second.errors["shared_needle"] == ["Use Y, N or leave blank for not answered."]
        assert "completed_on" in second.errors
        assert not TopForm.objects.exists()

    def test_people_not_on_the_caseload_or_not_the_importers_to_record_are_refused(self, world):
        stranger = top_row(world.mh_only)  # CMHT only: not on the drug and alcohol service's caseload
        report = csv_io.import_csv(user=world.keyworker_sm, instrument="top", text=top_file(stranger))
        assert report.rows[0].errors["nhs_number"] == [
            "No person with this NHS number on your teams' caseloads."
        ]
        # The manager sees Sam (their organisation's person) but no team of theirs is involved.
        seen = csv_io.import_csv(
            user=world.manager_mh, instrument="top", text=top_file(top_row(world.service_user))
        )
        assert (
            "Only staff of an involved team can record for this person." in seen.rows[0].errors["nhs_number"]
        )
        assert not TopForm.objects.exists() and not HonosRating.objects.exists()

    def test_a_good_file_is_saved_whole_and_exports_as_it_was_given(self, world):
        person = world.service_user
        report = csv_io.import_csv(
            user=world.keyworker_sm,
            instrument="top",
            text=top_file(top_row(person, shared_needle="Y", injecting_days="2")),
        )
        assert report.ok and report.saved == 1
        rows = csv_io.export_rows("top", TopForm.objects.select_related("service_user", "team"))
        header, line = rows
        assert header == [*csv_io.TOP_COLUMNS, "team", *csv_io.TOP_OPTIONAL_COLUMNS]
        cells = dict(zip(header, line, strict=True))
        assert cells["nhs_number"] == person.nhs_number and cells["stage"] == "start"
        assert cells["shared_needle"] == "Y" and cells["alcohol_days"] == 10
        assert cells["team"] == world.sm_team.name


def top_file_with_weeks(*rows: dict) -> str:
    columns = [*csv_io.TOP_COLUMNS, *csv_io.TOP_OPTIONAL_COLUMNS]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(dict.fromkeys(columns, "") | row)
    return out.getvalue()


class TopAsTheFormIsFilledInTests:
    def test_n_to_sharing_after_0_days_of_injecting_imports(self, world):
        # a real return transcribed faithfully: "if no, enter zero and 'N'" (issue 17)
        row = top_row(world.service_user, injecting_days="0", shared_needle="N", shared_paraphernalia="N")
        report = csv_io.import_csv(user=world.keyworker_sm, instrument="top", text=top_file(row))
        assert report.ok, [r.errors for r in report.rows]
        form = TopForm.objects.get()
        assert (form.injecting_days, form.shared_needle, form.shared_paraphernalia) == (0, False, False)

    def test_y_to_sharing_after_0_days_and_an_amount_without_days_are_named(self, world):
        row = top_row(world.service_user, injecting_days="0", shared_needle="Y", alcohol_days="")
        report = csv_io.import_csv(user=world.keyworker_sm, instrument="top", text=top_file(row))
        assert not report.ok and not TopForm.objects.exists()
        assert set(report.rows[0].errors) == {"shared_needle", "alcohol_units_per_day"}

    def test_the_week_columns_are_optional_and_add_up_to_the_total(self, world):
        weeks = {
            "alcohol_days_week4": "1",
            "alcohol_days_week3": "2",
            "alcohol_days_week2": "3",
            "alcohol_days_week1": "4",
        }
        row = top_row(world.service_user, alcohol_days="", **weeks)
        report = csv_io.import_csv(user=world.keyworker_sm, instrument="top", text=top_file_with_weeks(row))
        assert report.ok, [r.errors for r in report.rows]
        form = TopForm.objects.get()
        assert form.alcohol_days == 10 and form.days_by_week == {"alcohol_days": [1, 2, 3, 4]}
        header, line = csv_io.export_rows("top", TopForm.objects.select_related("service_user", "team"))
        cells = dict(zip(header, line, strict=True))
        assert [cells[f"alcohol_days_week{w}"] for w in (4, 3, 2, 1)] == [1, 2, 3, 4]
        assert cells["crack_days_week4"] == ""

    def test_a_week_column_that_disagrees_with_the_total_is_named(self, world):
        weeks = {
            "alcohol_days_week4": "1",
            "alcohol_days_week3": "2",
            "alcohol_days_week2": "3",
            "alcohol_days_week1": "4",
        }
        row = top_row(world.service_user, alcohol_days="12", **weeks)
        report = csv_io.import_csv(user=world.keyworker_sm, instrument="top", text=top_file_with_weeks(row))
        assert "add up to 10 days" in report.rows[0].errors["alcohol_days"][0]
