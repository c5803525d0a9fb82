"""Importing Open Referral UK files (issue 18, item 2): the JSON API shape and the CSV export,
valid, partial and malformed; each service taken whole or refused with why; nothing half-written."""

import io
import json
import zipfile

import pytest

from directory import services
from directory.models import ImportRun, Location, Need, OpeningTime, Provider, Service
from dualcare.audit.models import AuditEvent
from dualcare.exceptions import ApplicationError

from .helpers import ident, import_services, oruk_service, page

pytestmark = pytest.mark.django_db


class JsonImportTests:
    def test_it_takes_a_valid_service_with_its_places_times_and_needs(self, world):
        run = import_services(world.mh, oruk_service("north"), by=world.orgadmin_mh)
        assert (run.taken, run.updated, run.refused) == (1, 0, [])
        service = Service.objects.get(pk=ident("service", "north"))
        assert service.keeper == world.mh
        assert service.provider.name == "North Housing Trust"
        assert (service.minimum_age, service.maximum_age, service.area) == (18, 65, "Northtown")
        assert service.phone == "0113 496 0000"
        place = service.locations.get()
        assert (place.postcode, place.postcode_district, place.locality) == ("NT1 4AB", "NT1", "Northtown")
        assert sorted(service.opening_times.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]
        assert list(service.needs.values_list("code", flat=True)) == ["housing"]
        audit = AuditEvent.objects.get(action="directory.import")
        assert audit.actor == world.orgadmin_mh and audit.detail == {"taken": 1, "updated": 0, "refused": 0}

    def test_it_updates_a_service_with_the_same_id_whole(self, world):
        import_services(world.mh, oruk_service("north"))
        changed = oruk_service("north", name="North Housing Options", schedules=[], service_at_locations=[])
        run = import_services(world.mh, changed)
        assert (run.taken, run.updated) == (0, 1)
        service = Service.objects.get(pk=ident("service", "north"))
        assert service.name == "North Housing Options"
        assert not service.locations.exists() and not service.opening_times.exists()

    @pytest.mark.parametrize(
        ("changes", "why"),
        [
            ({"id": "not-a-uuid"}, "id 'not-a-uuid' is not a UUID"),
            ({"name": ""}, "has no name"),
            ({"status": "open"}, "status 'open' is not one of"),
            ({"organization": None}, "names no organization"),
            ({"minimum_age": 70}, "minimum_age 70 is above maximum_age 65"),
            ({"maximum_age": 130}, "maximum_age must be a whole number of years from 0 to 120"),
            ({"assured_date": "yesterday"}, "assured_date 'yesterday' is not a date"),
            ({"assured_date": None}, "has no date it was last checked"),
            (
                {"x_dualcare_referral_methods": ["dualcare"]},
                "a DualCare referral needs the participating team",
            ),
            (
                {
                    "schedules": [
                        {
                            "id": "x",
                            "freq": "WEEKLY",
                            "byday": "MO",
                            "opens_at": "17:00",
                            "closes_at": "09:00",
                        }
                    ]
                },
                "closes_at 09:00 is not after opens_at 17:00",
            ),
            (
                {
                    "schedules": [
                        {
                            "id": "x",
                            "freq": "MONTHLY",
                            "byday": "1MO",
                            "opens_at": "9:00",
                            "closes_at": "10:00",
                        }
                    ]
                },
                "is not WEEKLY",
            ),
        ],
    )
    def test_it_refuses_a_malformed_service_with_why_and_writes_nothing_of_it(self, world, changes, why):
        run = import_services(world.mh, oruk_service("good"), oruk_service("bad", **changes))
        assert run.taken == 1
        assert len(run.refused) == 1 and why in run.refused[0]["why"], run.refused
        assert Service.objects.count() == 1
        assert not Provider.objects.filter(pk=ident("org", "bad")).exists()

    def test_it_refuses_a_bad_postcode_after_writing_nothing_of_that_service(self, world):
        bad = oruk_service("bad")
        bad["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] = "NOWHERE"
        run = import_services(world.mh, bad)
        assert run.refused == [
            {
                "row": f"Service 1 'Bad Housing Advice' ({ident('service', 'bad')})",
                "why": "'NOWHERE' is not a UK postcode",
            }
        ]
        assert (
            not Service.objects.exists()
            and not Location.objects.exists()
            and not OpeningTime.objects.exists()
        )
        assert not Provider.objects.exists() and not Need.objects.exists()

    def test_it_refuses_an_entry_another_organisation_keeps(self, world):
        import_services(world.sm, oruk_service("north"))
        run = import_services(world.mh, oruk_service("north", name="Taken over"))
        assert run.refused[0]["why"] == "its id is an entry another organisation keeps"
        assert Service.objects.get().name == "North Housing Advice"

    def test_it_refuses_an_id_given_twice_in_one_file(self, world):
        run = import_services(world.mh, oruk_service("north"), oruk_service("north"))
        assert run.taken == 1 and run.refused[0]["why"] == "its id appears twice in the file"

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("services.json", b"{not json", "The file could not be read: the file is not JSON"),
            ("services.json", b'{"hello": 1}', "the file holds no services"),
            ("services.xml", b"<x/>", "choose a .json file"),
            ("export.zip", b"PK not a zip", "the file is not a zip archive"),
        ],
    )
    def test_it_refuses_a_file_it_cannot_read_and_writes_nothing(self, world, name, content, message):
        with pytest.raises(ApplicationError) as refused:
            services.directory_import(keeper=world.mh, by=world.orgadmin_mh, file_name=name, content=content)
        assert message in refused.value.message and refused.value.field == "file"
        assert (
            not ImportRun.objects.exists()
            and not AuditEvent.objects.filter(action="directory.import").exists()
        )

    def test_only_the_keepers_admins_may_import_for_it(self, world):
        with pytest.raises(ApplicationError):
            import_services(world.mh, oruk_service("north"), by=world.keyworker_mh)
        with pytest.raises(ApplicationError):
            import_services(world.sm, oruk_service("north"), by=world.orgadmin_mh)
        assert not Service.objects.exists()


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    fields = list(dict.fromkeys(key for row in rows for key in row))
    out.write(",".join(fields) + "\n")
    for row in rows:
        out.write(",".join('"' + str(row.get(key, "")).replace('"', '""') + '"' for key in fields) + "\n")
    return out.getvalue().encode()


