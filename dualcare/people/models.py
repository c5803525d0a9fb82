"""Organisations, teams, staff roles, service users, carers, involvements and consents.

History is kept as rows: an ended involvement, a withdrawn consent, an ended staff role
or a revoked carer permission stays in the table with its dates.
"""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from dualcare.models import TimeStampedModel


class User(AbstractUser):
    """A login. Staff act through their StaffRoles; service users and carers through their records."""

    class Kind(models.TextChoices):
        STAFF = "staff", "Staff"
        SERVICE_USER = "service_user", "Service user"
        CARER = "carer", "Carer"

    class Language(models.TextChoices):
        # The languages DualCare is shipped in (settings.LANGUAGES), each named in itself.
        ENGLISH = "en-gb", "English"
        WELSH = "cy", "Cymraeg"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.STAFF)
    # The language the pages, emails and PDFs are in for this user; blank until they choose one
    # (the browser's language, or English, until then).
    language = models.CharField(max_length=10, choices=Language.choices, blank=True, default="")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_clinical_staff(self) -> bool:
        return self.kind == self.Kind.STAFF


class Organisation(TimeStampedModel):
    class Kind(models.TextChoices):
        MENTAL_HEALTH = "mental_health", "Mental health service"
        SUBSTANCE_MISUSE = "substance_misuse", "Drug and alcohol service"
        THIRD_SECTOR = "third_sector", "Charity or voluntary organisation"
        PHARMACY = "pharmacy", "Community pharmacy"
        HOUSING = "housing", "Housing"
        PRIMARY_CARE = "primary_care", "GP and primary care"
        CRIMINAL_JUSTICE = "criminal_justice", "Probation and criminal justice"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    ods_code = models.CharField("ODS code", max_length=10, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    out_of_hours_phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(TimeStampedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    works_with_people = models.BooleanField(
        "works with service users",
        default=True,
        help_text="Off for teams that do not see service users, such as administration.",
    )

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_name_unique_in_organisation"),
        ]

    def __str__(self) -> str:
        return self.name


class StaffRole(TimeStampedModel):
    class Role(models.TextChoices):
        KEY_WORKER = "key_worker", "Key worker"
        LINK_WORKER = "link_worker", "Link worker"
        TEAM_MANAGER = "team_manager", "Team manager"
        ORG_ADMIN = "org_admin", "Organisation admin"
        PHARMACIST = "pharmacist", "Pharmacist"
        ADMIN = "admin", "System admin"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_roles")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="staff_roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    start = models.DateField(default=timezone.localdate)
    end = models.DateField(
        "ends on", null=True, blank=True, help_text="The first day they no longer hold the role."
    )
    # Where access.py has got to for this role: roles start and end by date, and a
    # periodic task grants or withdraws what they give when that date comes.
    access_state = models.CharField(
        max_length=10,
        default="pending",
        editable=False,
        choices=[("pending", "Pending"), ("granted", "Granted"), ("withdrawn", "Withdrawn")],
    )

    class Meta:
        ordering = ["team__name", "role"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="staffrole_end_not_before_start",
            ),
        ]
        indexes = [models.Index(fields=["user", "end"]), models.Index(fields=["team", "role", "end"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()}, {self.team}"

    def is_active_on(self, day) -> bool:
        return self.start <= day and (self.end is None or self.end > day)


class StaffInvitation(TimeStampedModel):
    """The emailed, expiring link a new staff member opens to choose their password: a row per sending.

    Sending again replaces the open one (its link stops working); the accepted one stays as history.
    Expiry is a time, not a state: an invitation still open after `expires_at` has expired.
    """

    class State(models.TextChoices):
        OPEN = "open", "Invited"
        ACCEPTED = "accepted", "Accepted"
        REPLACED = "replaced", "Replaced by a later invitation"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_invitations"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # None when the system sent it again (someone asked for a password reset before accepting).
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(state="open"), name="staffinvitation_one_open_per_user"
            ),
            models.CheckConstraint(
                condition=~Q(state="accepted") | Q(accepted_at__isnull=False),
                name="staffinvitation_accepted_has_time",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"Invitation of {self.user_id} ({self.state})"

    @property
    def is_expired(self) -> bool:
        return self.state == self.State.OPEN and self.expires_at <= timezone.now()

    @property
    def status(self) -> str:
        """What the staff page shows: "invited", "expired", "accepted" or "replaced"."""
        if self.state == self.State.OPEN:
            return "expired" if self.is_expired else "invited"
        return self.state


class ServiceUser(TimeStampedModel):
    class ContactMethod(models.TextChoices):
        PHONE = "phone", "Phone call"
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"

    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    pronouns = models.CharField(max_length=40, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    preferred_contact_method = models.CharField(
        max_length=10, choices=ContactMethod.choices, default=ContactMethod.PHONE
    )
    ok_to_leave_messages = models.BooleanField(default=False)
    contact_notes = models.CharField(
        max_length=300, blank=True, help_text="For example: best times to call, or who not to speak to."
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="service_user"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"], condition=~Q(nhs_number=""), name="serviceuser_nhs_number_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            # The caseload's search by date of birth; the name and NHS number prefix searches have
            # PostgreSQL-only pattern indexes (migration 0005_service_user_search_indexes).
            models.Index(fields=["date_of_birth"], name="serviceuser_date_of_birth"),
        ]
        permissions = [
            ("view_care_plan", "May see the care plan shared by other organisations"),
            ("view_risk", "May see risk information shared by other organisations"),
            ("view_outcomes", "May see outcome measures shared by other organisations"),
            ("view_contacts", "May see contacts and collections"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def known_as(self) -> str:
        return self.preferred_name or self.given_name

    @property
    def nhs_number_display(self) -> str:
        n = self.nhs_number
        return f"{n[:3]} {n[3:6]} {n[6:]}" if len(n) == 10 else ""


class ServiceUserUserObjectPermission(UserObjectPermissionBase):
    """Direct-foreign-key guardian permissions (DESIGN.md: never the generic tables).

    Guardian's unique (user, permission, content_object) is the index every read uses (a user's
    rows, a user's rows of a permission, one check); content_object's own serves permissions_sync
    by person and the cascade. No separate index on user (a prefix of the unique one) nor a second
    copy of the unique one: at trust scale (7.5M rows) each was as big as the table's data."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    content_object = models.ForeignKey(ServiceUser, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class ServiceUserGroupObjectPermission(GroupObjectPermissionBase):
    # As the user table: guardian's unique (group, permission, content_object) leads with group.
    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE, db_index=False)
    content_object = models.ForeignKey(ServiceUser, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass


class Scope(models.TextChoices):
    """Kinds of information that cross an organisation boundary only with consent."""

    CARE_PLAN = "care_plan", "Care plan"
    RISK = "risk", "Risk"
    OUTCOMES = "outcomes", "Outcome measures"
    CONTACTS = "contacts", "Appointments and contacts"


class Involvement(TimeStampedModel):
    """A team's part in a person's care, from start to end, with the named key worker."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="involvements")
    service_user = models.ForeignKey(ServiceUser, on_delete=models.PROTECT, related_name="involvements")
    key_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="key_worker_involvements",
    )
    start = models.DateField(default=timezone.localdate)
    end = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "service_user"],
                condition=Q(end__isnull=True),
                name="one_open_involvement_per_team",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="involvement_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["team", "end"]), models.Index(fields=["service_user", "end"])]

    def __str__(self) -> str:
        return f"{self.team} with {self.service_user}"

    @property
    def is_open(self) -> bool:
        return self.end is None


class Consent(TimeStampedModel):
    """The person's consent that one organisation may see one kind of their information."""

    class Method(models.TextChoices):
        VERBAL = "verbal", "Verbally, in person or by phone"
        WRITTEN = "written", "In writing"
        PORTAL = "portal", "By the person, in DualCare"

    service_user = models.ForeignKey(ServiceUser, on_delete=models.PROTECT, related_name="consents")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="consents_received")
    scope = models.CharField(max_length=20, choices=Scope.choices)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.VERBAL)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["organisation__name", "scope", "-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_user", "organisation", "scope"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_active_consent_per_scope",
            ),
        ]
        indexes = [models.Index(fields=["service_user", "organisation", "withdrawn_at"])]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} to {self.organisation}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class ConsentRequest(TimeStampedModel):
    """The person, in their portal, asking that an organisation may start to see one kind of their
    information. Consent to share is recorded by a worker (with who and when): recording it
    confirms the request; a worker may instead answer it (declined, with what they told the person)."""

    class State(models.TextChoices):
        OPEN = "open", "Waiting for a worker"
        CONFIRMED = "confirmed", "Sharing started"
        ANSWERED = "answered", "A worker answered"

    service_user = models.ForeignKey(ServiceUser, on_delete=models.PROTECT, related_name="consent_requests")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(max_length=20, choices=Scope.choices)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=300, blank=True)
    consent = models.ForeignKey(Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service_user", "organisation", "scope"],
                condition=Q(state="open"),
                name="one_open_consent_request_per_scope",
            ),
        ]
        indexes = [models.Index(fields=["service_user", "state"])]

    def __str__(self) -> str:
        return f"Asked to share {self.get_scope_display().lower()} with {self.organisation}"


