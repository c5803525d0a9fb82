"""`python manage.py import_people file.csv --org NAME [--commit]`: a bulk import of people and
caseloads (dualcare/people/importing.py). Without --commit a dry run: the report of what would be
created, matched or refused, and nothing written. Possible matches (same name and date of birth)
are left out unless confirmed row by row with --same or --new."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dualcare.exceptions import ApplicationError
from dualcare.people import importing
from dualcare.people.models import Organisation, User


def _rows(value: str) -> list[int]:
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise CommandError("Give row numbers separated by commas, like 12,40.") from exc


class Command(BaseCommand):
    help = "Import people and caseloads from a CSV into an organisation's teams (a dry run unless --commit)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The CSV file (UTF-8).")
        parser.add_argument("--org", required=True, help="The organisation's name or id.")
        parser.add_argument("--by", default="", help="Username of the organisation admin importing.")
        parser.add_argument("--commit", action="store_true", help="Import: without it, a dry run.")
        parser.add_argument(
            "--same", type=_rows, default=[], help="Possible matches confirmed the same person."
        )
        parser.add_argument(
            "--new", type=_rows, default=[], help="Possible matches confirmed a different person."
        )
        parser.add_argument("--report", default="", help="Write the row-by-row report to this CSV file.")

    def handle(self, *args, **options) -> None:
        organisation = (
            Organisation.objects.filter(name=options["org"]).first()
            or Organisation.objects.filter(pk=_uuid_or_none(options["org"])).first()
        )
        if organisation is None:
            raise CommandError(f"No organisation called {options['org']}.")
        by = None
        if options["by"]:
            by = User.objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(f"No user {options['by']}.")
        try:
            text = Path(options["file"]).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read the file as UTF-8 CSV: {exc}") from exc
        decisions = dict.fromkeys(options["same"], importing.SAME)
        decisions.update(dict.fromkeys(options["new"], importing.NEW))
        try:
            if options["commit"]:
                report = importing.people_import(
                    organisation=organisation, text=text, by=by, decisions=decisions
                )
            else:
                report = importing.people_import_dry_run(
                    organisation=organisation, text=text, decisions=decisions
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if report.file_errors:
            raise CommandError(" ".join(report.file_errors))
        words = importing.DRY_RUN_OUTCOMES if report.dry_run else importing.OUTCOMES
        for outcome, count in report.counts.items():
            self.stdout.write(f"{words[outcome]}: {count}")
        for plan in report.rows:
            if plan.outcome in (importing.REFUSED, importing.POSSIBLE):
                self.stdout.write(f"  row {plan.row}: {words[plan.outcome]}. {plan.reason}")
        if options["report"]:
            Path(options["report"]).write_text(
                importing.report_csv(importing.plan_rows(report), dry_run=report.dry_run), encoding="utf-8"
            )
        if report.dry_run:
            self.stdout.write("A dry run: nothing was written. Run again with --commit to import.")


def _uuid_or_none(value: str):
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError:
        return None
