"""A carer's own side (issue 20 item 4, Triangle of Care): their needs and their experience of the
services, the offer of a carer's assessment, and the plan summaries sent to them.

The carer is people.Carer (with or without a login). Each row is history: a new answer is a new row.
"""

from django.conf import settings
from django.db import models

from dualcare.models import TimeStampedModel

# The Triangle of Care's six standards (Carers Trust, 2013), asked of the carer as their experience.
# The Carers Trust's own carer survey questions were not found published; these follow the standards.
EXPERIENCE_QUESTIONS = [
    ("identified", "Were you recognised as a carer at your first contact with the service?"),
    ("carer_aware", "Do staff understand your role as a carer and involve you?"),
    ("information_sharing", "Have staff explained what they can share with you, and why?"),
    ("named_contact", "Do you know who to contact in the service about being a carer?"),
    ("introduction", "Were you given an introduction to the service and the information you needed?"),
    ("support", "Have you been offered support for yourself, such as a carer's assessment?"),
]


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"
    NOT_SURE = "not_sure", "Not sure"


class CarerNeeds(TimeStampedModel):
    """What the carer needs, in their own words, and their experience (the six questions)."""

    carer = models.ForeignKey("people.Carer", on_delete=models.PROTECT, related_name="+")
    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    needs = models.TextField(blank=True)
    answers = models.JSONField(default=dict, help_text="{question key: Answer}")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["carer", "-created_at"])]


class AssessmentOffer(TimeStampedModel):
    """A carer's assessment offered, and what came of it, with the date."""

    class State(models.TextChoices):
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REFERRED = "referred", "Referred to the council"

    carer = models.ForeignKey("people.Carer", on_delete=models.PROTECT, related_name="+")
    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices)
    on = models.DateField()
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-on", "-created_at"]
        indexes = [models.Index(fields=["carer", "-on"])]
