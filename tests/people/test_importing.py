"""Bulk import of people and caseloads (issue 21, items 4 and 6): the dry run, the matching rules,
the import in batches, access and audit."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dualcare import access
from dualcare.audit.models import AuditEvent
from dualcare.exceptions import ApplicationError
from dualcare.people import importing
from dualcare.people.models import Involvement, PeopleImport, ServiceUser
from tests.factories import synthetic_nhs_number

HEADER = "nhs_number,given_name,family_name,date_of_birth,team,key_worker,start\n"


def csv_of(*rows: str) -> str:
    return HEADER + "".join(f"{row}\n" for row in rows)


def outcomes(report) -> dict[int, str]:
    return {plan.row: plan.outcome for plan in report.rows}


@pytest.mark.django_db
class DryRunTests:
    def test_it_reports_created_matched_possible_and_refused_and_writes_nothing(self, world):
        new_number = synthetic_nhs_number()
        text = csv_of(
            f"{new_number},Ada,Newperson,1990-01-02,North CMHT,keyworker.mh,2024-05-01",
            # Jo is known to the drug and alcohol service only: matched, North CMHT added.
            f"{world.sm_only.nhs_number},Jo,Mockridge,1985-03-14,north cmht,,",
            # Same name and date of birth as Alex, no NHS number: a possible match.
            ",Alex,Sampleton,14/03/1985,South CMHT,,",
            "9434765918,Bad,Checksum,1990-01-02,North CMHT,,",
            f"{synthetic_nhs_number()},Una,Known,1990-01-02,Nowhere Team,,",
            f"{synthetic_nhs_number()},Kay,Worker,1990-01-02,North CMHT,keyworker.sm,",
            f"{synthetic_nhs_number()},Fay,Future,2990-01-02,North CMHT,,",
            f"{synthetic_nhs_number()},Sol,Start,1990-01-02,North CMHT,,2990-01-01",
        )
        people, involvements, events = (
            ServiceUser.objects.count(),
            Involvement.objects.count(),
            AuditEvent.objects.count(),
        )
        report = importing.people_import_dry_run(organisation=world.mh, text=text)
        assert outcomes(report) == {
            2: "created",
            3: "matched",
            4: "possible",
            5: "refused",
            6: "refused",
            7: "refused",
            8: "refused",
            9: "refused",
        }
        fields = {plan.row: plan.field for plan in report.of("refused")}
        assert fields == {5: "nhs_number", 6: "team", 7: "key_worker", 8: "date_of_birth", 9: "start"}
        matched = report.of("matched")[0]
        assert matched.person_id == world.sm_only.pk and matched.adds_involvement
        assert report.of("possible")[0].person_id == world.mh_only.pk
        assert (ServiceUser.objects.count(), Involvement.objects.count(), AuditEvent.objects.count()) == (
            people,
            involvements,
            events,
        )

    def test_it_matches_a_team_already_involved_without_adding_anything(self, world):
        text = csv_of(f"{world.mh_only.nhs_number},Alex,Sampleton,1985-03-14,North CMHT,,")
        plan = importing.people_import_dry_run(organisation=world.mh, text=text).rows[0]
        assert plan.outcome == "matched" and not plan.adds_involvement
        assert "nothing to change" in plan.reason

    def test_it_refuses_an_nhs_number_whose_record_has_another_birthday(self, world):
        text = csv_of(f"{world.mh_only.nhs_number},Alex,Sampleton,1999-03-14,North CMHT,,")
        plan = importing.people_import_dry_run(organisation=world.mh, text=text).rows[0]
        assert (plan.outcome, plan.field) == ("refused", "date_of_birth")

    def test_a_different_nhs_number_is_a_different_person_not_a_possible_match(self, world):
        text = csv_of(f"{synthetic_nhs_number()},Alex,Sampleton,1985-03-14,North CMHT,,")
        assert importing.people_import_dry_run(organisation=world.mh, text=text).rows[0].outcome == "created"

    def test_repeats_in_the_file_are_matched_to_the_earlier_row_or_refused(self, world):
        number = synthetic_nhs_number()
        text = csv_of(
            f"{number},Ada,Twice,1990-01-02,North CMHT,,",
            f"{number},Ada,Twice,1990-01-02,South CMHT,,",
            f"{number},Ada,Twice,1990-01-02,North CMHT,,",
            ",Bo,Nonumber,1990-01-02,North CMHT,,",
            ",Bo,Nonumber,1990-01-02,South CMHT,,",
        )
        report = importing.people_import_dry_run(organisation=world.mh, text=text)
        assert outcomes(report) == {2: "created", 3: "matched", 4: "refused", 5: "created", 6: "possible"}
        assert report.rows[1].same_as_row == 2 and report.rows[4].same_as_row == 5

    def test_it_reports_a_file_without_the_columns(self, world):
        report = importing.people_import_dry_run(organisation=world.mh, text="name,dob\nA,B\n")
        assert report.file_errors and not report.rows

    def test_its_queries_do_not_grow_with_the_rows(self, world, django_assert_max_num_queries):
        rows = [
            f"{synthetic_nhs_number()},P{i},Person,1990-01-02,North CMHT,keyworker.mh," for i in range(1200)
        ]
        # Per batch of 500: NHS numbers, dates of birth, open involvements; once: teams, staff.
        with django_assert_max_num_queries(2 + 3 * 3):
            report = importing.people_import_dry_run(organisation=world.mh, text=csv_of(*rows))
        assert report.count("created") == 1200


@pytest.mark.django_db
class ImportTests:
    def test_it_creates_matches_and_leaves_possible_matches_out(self, world):
        number = synthetic_nhs_number()
        text = csv_of(
            f"{number},Ada,Newperson,1990-01-02,North CMHT,keyworker.mh,2024-05-01",
            f"{world.sm_only.nhs_number},Jo,Mockridge,1985-03-14,North CMHT,,",
            ",Alex,Sampleton,1985-03-14,South CMHT,,",
            "9434765918,Bad,Checksum,1990-01-02,North CMHT,,",
        )
        report = importing.people_import(organisation=world.mh, text=text, by=world.orgadmin_mh)
        ada = ServiceUser.objects.get(nhs_number=number)
        involvement = ada.involvements.get()
        assert (involvement.team, involvement.key_worker, involvement.start) == (
            world.cmht_north,
            world.keyworker_mh,
            dt.date(2024, 5, 1),
        )
        assert world.sm_only.involvements.filter(team=world.cmht_north, end__isnull=True).exists()
        assert not world.mh_only.involvements.filter(team=world.cmht_south).exists()
        record = PeopleImport.objects.get()
        assert (record.created, record.matched, record.refused) == (1, 1, 2)
        assert [row["outcome"] for row in record.rows] == ["created", "matched", "possible", "refused"]
        assert report.record == record
        # Access follows at once: the team's key worker sees both; the admin sees no record.
        assert access.can_view_record(world.keyworker_mh, ada)
        assert access.can_view_record(world.keyworker_mh, world.sm_only)
        assert not access.can_view_record(world.orgadmin_mh, ada)
        # One audit row per person created or matched, naming the import.
        created = AuditEvent.objects.filter(action="service_user.import_create")
        matched = AuditEvent.objects.filter(action="service_user.import_match")
        assert [e.service_user_id for e in created] == [ada.pk]
        assert [e.service_user_id for e in matched] == [world.sm_only.pk]
        assert created[0].detail == {"import": str(record.pk)} and created[0].actor == world.orgadmin_mh

    def test_confirmed_possible_matches_are_matched_or_created(self, world):
        text = csv_of(",Alex,Sampleton,1985-03-14,South CMHT,,", ",Jo,Mockridge,1985-03-14,North CMHT,,")
        importing.people_import(
            organisation=world.mh,
            text=text,
            by=world.orgadmin_mh,
            decisions={2: importing.SAME, 3: importing.NEW},
        )
        assert world.mh_only.involvements.filter(team=world.cmht_south, end__isnull=True).exists()
        assert ServiceUser.objects.filter(given_name="Jo", family_name="Mockridge").count() == 2

    def test_a_person_listed_for_two_teams_is_one_record_on_both_caseloads_across_batches(self, world):
        number = synthetic_nhs_number()
        filler = [f"{synthetic_nhs_number()},F{i},Filler,1990-01-02,North CMHT,," for i in range(3)]
        text = csv_of(
            f"{number},Ada,Twice,1990-01-02,North CMHT,,",
            *filler,
            f"{number},Ada,Twice,1990-01-02,South CMHT,,",
        )
        importing.people_import(organisation=world.mh, text=text, by=world.orgadmin_mh, batch_rows=2)
        ada = ServiceUser.objects.get(nhs_number=number)
        assert set(ada.involvements.values_list("team__name", flat=True)) == {"North CMHT", "South CMHT"}

    def test_a_known_person_listed_again_adds_only_the_teams_they_are_not_on(self, world):
        # Found at trust scale: the later rows of a known person added an involvement their team
        # already had, and a batch failed on the one-open-involvement constraint.
        known = world.mh_only  # on North CMHT's caseload
        rows = [
            f"{known.nhs_number},Alex,Sampleton,1985-03-14,{team},,"
            for team in ("South CMHT", "North CMHT", "South CMHT")
        ]
        filler = [f"{synthetic_nhs_number()},F{i},Filler,1990-01-02,North CMHT,," for i in range(3)]
        text = csv_of(rows[0], *filler, rows[1], rows[2])
        report = importing.people_import(organisation=world.mh, text=text, by=world.orgadmin_mh, batch_rows=2)
        assert outcomes(report)[2] == "matched" and outcomes(report)[6] == "matched"
        assert outcomes(report)[7] == "refused" and "repeats" in report.rows[-1].reason
        teams = known.involvements.filter(end__isnull=True).values_list("team__name", flat=True)
        assert sorted(teams) == ["North CMHT", "South CMHT"]

    def test_a_batch_the_database_refuses_is_written_not_at_all(self, world, monkeypatch):
        number = synthetic_nhs_number()
        text = csv_of(
            f"{synthetic_nhs_number()},Ok,First,1990-01-02,North CMHT,,",
            f"{number},Ada,X,1990-01-02,North CMHT,,",
        )
        real = importing._plan_batch

        def someone_registered_ada_meanwhile(org, batch, decisions):
            plans = real(org, batch, decisions)
            ServiceUser.objects.create(
                nhs_number=number, given_name="A", family_name="X", date_of_birth=dt.date(1990, 1, 2)
            )
            return plans

        monkeypatch.setattr(importing, "_plan_batch", someone_registered_ada_meanwhile)
        people = ServiceUser.objects.count()
        report = importing.people_import(organisation=world.mh, text=text, by=world.orgadmin_mh)
        assert report.count("refused") == 2 and ServiceUser.objects.count() == people
        assert "changed while" in report.rows[0].reason

    def test_only_an_admin_of_the_organisation_may_import(self, world):
        text = csv_of(f"{synthetic_nhs_number()},Ada,New,1990-01-02,North CMHT,,")
        for user in (world.keyworker_mh, world.manager_mh, world.outsider):
            with pytest.raises(ApplicationError):
                importing.people_import(organisation=world.mh, text=text, by=user)
        assert not PeopleImport.objects.exists()

    def test_the_report_csv_names_rows_not_people(self, world):
        text = csv_of("=cmd,Ada,New,1990-01-02,North CMHT,,", ",Eve,Formula,1990-01-02,=HYPERLINK(1),,")
        report = importing.people_import_dry_run(organisation=world.mh, text=text)
        out = importing.report_csv(importing.plan_rows(report), dry_run=True)
        assert out.splitlines()[0] == "row,outcome,column,reason,record"
        assert "Ada" not in out and "Eve" not in out
        assert importing._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"  # a formula stays text


@pytest.mark.django_db
class CommandTests:
    def test_the_dry_run_writes_nothing_and_commit_imports(self, world, tmp_path):
        number = synthetic_nhs_number()
        path = tmp_path / "people.csv"
        path.write_text(csv_of(f"{number},Ada,Cmd,1990-01-02,North CMHT,,"), encoding="utf-8")
        out = io.StringIO()
        call_command("import_people", str(path), "--org", world.mh.name, stdout=out)
        assert "Would be created: 1" in out.getvalue()
        assert not ServiceUser.objects.filter(nhs_number=number).exists()
        report = tmp_path / "report.csv"
        call_command(
            "import_people",
            str(path),
            "--org",
            world.mh.name,
            "--by",
            "orgadmin.mh",
            "--commit",
            "--report",
            str(report),
            stdout=io.StringIO(),
        )
        assert ServiceUser.objects.filter(nhs_number=number).exists()
        assert "Created" in report.read_text()

    def test_it_refuses_an_unknown_organisation(self, world, tmp_path):
        path = tmp_path / "people.csv"
        path.write_text(HEADER, encoding="utf-8")
        with pytest.raises(CommandError):
            call_command("import_people", str(path), "--org", "Nowhere")
