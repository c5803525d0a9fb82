"""`python manage.py merge_people KEPT_ID MERGED_ID --reason ... [--commit]` and
`python manage.py merge_people --undo MERGE_ID`: merging two records of one person
(dualcare/people/merging.py). Without --commit it says what would move, or why it cannot."""

from django.core.management.base import BaseCommand, CommandError

from dualcare.exceptions import ApplicationError
from dualcare.people import merging
from dualcare.people.models import PersonMerge, ServiceUser, User


class Command(BaseCommand):
    help = (
        "Merge the second record of a person into the first (a preview unless --commit), or --undo a merge."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("ids", nargs="*", help="The kept record's id, then the merged record's.")
        parser.add_argument("--reason", default="", help="Why these are the same person.")
        parser.add_argument("--by", default="", help="Username of the admin merging.")
        parser.add_argument("--commit", action="store_true")
        parser.add_argument("--undo", default="", help="The id of a merge to undo.")

    def handle(self, *args, **options) -> None:
        by = User.objects.filter(username=options["by"]).first() if options["by"] else None
        try:
            if options["undo"]:
                merge = PersonMerge.objects.filter(pk=options["undo"]).first()
                if merge is None:
                    raise CommandError("No such merge.")
                merging.people_merge_undo(merge=merge, by=by)
                self.stdout.write("Undone: the rows moved are back on the merged record.")
                return
            if len(options["ids"]) != 2:
                raise CommandError("Give the kept record's id and the merged record's id.")
            kept, merged = (ServiceUser.objects.filter(pk=pk).first() for pk in options["ids"])
            if kept is None or merged is None:
                raise CommandError("No record with one of these ids.")
            problems = merging.people_merge_check(kept=kept, merged=merged)
            if problems:
                raise CommandError(" ".join(problems))
            for name, count in merging.people_merge_counts(merged).items():
                self.stdout.write(f"{name}: {count}")
            if not options["commit"]:
                self.stdout.write("A preview: nothing was written. Run again with --commit to merge.")
                return
            merge = merging.people_merge(kept=kept, merged=merged, by=by, reason=options["reason"])
        except (ApplicationError, ValueError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        self.stdout.write(f"Merged ({merge.pk}); it can be undone until {merge.undo_until:%Y-%m-%d}.")
