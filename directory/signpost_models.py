"""Signposting as a record (issue 18, item 4): where a team pointed a person when it declined a
referral or ended its involvement, which directory services (with free text for what the directory
lacks), and the follow-up: whether the person got there.

One Signpost per decision, written by the signposting team's organisation about the person. Its
follow-ups are rows (history, never an overwritten field); `connected_at` and `followed_up_at`
keep the first "connected" and the latest follow-up on the signpost so the beat's scan and the
"discharged to nowhere" measure read one table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dualcare.models import TimeStampedModel


class Signpost(TimeStampedModel):
    class Occasion(models.TextChoices):
        REFERRAL_DECLINED = "referral_declined", "Referral declined"
        INVOLVEMENT_ENDED = "involvement_ended", "Involvement ended"

    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occasion = models.CharField(max_length=20, choices=Occasion.choices)
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="signposts"
    )
    involvement = models.ForeignKey(
        "people.Involvement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    services = models.ManyToManyField("directory.Service", through="SignpostService", related_name="+")
    # What the directory lacks, in the team's words; and how the person gets there.
    other = models.CharField(max_length=200, blank=True)
    next_steps = models.TextField(blank=True)
    follow_up_due = models.DateField()
    # Set once, when the team was reminded that the follow-up was due and not recorded.
    reminded_at = models.DateTimeField(null=True, blank=True)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(occasion="referral_declined") | Q(referral__isnull=False),
                name="directory_signpost_decline_has_referral",
            ),
        ]
        indexes = [
            models.Index(fields=["service_user", "-created_at"], name="directory_signpost_person"),
            models.Index(fields=["team", "-created_at"], name="directory_signpost_team"),
            # The beat's scan: due, never followed up, never reminded.
            models.Index(
                fields=["follow_up_due"],
                condition=Q(followed_up_at__isnull=True, reminded_at__isnull=True),
                name="directory_signpost_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Signposting of {self.created_at:%Y-%m-%d}"


class SignpostService(models.Model):
    """One directory service a signpost points to."""

    signpost = models.ForeignKey(Signpost, on_delete=models.CASCADE, related_name="picks")
    service = models.ForeignKey("directory.Service", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["signpost", "service"], name="directory_signpost_service_once")
        ]

    def __str__(self) -> str:
        return f"Signposted service {self.service_id}"


class SignpostFollowUp(TimeStampedModel):
    """The signposting team's answer to "did the person get there?"."""

    class Outcome(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NOT_YET = "not_yet", "Not yet"
        DECLINED = "declined", "Declined the offer"
        UNREACHABLE = "unreachable", "Could not reach"

    signpost = models.ForeignKey(Signpost, on_delete=models.CASCADE, related_name="follow_ups")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