class Carer(TimeStampedModel):
    """A family member or friend who supports the person (Triangle of Care).

    Identified and recorded at first contact, with or without a login (issue 20): a carer without
    one has their own name and how to reach them here; with one, the login's."""

    class ContactBy(models.TextChoices):
        PORTAL = "portal", "DualCare (they sign in)"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        PHONE = "phone", "Phone"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="carer_links"
    )
    service_user = models.ForeignKey(ServiceUser, on_delete=models.PROTECT, related_name="carers")
    relationship = models.CharField(max_length=100, help_text="For example: mother, partner, friend.")
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    contact_by = models.CharField(max_length=10, choices=ContactBy.choices, default=ContactBy.PORTAL)
    wants_information = models.BooleanField(
        default=True, help_text="Whether they want information about the person's care, as allowed."
    )
    identified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "service_user"],
                condition=Q(ended_at__isnull=True),
                name="one_open_carer_link",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(given_name=""), name="carer_has_a_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.relationship})"

    @property
    def display_name(self) -> str:
        if self.user_id is not None:
            return self.user.display_name
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def email_address(self) -> str:
        return self.email or (self.user.email if self.user_id is not None else "")


class CarerPermission(TimeStampedModel):
    """What the person allows their carer to see: granted and revoked by the person, kept as history."""

    class Scope(models.TextChoices):
        CARE_PLAN = "care_plan", "My care plan"
        APPOINTMENTS = "appointments", "My appointments"
        OUTCOMES = "outcomes", "How I am getting on (my progress scores)"

    carer = models.ForeignKey(Carer, on_delete=models.PROTECT, related_name="permissions")
    scope = models.CharField(max_length=20, choices=Scope.choices)

    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["scope", "-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["carer", "scope"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_carer_permission_per_scope",
            ),
        ]

    @property
    def staff_words(self) -> str:
        """What this grant lets the carer see, as staff read it (people.carer_sharing)."""
        from .carer_sharing import staff_words

        return staff_words([self.scope])