def _export(services_rows, *, extra=None) -> bytes:
    tables = {
        "services.csv": services_rows,
        "organizations.csv": [
            {"id": ident("org", "csv"), "name": "Food Bank", "description": "Emergency food"}
        ],
        "locations.csv": [{"id": ident("loc", "csv"), "location_type": "physical", "name": "Church hall"}],
        "addresses.csv": [
            {
                "id": ident("addr", "csv"),
                "location_id": ident("loc", "csv"),
                "address_1": "St Mark's",
                "city": "Eastfield",
                "postal_code": "NT3 2AB",
            }
        ],
        "service_at_location.csv": [
            {
                "id": ident("sal", "csv"),
                "service_id": ident("service", "csv"),
                "location_id": ident("loc", "csv"),
            }
        ],
        "schedules.csv": [
            {
                "id": ident("sched", "csv"),
                "service_id": ident("service", "csv"),
                "freq": "WEEKLY",
                "byday": "TU,TH",
                "opens_at": "10:00",
                "closes_at": "13:00",
            }
        ],
        "taxonomy_terms.csv": [
            {"id": ident("term", "food"), "name": "Food", "description": "Food banks", "term": "food"}
        ],
        "attributes.csv": [
            {
                "id": ident("attr", "csv"),
                "link_id": ident("service", "csv"),
                "taxonomy_term_id": ident("term", "food"),
                "link_type": "service",
            }
        ],
        **(extra or {}),
    }
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, rows in tables.items():
            zipped.writestr(name, _csv(rows))
    return archive.getvalue()


CSV_SERVICE = {
    "id": ident("service", "csv"),
    "organization_id": ident("org", "csv"),
    "name": "Eastfield Food Bank",
    "description": "Three days of emergency food.",
    "status": "active",
    "minimum_age": "",
    "maximum_age": "",
    "assured_date": "2026-10-01",
}


class CsvImportTests:
    def test_it_takes_the_csv_export_nested_as_the_json_shape(self, world):
        run = services.directory_import(
            keeper=world.mh, by=None, file_name="export.zip", content=_export([CSV_SERVICE])
        )
        assert (run.taken, run.refused) == (1, [])
        service = Service.objects.get()
        assert service.provider.name == "Food Bank"
        assert service.locations.get().postcode_district == "NT3"
        assert sorted(service.opening_times.values_list("weekday", flat=True)) == [1, 3]
        assert list(service.needs.values_list("code", flat=True)) == ["food"]

    def test_it_refuses_a_row_whose_organization_is_missing_and_takes_the_rest(self, world):
        orphan = {**CSV_SERVICE, "id": ident("service", "orphan"), "organization_id": ident("org", "missing")}
        run = services.directory_import(
            keeper=world.mh, by=None, file_name="export.zip", content=_export([CSV_SERVICE, orphan])
        )
        assert run.taken == 1
        assert run.refused == [
            {
                "row": f"Service 2 'Eastfield Food Bank' ({ident('service', 'orphan')})",
                "why": "names no organization that provides it",
            }
        ]

    def test_it_refuses_a_non_number_age_in_a_csv_cell(self, world):
        run = services.directory_import(
            keeper=world.mh,
            by=None,
            file_name="export.zip",
            content=_export([{**CSV_SERVICE, "minimum_age": "eighteen"}]),
        )
        assert run.refused[0]["why"] == "minimum_age 'eighteen' is not a number"
        assert not Service.objects.exists()

    def test_it_refuses_an_export_without_services(self, world):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("organizations.csv", b"id,name\n1,x\n")
        with pytest.raises(ApplicationError, match="no services.csv"):
            services.directory_import(
                keeper=world.mh, by=None, file_name="export.zip", content=archive.getvalue()
            )


class DemoFilesTests:
    def test_the_demo_files_import_whole(self, world):
        from directory.demo import DEMO_FILES, FILES

        for name, _ in DEMO_FILES:
            rows = json.loads((FILES / name).read_text())["contents"]
            for row in rows:
                row.pop("x_dualcare_team", None)
                row["x_dualcare_referral_methods"] = [
                    m for m in row["x_dualcare_referral_methods"] if m != "dualcare"
                ]
            run = services.directory_import(
                keeper=world.charity, by=None, file_name=name, content=page(*rows)
            )
            assert run.refused == [] and run.taken == len(rows)
        assert Service.objects.count() == 42
