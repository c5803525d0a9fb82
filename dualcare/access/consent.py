"""What one organisation writes about a person follows the person's consent to the reader's
organisation (ORG_WRITTEN).

Part of dualcare.access (see its __init__ for the rules as a whole)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from dualcare.people import carer_sharing
from dualcare.people.models import (
    CarerPermission,
    Consent,
    Scope,
    ServiceUser,
    ServiceUserUserObjectPermission,
    User,
)
from dualcare.sql import InArray

from .roles import SCOPE_PERMS, VIEW_RECORD, active_roles, is_active_user, permission_id

# ---------------------------------------------------------------------------
# What one organisation writes about a person (issue 12)
#
# Rule 2 for every row an organisation writes about a person, declared here in one table and
# applied by one filter. The writing organisation's own staff see its rows while they may see
# the person; another organisation's staff see them only while the person's consent of the
# row's scope to one of the reader's organisations is active (and they hold the matching
# scope permission, which comes from involvement and that consent in permissions_sync).
# Withdrawal revokes the permission in its transaction and ends the consent row, so the very
# next request sees nothing. Models that hold something about a person but are not shared by
# consent are declared exempt, with the rule that applies to them instead; a test walks every
# model with a path to ServiceUser and fails on one that is in neither list.
#
# Keys are model labels, so the core names capability apps' models without importing them.


@dataclass(frozen=True)
class OrgWritten:
    """How one model's rows about a person are shared across organisations.

    `service_user` and `organisation` are lookup paths from the model to the person and to the
    organisation that wrote the row. `scope` is the consent scope; `scope_by` = (field, {value:
    scope}) when it depends on a column (a care plan's risk section). `exempt` says why the rows
    are not consent-scoped and which rule governs them instead.
    """

    service_user: str
    organisation: str = ""
    scope: str = ""
    scope_by: tuple = ()
    exempt: str = ""

    def scopes(self) -> set[str]:
        return {self.scope} if self.scope else set(self.scope_by[1].values()) | {self.scope_by[2]}

    def scope_of(self, value) -> str:
        """The scope of a row whose `scope_by` column holds `value`."""
        if self.scope:
            return self.scope
        return self.scope_by[1].get(value, self.scope_by[2])


_RECORD_SUMMARY = (
    "record summary (rule 1): who is involved, consents and carers are what every involved team "
    "needs to coordinate care, so they show to whoever may see the record; no clinical content"
)
_OUTCOMES_WHY = (
    "HoNOS, TOP, DIALOG and satisfaction are the outcomes scope (DESIGN rule 2, the Consent scopes)"
)

# A conversation's kind -> scope, for those that are not the care plan's (general is the care plan's).
_CONVERSATION_KINDS = {"risk": Scope.RISK, "outcomes": Scope.OUTCOMES, "contacts": Scope.CONTACTS}

ORG_WRITTEN: dict[str, OrgWritten] = {
    # A Minkoff quadrant is a clinical rating of severity drawn from the HoNOS and TOP (cohorts.
    # evidence), with free-text rationale about mental health and drug use: the same information
    # as the outcome measures it summarises, so it follows the outcomes consent.
    "cohorts.quadrantassessment": OrgWritten("service_user", "organisation", Scope.OUTCOMES),
    # An enrolment records the quadrant at entry, for the cohort's organisation.
    "cohorts.enrolment": OrgWritten("service_user", "cohort__organisation", Scope.OUTCOMES),
    "outcomes.honosrating": OrgWritten("service_user", "organisation", Scope.OUTCOMES),
    "outcomes.topform": OrgWritten("service_user", "organisation", Scope.OUTCOMES),
    "outcomes.dialograting": OrgWritten("service_user", "organisation", Scope.OUTCOMES),
    # DIALOG+ (issue 20): the four steps for an item of a DIALOG rating, as the rating itself.
    "outcomes.dialogplusdiscussion": OrgWritten("service_user", "organisation", Scope.OUTCOMES),
    "outcomes.satisfactionresponse": OrgWritten("service_user", "organisation", Scope.OUTCOMES),
    # Appointments and collections are the contacts scope, the team's organisation writing them;
    # a supervised-consumption schedule (medicine and dose) is written by the prescribing team.
    "contacts.contact": OrgWritten("service_user", "team__organisation", Scope.CONTACTS),
    "contacts.contactoutcomeevent": OrgWritten(
        "contact__service_user", "contact__team__organisation", Scope.CONTACTS
    ),
    # A reminder's "I can't come" link (issue 20): opened only by its token, shown on no staff page
    # or list; its answer shows as the contact's own mark, under the contacts scope.
    "contacts.reminderreply": OrgWritten(
        "service_user",
        exempt="a reminder's single-use reply link, read only through its token by whoever holds the "
        "reminder; staff see its answer on the contact (the contacts scope)",
    ),
    "contacts.donotcontact": OrgWritten(
        "service_user",
        exempt="a safety instruction on how the person may be reached (texting is unsafe), which every "
        "team that may contact them needs; no clinical content (record summary, rule 1)",
    ),
    "contacts.supervisedconsumption": OrgWritten(
        "service_user", "prescribing_team__organisation", Scope.CONTACTS
    ),
    # Care plan entries: the risk history is the risk scope, every other section care_plan.
    "careplans.planentry": OrgWritten(
        "plan__service_user", "organisation", scope_by=("section", {"risk": Scope.RISK}, Scope.CARE_PLAN)
    ),
    # Case conversations (issue 16): the subject and each message are the writing organisation's,
    # shared under the scope of the conversation's kind; general care coordination follows the
    # care-plan consent (access.conversations). Who is in a conversation is part of it.
    "conversations.conversation": OrgWritten(
        "service_user", "organisation", scope_by=("kind", _CONVERSATION_KINDS, Scope.CARE_PLAN)
    ),
    "conversations.message": OrgWritten(
        "service_user", "organisation", scope_by=("kind", _CONVERSATION_KINDS, Scope.CARE_PLAN)
    ),
    "conversations.participant": OrgWritten(
        "conversation__service_user",
        exempt="who is addressed in a conversation: shown with it, to whoever may read it "
        "(access.conversations_visible_to)",
    ),
    # Risk assessments and safety flags (issue 19, dualcare.safety): the risk scope, the assessing
    # or flagging organisation writing them (a pharmacist's sight of flags: access.safety).
    "safety.riskassessment": OrgWritten("service_user", "organisation", Scope.RISK),
    "safety.domainrating": OrgWritten("service_user", "organisation", Scope.RISK),
    "safety.safetyflag": OrgWritten("service_user", "organisation", Scope.RISK),
    "safety.flagevent": OrgWritten("service_user", "organisation", Scope.RISK),
    "safety.removalrequest": OrgWritten("service_user", "organisation", Scope.RISK),
    "safety.reviewreminder": OrgWritten(
        "service_user", exempt="a due date for the writing organisation's own staff; no content"
    ),
    "safety.overdoseprompt": OrgWritten(
        "service_user",
        exempt="a count of missed collections (the contacts scope's own facts) that prompted a flag "
        "review; told to the prescriber and the teams the flag rule lets see it, never listed",
    ),
    # Incidents, near misses and complaints (issue 19): the reporting organisation's, shared under
    # the risk scope (harm that came or nearly came to the person), a complaint under the care
    # plan's (how care was given); an incident about a team only has no person (access.incidents).
    "incidents.incident": OrgWritten(
        "service_user", "organisation", scope_by=("kind", {"complaint": Scope.CARE_PLAN}, Scope.RISK)
    ),
    "incidents.reviewaction": OrgWritten(
        "incident__service_user",
        exempt="part of its incident's joint review: shown with it, to whoever may read it "
        "(access.incidents_visible_to)",
    ),
    # Signposting (issue 18): where the signposting team pointed the person after a decline or the
    # end of its care, and whether they got there: aftercare, the care-plan scope. A decline's
    # signpost is also part of its referral (rule 1), so both sides see it (access.signposting).
    "directory.signpost": OrgWritten("service_user", "organisation", Scope.CARE_PLAN),
    "directory.signpostservice": OrgWritten(
        "signpost__service_user", exempt="part of its signpost: shown with it (access.signposts_visible_to)"
    ),
    "directory.signpostfollowup": OrgWritten(
        "signpost__service_user", exempt="part of its signpost: shown with it (access.signposts_visible_to)"
    ),
    # Exempt, each with the rule that governs it instead.
    "people.serviceuser": OrgWritten("pk", exempt=_RECORD_SUMMARY),
    "people.involvement": OrgWritten("service_user", exempt=_RECORD_SUMMARY),
    "people.consent": OrgWritten("service_user", exempt=_RECORD_SUMMARY),
    "people.consentrequest": OrgWritten("service_user", exempt=_RECORD_SUMMARY),  # the person asking to share
    "people.carer": OrgWritten("service_user", exempt=_RECORD_SUMMARY),
    # Issue 20: a carer's own needs and experience (theirs, not the person's clinical record) and the
    # offer of a carer's assessment: with the carer, shown to whoever may see the record.
    "carers.carerneeds": OrgWritten("service_user", exempt=_RECORD_SUMMARY),
    "carers.assessmentoffer": OrgWritten("service_user", exempt=_RECORD_SUMMARY),
    "people.carerpermission": OrgWritten("carer__service_user", exempt=_RECORD_SUMMARY),
    # Provider handover (issue 21 item 5): who was handed over and what moved, for the admins of
    # the two organisations only (access.handovers); counts and choices, no clinical content.
    "people.handoverperson": OrgWritten(
        "service_user", exempt="a handover's person and consent choice, for its two organisations' admins"
    ),
    "people.handovermove": OrgWritten(
        "service_user", exempt="a handover's count of moved records, for its two organisations' admins"
    ),
    # Issue 21 item 4: an admin's record of which rows a merge moved between two records of one
    # person, by id only (dualcare.people.merging).
    "people.personmerge": OrgWritten(
        "kept", exempt="which rows a merge of two records moved, by id only: no content; admins' pages"
    ),
    "people.serviceuseruserobjectpermission": OrgWritten(
        "content_object", exempt="the access machinery itself, read only by this module"
    ),
    "people.serviceusergroupobjectpermission": OrgWritten(
        "content_object", exempt="the access machinery itself, read only by this module"
    ),
    "audit.auditevent": OrgWritten(
        "service_user",
        exempt="who looked at the record, not information about the person; shown to the person "
        "themselves (rule 6) and to auditors",
    ),
    "referrals.referral": OrgWritten(
        "service_user",
        exempt="rule 1: a referral's contents go to the receiving team once sent (referrals_visible_to)",
    ),
    "referrals.referralevent": OrgWritten(
        "referral__service_user", exempt="part of its referral: rule 1, as referrals.referral"
    ),
    "referrals.handover": OrgWritten(
        "referral__service_user", exempt="part of its referral: rule 1, as referrals.referral"
    ),
    "careplans.careplan": OrgWritten(
        "service_user", exempt="the plan's shell (version numbers, review date); its content is its entries"
    ),
    "careplans.planversion": OrgWritten(
        "plan__service_user",
        exempt="a snapshot of entries of every organisation, each shown or hidden by the "
        "careplans.planentry rule (CarePlanAccess.sees_entry on its organisation and section)",
    ),
    "careplans.agreement": OrgWritten(
        "version__plan__service_user",
        exempt="the person's own answer to their plan (or their carer's views), not an "
        "organisation's; shown with the version to whoever may see the plan",
    ),
    # Issue 20: the person's own words for their plan, and how they rate their own goals.
    "careplans.ownwords": OrgWritten(
        "service_user",
        exempt="written by the person, not an organisation, to their whole care team: shown to "
        "the person and to staff who may see their record (access.own_words_visible_to), never "
        "to a carer; accepted into the plan, they become an entry under careplans.planentry",
    ),
    "careplans.goalrating": OrgWritten(
        "goal__service_user",
        exempt="the person's own rating of their own goal: as careplans.ownwords",
    ),
    "outcomes.outcomereminder": OrgWritten(
        "involvement__service_user", exempt="a due date for the involvement's own team; no content"
    ),
    "linkworkers.casenotification": OrgWritten(
        "service_user",
        exempt="presented to a link meeting by consent of its own kind: named only when every other "
        "organisation present holds care-plan consent, and only to a viewer of the case's "
        "organisation or of one holding it, else de-identified (linkworkers_identified_case_ids)",
    ),
    "notifications.notification": OrgWritten(
        "service_user",
        exempt="an alert names no one in its message; the alert pages name its person only to a "
        "recipient who may see that person's record now (service_users_visible_to), audited",
    ),
    "linkworkers.agendaitem": OrgWritten(
        "case__service_user", exempt="a link meeting's minutes of a case: as linkworkers.casenotification"
    ),
    "linkworkers.action": OrgWritten(
        "item__case__service_user", exempt="a link meeting's action: as linkworkers.casenotification"
    ),
}

# What a carer may see of each scope, by the person's grant (Triangle of Care); risk is never theirs.
CARER_SCOPES = carer_sharing.GRANT_FOR_RECORD_SCOPE


def org_written(model) -> OrgWritten:
    """The sharing rule declared for a model (class, instance or label); LookupError if none."""
    label = model if isinstance(model, str) else model._meta.label_lower
    try:
        return ORG_WRITTEN[label]
    except KeyError:
        raise LookupError(f"{label} is not declared in access.ORG_WRITTEN") from None


def _for_scopes(entry: OrgWritten, condition) -> Q:
    """OR of `condition(scope)` over the rows of each scope (one scope: just the condition)."""
    if entry.scope:
        return condition(entry.scope)
    field, mapping, default = entry.scope_by
    result = ~Q(**{f"{field}__in": list(mapping)}) & condition(default)
    for value, scope in mapping.items():
        result |= Q(**{field: value}) & condition(scope)
    return result


def _rows_of_organisations(model, entry: OrgWritten, organisations: QuerySet) -> Q:
    """The rows written by one of `organisations`, as an IN on the row's own column (its team,
    cohort, or organisation) rather than a join through to the organisation: a test made per row
    against one small hashed list, whatever plan drives the rows."""
    *holder, last = entry.organisation.split("__")
    if not holder:
        return Q(**{f"{last}__in": organisations})
    for name in holder:
        model = model._meta.get_field(name).related_model
    holders = model._default_manager.filter(**{f"{last}__in": organisations}).values("pk")
    return Q(**{f"{'__'.join(holder)}__in": holders})


def _staff_sees(user: User, model, entry: OrgWritten, *, people_first: bool = False) -> Q:
    """Driven by the user's permission rows: the row's person is one the user may see (a single
    semi-join the database can run from the user's rows, through guardian's unique (user,
    permission, content_object) index, into the model's person index), and then, row by row, the
    row is their own organisation's, or the person's consent of the row's scope to one of the
    user's organisations is active and gave them that scope's permission. Only direct (user)
    permission rows: permissions_sync grants nothing through groups. A pharmacist's
    view_contacts alone shows their own organisation's.

    Issue 15: the same rows as before, when the organisation test joined each row to its
    organisation and the permission rows were matched through content types, which made the
    planner expect 1 of the user's rows where there were 1,300 and read every contact of the day
    (or all of them) instead of the user's people's. Permission rows are matched by codename
    alone: this table holds people permissions only (permissions_sync writes nothing else, and
    guardian refuses a permission of another model), so the join through content types tested
    nothing.

    `people_first`, for a list across many people: the user's people are read once, first
    (InArray), and the rows found through the model's person index; the same rows."""
    my_orgs = active_roles(user).order_by().values("team__organisation_id")
    perms = ServiceUserUserObjectPermission.objects.filter(user=user)
    codenames = [VIEW_RECORD, *sorted(SCOPE_PERMS[scope] for scope in entry.scopes())]
    may_see = perms.filter(permission__codename__in=codenames)

    def shared(scope) -> Q:
        consented = Consent.objects.filter(
            service_user_id=OuterRef("content_object_id"),
            organisation_id__in=my_orgs,
            scope=scope,
            withdrawn_at__isnull=True,
        )
        people = perms.filter(Exists(consented), permission__codename=SCOPE_PERMS[scope])
        return Q(**{f"{entry.service_user}__in": people.values("content_object_id")})

    own = _rows_of_organisations(model, entry, my_orgs)
    people = may_see.values("content_object_id")
    if people_first:
        seen = Q(InArray(entry.service_user, people))
    else:
        seen = Q(**{f"{entry.service_user}__in": people})
    return seen & (own | _for_scopes(entry, shared))


def org_written_filter(
    user: User, records: QuerySet, *, service_user: ServiceUser | None = None, people_first: bool = False
) -> QuerySet:
    """Narrow a queryset of a model declared in ORG_WRITTEN to the rows the user may see (for one
    person, or everyone): the person their own; a carer what the person granted; staff their
    own organisation's rows about people they may see, and others' only with the person's
    active consent of the row's scope to one of their organisations. No extra query: the rule
    is part of the same statement, driven by the user's permission rows. `people_first`: the
    statement's shape for a list across many people (see _staff_sees), the same rows."""
    entry = org_written(records.model)
    if entry.exempt:
        raise ValueError(f"{records.model._meta.label_lower} is not consent-scoped: {entry.exempt}")
    if not is_active_user(user):
        return records.none()
    if service_user is not None:
        records = records.filter(**{entry.service_user: service_user})
    if user.kind == User.Kind.SERVICE_USER:
        return records.filter(**{f"{entry.service_user}__user": user})
    if user.kind == User.Kind.CARER:

        def granted(scope) -> Q:
            if scope not in CARER_SCOPES:
                return Q(pk__in=[])
            people = CarerPermission.objects.filter(
                carer__user=user,
                carer__ended_at__isnull=True,
                revoked_at__isnull=True,
                scope=CARER_SCOPES[scope],
            ).values("carer__service_user_id")
            return Q(**{f"{entry.service_user}__in": people})

        return records.filter(_for_scopes(entry, granted))
    if user.kind != User.Kind.STAFF:
        return records.none()
    if service_user is not None:
        # One person's rows (a record page's section, their timeline): tested against that person's
        # permission and consent rows, not against a hash of everyone the user may see; the
        # person's id a constant in the rule, so each test runs once for the statement (as a
        # correlated test PostgreSQL hashed every consent to the viewer's organisation, ~6,500
        # rows, and took 0.6-2.5 s to count a ten-year timeline's 3,700 contacts).
        person = getattr(service_user, "pk", service_user)
        return records.filter(_staff_sees_row_by_row(user, records.model, entry, person=person))
    return records.filter(_staff_sees(user, records.model, entry, people_first=people_first))


def _staff_sees_row_by_row(user: User, model, entry: OrgWritten, *, person=None) -> Q:
    """The same rule as _staff_sees, each condition an EXISTS correlated on the row's person:
    a few probes of guardian's unique (user, permission, content_object) index and of the
    person's consents, per row. With `person` (an id) the EXISTS are of that one person, not
    correlated: each runs once per statement (org_written_filter with service_user=)."""
    person = OuterRef(entry.service_user) if person is None else person
    my_orgs = active_roles(user).order_by().values("team__organisation_id")
    perms = ServiceUserUserObjectPermission.objects.filter(user=user, content_object_id=person)
    may_see = Q()
    for codename in [VIEW_RECORD, *sorted(SCOPE_PERMS[scope] for scope in entry.scopes())]:
        may_see |= Q(Exists(perms.filter(permission_id=permission_id(codename))))

    def shared(scope) -> Q:
        consented = Consent.objects.filter(
            service_user_id=person, organisation_id__in=my_orgs, scope=scope, withdrawn_at__isnull=True
        )
        return Q(Exists(consented)) & Q(Exists(perms.filter(permission_id=permission_id(SCOPE_PERMS[scope]))))

    own = _rows_of_organisations(model, entry, my_orgs)
    return may_see & (own | _for_scopes(entry, shared))


def org_written_rows_of_one(user: User, records: QuerySet) -> QuerySet:
    """org_written_filter for a correlated subquery of one person's rows (an annotation of each
    person on a list page, e.g. their latest quadrant): the same rows, tested row by row against
    that person's permission and consent rows, where org_written_filter hashes every person the
    user may see (right for a list of rows, but on a 50,000-person organisation it read 4,510
    permission rows twice per page, and the planner's estimate for it turned on JIT compilation:
    ~1 s and 17 s of the manager's caseload, issue 15). tests/access hold the two equal."""
    entry = org_written(records.model)
    if entry.exempt or not is_active_user(user) or user.kind != User.Kind.STAFF:
        return org_written_filter(user, records)
    return records.filter(_staff_sees_row_by_row(user, records.model, entry))


def can_view_org_written(user: User, record) -> bool:
    """May the user see this one row of a model declared in ORG_WRITTEN? One query."""
    model = type(record)
    return org_written_filter(user, model._default_manager.filter(pk=record.pk)).exists()


def organisations_consented(service_user_id, scope: str) -> set:
    """Ids of the organisations the person has consented, now, to receive `scope` information:
    who may be told of something in that scope (a missed collection alerts the contacts ones)."""
    return set(
        Consent.objects.filter(
            service_user_id=service_user_id, scope=scope, withdrawn_at__isnull=True
        ).values_list("organisation_id", flat=True)
    )


def organisations_consented_many(service_user_ids, scope: str) -> dict:
    """organisations_consented for many people in one query: {person id: {organisation ids}}
    (a person with none is absent)."""
    consented: dict = {}
    for service_user_id, organisation_id in (
        Consent.objects.filter(
            service_user_id__in=set(service_user_ids), scope=scope, withdrawn_at__isnull=True
        )
        .order_by()
        .values_list("service_user_id", "organisation_id")
    ):
        consented.setdefault(service_user_id, set()).add(organisation_id)
    return consented
