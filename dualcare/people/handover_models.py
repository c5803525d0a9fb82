"""Provider handover (issue 21 item 5): one organisation's contract passes to another.

A Handover names the two organisations, the date and which old team goes to which new team. An
admin of each side agrees it (two people: the database refuses one person agreeing for both). On
the date it is carried out once (dualcare.people.handover): the chosen teams' open involvements end
and open in the mapped teams, what the old organisation wrote about those people moves to the new
one, consents are carried or re-asked as each person chose, and a row per person and kind of record
says what moved. Imported by dualcare.people.models so Django sees the models.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from dualcare.models import TimeStampedModel


class Handover(TimeStampedModel):
    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        AGREED = "agreed", "Agreed by both organisations"
        DONE = "done", "Carried out"
        CANCELLED = "cancelled", "Cancelled"

    from_organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.PROTECT, related_name="handovers_out"
    )
    to_organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.PROTECT, related_name="handovers_in"
    )
    on = models.DateField("handover date", help_text="The first day the new organisation provides the care.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_agreed_at = models.DateTimeField(null=True, blank=True)
    to_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_agreed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_organisation=F("to_organisation")), name="handover_two_organisations"
            ),
            # Two people agree, one of each side: NULL (not yet agreed) passes.
            models.CheckConstraint(
                condition=~Q(from_agreed_by=F("to_agreed_by")), name="handover_two_people_agree"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["agreed", "done"])
                | Q(from_agreed_by__isnull=False, to_agreed_by__isnull=False),
                name="handover_agreed_by_both",
            ),
        ]
        indexes = [models.Index(fields=["state", "on"])]

    def __str__(self) -> str:
        return f"Handover from {self.from_organisation} to {self.to_organisation} on {self.on}"


class HandoverTeam(TimeStampedModel):
    """One old team whose open involvements pass to one new team."""

    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="teams")
    from_team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    to_team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "from_team"], name="handover_team_once"),
        ]


class HandoverPerson(TimeStampedModel):
    """One person in a handover: their choice for their consents (recorded with who, default re-ask)
    and, once carried out, their old and new involvement."""

    class ConsentChoice(models.TextChoices):
        REASK = "reask", "Ask them again (the new organisation asks for consent)"
        CARRY = "carry", "Carry their consents over to the new organisation"

    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="people")
    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    consent_choice = models.CharField(
        max_length=5, choices=ConsentChoice.choices, default=ConsentChoice.REASK
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_involvement = models.ForeignKey(
        "people.Involvement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_involvement = models.ForeignKey(
        "people.Involvement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consents_carried = models.PositiveIntegerField(default=0)
    consents_reasked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "service_user"], name="handover_person_once"),
        ]


class HandoverMove(models.Model):
    """What moved for one person, by kind of record: the report's rows."""

    class How(models.TextChoices):
        MOVED = "moved", "Moved to the new organisation"
        ENDED = "ended", "Ended, and opened in the new team"

    id = models.BigAutoField(primary_key=True)
    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="moves")
    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        max_length=60, help_text="The model label of the rows, e.g. outcomes.honosrating."
    )
    how = models.CharField(max_length=5, choices=How.choices, default=How.MOVED)
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "service_user", "kind"], name="handover_move_once"),
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.kind} {self.how}"
