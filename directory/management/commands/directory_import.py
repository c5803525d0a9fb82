"""`python manage.py directory_import <organisation> <file>`: import an Open Referral UK file (the
JSON API shape, a services.csv, or a .zip of the CSV export) into the entries an organisation
keeps, and print the report: services taken, updated and refused, with why."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory import services
from dualcare.exceptions import ApplicationError
from dualcare.people.models import Organisation


class Command(BaseCommand):
    help = "Import an Open Referral UK file into the directory entries an organisation keeps."

    def add_arguments(self, parser) -> None:
        parser.add_argument("organisation", help="The name of the organisation that keeps the entries.")
        parser.add_argument("file", help="A .json, services.csv or .zip of the CSV export.")

    def handle(self, *args, **options) -> None:
        keeper = Organisation.objects.filter(name=options["organisation"]).first()
        if keeper is None:
            raise CommandError(f"No organisation is called '{options['organisation']}'.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        try:
            run = services.directory_import(
                keeper=keeper, by=None, file_name=path.name, content=path.read_bytes()
            )
        except ApplicationError as error:
            raise CommandError(f"Nothing was imported. {error.message}") from error
        self.stdout.write(f"{run.taken} taken, {run.updated} updated, {len(run.refused)} refused.")
        for refusal in run.refused:
            self.stdout.write(f"  refused: {refusal['row']}: {refusal['why']}")
        if run.refused:
            raise CommandError("Some services were refused (each refused one wrote nothing); see above.")