# Provider handover (issue 21 item 5): its own module, imported here so Django sees its models.
from .handover_models import Handover, HandoverMove, HandoverPerson, HandoverTeam  # noqa: E402, F401


class PeopleImport(TimeStampedModel):
    """A bulk import of people and caseloads from a CSV file (dualcare.people.importing), kept with
    its report: per row, what happened and why, by row number and record id only (no names, no NHS
    numbers: the file's owner has the file). A dry run is never stored: it writes nothing."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    # [{"row": 2, "outcome": "created", "reason": "", "person": "<uuid>"}, ...]
    rows = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self) -> str:
        return f"Import of {self.created_at:%Y-%m-%d %H:%M}"


class PersonMerge(TimeStampedModel):
    """Two records of one person made one (dualcare.people.merging): every row that referred to
    `merged` was moved to `kept`; `moved` lists exactly those rows, so that an undo (until
    `undo_until`) moves exactly them back. The merged record stays, with nothing left on it."""

    kept = models.ForeignKey(ServiceUser, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(ServiceUser, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300)
    # {"app_label.model.field": ["<pk>", ...]}: the rows moved, by the field that was changed.
    moved = models.JSONField(default=dict, blank=True)
    # What else the merge changed, to put back: consents it withdrew, a moved NHS number or login.
    changes = models.JSONField(default=dict, blank=True)
    undo_until = models.DateTimeField()
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A record is merged away once at a time (undo it first to merge it elsewhere).
            models.UniqueConstraint(
                fields=["merged"], condition=Q(undone_at__isnull=True), name="personmerge_merged_once"
            ),
            models.CheckConstraint(condition=~Q(kept=models.F("merged")), name="personmerge_two_records"),
        ]
        indexes = [models.Index(fields=["kept", "undone_at"])]

    def __str__(self) -> str:
        return f"Merge of {self.merged_id} into {self.kept_id}"

    @property
    def is_undoable(self) -> bool:
        return self.undone_at is None and timezone.now() < self.undo_until
