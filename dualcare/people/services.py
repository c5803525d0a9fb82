"""Every write to people, organisations, involvements, consents and carers.

Each service runs in one transaction, checks its rules (raising ApplicationError with a
field where there is one), keeps access in step through access.permissions_sync, and
writes an audit row.
"""

from __future__ import annotations

import datetime as dt

import nhs_number as nhs
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dualcare import access, clock, limits
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError, StateConflict

from .models import (
    Carer,
    CarerPermission,
    Consent,
    ConsentRequest,
    Involvement,
    Organisation,
    Scope,
    ServiceUser,
    StaffRole,
    Team,
    User,
)


def nhs_number_clean(value: str) -> str:
    """Digits only, checked with the modulus-11 check digit; '' when not given."""
    digits = "".join(ch for ch in (value or "") if not ch.isspace() and ch != "-")
    if not digits:
        return ""
    # ASCII digits only: str.isdigit() and int() also take full-width and other scripts' digits.
    if not (digits.isascii() and digits.isdigit()) or len(digits) != 10:
        raise ApplicationError("Enter a 10-digit NHS number, like 943 476 5919.", field="nhs_number")
    # 0000000000, 1111111111 and the like pass the check digit but are never issued.
    if len(set(digits)) == 1 or not nhs.is_valid(digits):
        raise ApplicationError("This is not a valid NHS number: check the digits.", field="nhs_number")
    return digits


def _date_of_birth_check(date_of_birth: dt.date) -> None:
    problem = limits.BIRTH.problem(date_of_birth)
    if problem:
        raise ApplicationError(problem, field="date_of_birth")


# ---------------------------------------------------------------------------
# Organisations, teams and staff


@transaction.atomic
def organisation_create(*, name: str, kind: str, by: User | None = None, **details) -> Organisation:
    if kind not in Organisation.Kind.values:
        raise ApplicationError("Choose the kind of organisation.", field="kind")
    if Organisation.objects.filter(name__iexact=name.strip()).exists():
        raise ApplicationError("An organisation with this name already exists.", field="name")
    organisation = Organisation.objects.create(name=name.strip(), kind=kind, **details)
    audit_record(actor=by, action="organisation.create", target=organisation, organisation=organisation)
    return organisation


def _ensure_org_admin(by: User | None, organisation: Organisation) -> None:
    if by is not None and not access.is_org_admin_of(by, organisation):
        raise ApplicationError("You can only manage your own organisation.")


@transaction.atomic
def team_create(*, organisation: Organisation, name: str, by: User | None = None, **details) -> Team:
    _ensure_org_admin(by, organisation)
    name = name.strip()
    if not name:
        raise ApplicationError("Enter the team's name.", field="name")
    if Team.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise ApplicationError("Your organisation already has a team with this name.", field="name")
    team = Team.objects.create(organisation=organisation, name=name, **details)
    audit_record(actor=by, action="team.create", target=team, organisation=organisation)
    return team


@transaction.atomic
def team_update(*, team: Team, by: User | None = None, **changes) -> Team:
    _ensure_org_admin(by, team.organisation)
    if "name" in changes:
        name = changes["name"].strip()
        if not name:
            raise ApplicationError("Enter the team's name.", field="name")
        if (
            Team.objects.filter(organisation=team.organisation, name__iexact=name)
            .exclude(pk=team.pk)
            .exists()
        ):
            raise ApplicationError("Your organisation already has a team with this name.", field="name")
        changes["name"] = name
    for field, value in changes.items():
        setattr(team, field, value)
    team.save(update_fields=[*changes, "updated_at"])
    if "is_active" in changes:
        access.permissions_sync(user_ids=team.staff_roles.values_list("user_id", flat=True))
    audit_record(
        actor=by,
        action="team.update",
        target=team,
        organisation=team.organisation,
        detail={"fields": sorted(changes)},
    )
    return team


@transaction.atomic
def staff_user_create(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    team: Team,
    role: str,
    password: str | None = None,
    by: User | None = None,
    invite: bool = True,
) -> User:
    """A new staff login with its first role. Without a password they are emailed an invitation to
    choose one (dualcare.accounts.invitations), unless `invite` is off (the demo's staff without a
    login: an admin can send it from their page)."""
    _ensure_org_admin(by, team.organisation)
    username = username.strip().lower()
    if not username:
        raise ApplicationError("Enter a username.", field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError("This username is taken.", field="username")
    email = _check_email_free(email)
    user = User(
        username=username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        kind=User.Kind.STAFF,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    staff_role_add(user=user, team=team, role=role, by=by)
    audit_record(actor=by, action="staff.create", target=user, organisation=team.organisation)
    if invite and not password:
        from dualcare.accounts.invitations import staff_invitation_send

        staff_invitation_send(user=user, organisation=team.organisation, by=by)
    return user


@transaction.atomic
def staff_role_add(
    *,
    user: User,
    team: Team,
    role: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    by: User | None = None,
) -> StaffRole:
    _ensure_org_admin(by, team.organisation)
    if user.kind != User.Kind.STAFF:
        raise ApplicationError("Only staff logins can hold staff roles.")
    if role not in StaffRole.Role.values:
        raise ApplicationError("Choose a role.", field="role")
    if role == StaffRole.Role.PHARMACIST and team.organisation.kind != Organisation.Kind.PHARMACY:
        raise ApplicationError("Only a pharmacy's teams have pharmacists. Choose another role.", field="role")
    start = start or clock.today()
    if end is not None and end <= start:
        raise ApplicationError("The end date must be after the start date.", field="end")
    if access.active_roles(user).filter(team=team, role=role).exists():
        raise ApplicationError("They already hold this role in this team.", field="role")
    staff_role = StaffRole.objects.create(user=user, team=team, role=role, start=start, end=end)
    access.permissions_sync(user_ids=[user.pk])
    if staff_role.is_active_on(clock.today()):
        staff_role.access_state = "granted"
        staff_role.save(update_fields=["access_state"])
    audit_record(
        actor=by,
        action="staff_role.add",
        target=staff_role,
        organisation=team.organisation,
        detail={"role": role},
    )
    return staff_role


@transaction.atomic
def staff_role_end(*, staff_role: StaffRole, end: dt.date | None = None, by: User | None = None) -> StaffRole:
    """End a role from a day on (today by default: at once). Access follows."""
    _ensure_org_admin(by, staff_role.team.organisation)
    today = clock.today()
    end = end or today
    if staff_role.end is not None and staff_role.end <= today:
        raise StateConflict("This role has already ended.")
    if end < staff_role.start:
        end = staff_role.start
    staff_role.end = end
    staff_role.save(update_fields=["end", "updated_at"])
    access.permissions_sync(user_ids=[staff_role.user_id])
    if end <= today:
        staff_role.access_state = "withdrawn"
        staff_role.save(update_fields=["access_state"])
    audit_record(
        actor=by, action="staff_role.end", target=staff_role, organisation=staff_role.team.organisation
    )
    return staff_role


# ---------------------------------------------------------------------------
# Service users and involvements


@transaction.atomic
def service_user_register(
    *,
    team: Team,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date,
    nhs_number: str = "",
    key_worker: User | None = None,
    by: User | None = None,
    start: dt.date | None = None,
    **details,
) -> ServiceUser:
    """Register a person and start the registering team's involvement with them (today by default)."""
    if not given_name.strip():
        raise ApplicationError("Enter their first name.", field="given_name")
    if not family_name.strip():
        raise ApplicationError("Enter their last name.", field="family_name")
    _date_of_birth_check(date_of_birth)
    number = nhs_number_clean(nhs_number)
    if number and ServiceUser.objects.filter(nhs_number=number).exists():
        raise ApplicationError(
            "A person with this NHS number is already registered. Ask a team involved "
            "with them to refer them to your team.",
            field="nhs_number",
        )
    service_user = ServiceUser.objects.create(
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        date_of_birth=date_of_birth,
        nhs_number=number,
        created_by=by,
        **details,
    )
    audit_record(actor=by, action="service_user.create", target=service_user)
    involvement_start(service_user=service_user, team=team, key_worker=key_worker, start=start, by=by)
    return service_user


@transaction.atomic
def involvement_start(
    *,
    service_user: ServiceUser,
    team: Team,
    key_worker: User | None = None,
    start: dt.date | None = None,
    by: User | None = None,
) -> Involvement:
    """The team becomes involved in the person's care; its staff can see the record at once."""
    if Involvement.objects.filter(service_user=service_user, team=team, end__isnull=True).exists():
        raise ApplicationError(f"{team} is already involved in this person's care.", field="team")
    if key_worker is not None and not access.active_roles(key_worker).filter(team=team).exists():
        raise ApplicationError("The key worker must be a member of the team.", field="key_worker")
    start = start or clock.today()
    if start > clock.today():
        raise ApplicationError("An involvement cannot start in the future.", field="start")
    try:
        with transaction.atomic():
            involvement = Involvement.objects.create(
                service_user=service_user, team=team, key_worker=key_worker, start=start, started_by=by
            )
    except IntegrityError:
        raise ApplicationError(f"{team} is already involved in this person's care.", field="team") from None
    access.permissions_sync(service_user_ids=[service_user.pk])
    audit_record(
        actor=by,
        action="involvement.start",
        target=involvement,
        service_user=service_user,
        organisation=team.organisation,
    )
    return involvement


@transaction.atomic
def involvement_end(
    *, involvement: Involvement, reason: str, by: User | None = None, end: dt.date | None = None
) -> Involvement:
    """The team's part ends; the row stays, with its dates. Access is withdrawn at once."""
    involvement = Involvement.objects.select_for_update().get(pk=involvement.pk)
    if involvement.end is not None:
        raise ApplicationError("This involvement has already ended.")
    if not reason.strip():
        raise ApplicationError("Say why the team's involvement is ending.", field="reason")
    end = end or clock.today()
    if end < involvement.start:
        raise ApplicationError("The end date cannot be before the start date.", field="end")
    involvement.end = end
    involvement.end_reason = reason.strip()
    involvement.ended_by = by
    involvement.save(update_fields=["end", "end_reason", "ended_by", "updated_at"])
    access.permissions_sync(service_user_ids=[involvement.service_user_id])
    audit_record(
        actor=by, action="involvement.end", target=involvement, service_user=involvement.service_user
    )
    return involvement


# ---------------------------------------------------------------------------
# Consent to share


@transaction.atomic
def consent_record(
    *,
    service_user: ServiceUser,
    organisation: Organisation,
    scope: str,
    by: User,
    method: str = Consent.Method.VERBAL,
    note: str = "",
) -> Consent:
    """Record the person's consent that `organisation` may see `scope`. Takes effect at once."""
    if scope not in Scope.values:
        raise ApplicationError("Choose what the person agrees to share.", field="scope")
    if method not in Consent.Method.values:
        raise ApplicationError("Choose how the person gave consent.", field="method")
    if by.kind == User.Kind.SERVICE_USER and service_user.user_id != by.pk:
        raise ApplicationError("You can only give consent for yourself.")
    if Consent.objects.filter(
        service_user=service_user, organisation=organisation, scope=scope, withdrawn_at__isnull=True
    ).exists():
        raise ApplicationError(
            f"Consent to share this with {organisation} is already recorded.", field="scope"
        )
    try:
        with transaction.atomic():
            consent = Consent.objects.create(
                service_user=service_user,
                organisation=organisation,
                scope=scope,
                method=method,
                note=note.strip(),
                recorded_by=by,
            )
    except IntegrityError:
        raise ApplicationError(
            f"Consent to share this with {organisation} is already recorded.", field="scope"
        ) from None
    access.permissions_sync(service_user_ids=[service_user.pk])
    _consent_requests_confirm(consent, by)
    audit_record(
        actor=by,
        action="consent.record",
        target=consent,
        service_user=service_user,
        detail={"scope": scope, "organisation": str(organisation.pk)},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, by: User, note: str = "") -> Consent:
    """Withdraw consent; the receiving organisation loses sight of that scope at once."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise ApplicationError("This consent has already been withdrawn.")
    consent.withdrawn_at = clock.now()
    consent.withdrawn_by = by
    consent.withdrawal_note = note.strip()
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note", "updated_at"])
    access.permissions_sync(service_user_ids=[consent.service_user_id])
    audit_record(
        actor=by,
        action="consent.withdraw",
        target=consent,
        service_user=consent.service_user,
        detail={"scope": consent.scope, "organisation": str(consent.organisation_id)},
    )
    return consent


# ---------------------------------------------------------------------------
# Consent in the person's own hands (issue 20, item 3): they stop sharing at once, or ask for
# sharing to start, which a worker confirms by recording the consent (with who and when).

SHARING_SCOPE_WORDS = {
    Scope.CARE_PLAN: _("your care plan"),
    Scope.RISK: _("what they know about risks to you and your safety"),
    Scope.OUTCOMES: _("your progress scores"),
    Scope.CONTACTS: _("your appointments and collections"),
}


def _key_workers_of(service_user: ServiceUser) -> list[User]:
    ids = (
        Involvement.objects.filter(service_user=service_user, end__isnull=True, key_worker__isnull=False)
        .values_list("key_worker_id", flat=True)
        .distinct()
    )
    return list(User.objects.filter(pk__in=list(ids), is_active=True).order_by("pk"))


def _tell_key_workers(
    service_user: ServiceUser, *, event_key: str, kind: str, subject: str, body: str, related
) -> None:
    from dualcare.notifications.services import notify

    notify(
        event_key=event_key,
        recipients=_key_workers_of(service_user),
        kind=kind,
        subject=subject,
        body=body,
        url=reverse("service_user_detail", kwargs={"pk": service_user.pk}),
        related=related,
        service_user=service_user,
    )


def _own(service_user: ServiceUser, by: User) -> None:
    if by.kind != User.Kind.SERVICE_USER or service_user.user_id != by.pk:
        raise ApplicationError("You can only change what is shared about yourself.")


@transaction.atomic
def consent_withdraw_by_person(*, service_user: ServiceUser, consent: Consent, by: User) -> Consent:
    """The person stops an organisation seeing one kind of their information, at once; their key
    workers are told (once)."""
    _own(service_user, by)
    if consent.service_user_id != service_user.pk:
        raise ApplicationError("You can only change what is shared about yourself.")
    consent = consent_withdraw(consent=consent, by=by, note="Withdrawn by the person in DualCare.")
    _tell_key_workers(
        service_user,
        event_key=f"consent_withdrawn_by_person:{consent.pk}",
        kind="consent.withdrawn_by_person",
        subject="A person you work with stopped sharing something",
        body=(
            f"In DualCare, they stopped sharing their {consent.get_scope_display().lower()} information "
            f"with {consent.organisation}. It took effect at once."
        ),
        related=consent,
    )
    return consent


@transaction.atomic
def consent_request_ask(*, service_user: ServiceUser, organisation: Organisation, scope: str, by: User):
    """The person asks that `organisation` may start to see `scope`; their key workers are told
    (once). Refused if it is already shared, already asked for, or the organisation is not working
    with them."""
    _own(service_user, by)
    if scope not in Scope.values:
        raise ApplicationError("Choose what you would like to share.", field="scope")
    ServiceUser.objects.select_for_update().filter(pk=service_user.pk).first()  # one request at a time
    if not Involvement.objects.filter(
        service_user=service_user, team__organisation=organisation, end__isnull=True
    ).exists():
        raise ApplicationError(f"{organisation} is not working with you now.", field="organisation")
    if Consent.objects.filter(
        service_user=service_user, organisation=organisation, scope=scope, withdrawn_at__isnull=True
    ).exists():
        raise ApplicationError(f"{organisation} can already see this.", field="scope")
    if ConsentRequest.objects.filter(
        service_user=service_user, organisation=organisation, scope=scope, state=ConsentRequest.State.OPEN
    ).exists():
        raise ApplicationError(
            "You have already asked for this. Your key worker will be in touch.", field="scope"
        )
    request = ConsentRequest.objects.create(
        service_user=service_user, organisation=organisation, scope=scope, asked_by=by
    )
    audit_record(
        actor=by,
        action="consent.request",
        target=request,
        service_user=service_user,
        detail={"scope": scope, "organisation": str(organisation.pk)},
    )
    _tell_key_workers(
        service_user,
        event_key=f"consent_request:{request.pk}",
        kind="consent.requested_by_person",
        subject="A person you work with asked to share something: record their consent",
        body=(
            f"In DualCare, they asked that {organisation} may see their "
            f"{request.get_scope_display().lower()} information. "
            "Check with them, then record their consent on their record."
        ),
        related=request,
    )
    return request


def _consent_requests_confirm(consent: Consent, by: User) -> int:
    """Recording consent confirms the person's open request for it, if any."""
    return ConsentRequest.objects.filter(
        service_user_id=consent.service_user_id,
        organisation_id=consent.organisation_id,
        scope=consent.scope,
        state=ConsentRequest.State.OPEN,
    ).update(
        state=ConsentRequest.State.CONFIRMED,
        consent=consent,
        closed_by=by,
        closed_at=clock.now(),
        updated_at=clock.now(),
    )


# ---------------------------------------------------------------------------
# Portal logins and carers


def _check_email_free(email: str) -> str:
    """An email address belongs to one account: sign-in help and invitations go to it."""
    email = (email or "").strip()
    if email and User.objects.filter(email__iexact=email).exists():
        raise ApplicationError(
            "Another account already uses this email address. Enter a different one.", field="email"
        )
    return email


def _portal_user(
    *, username: str, email: str, first_name: str, last_name: str, kind: str, password: str | None
) -> User:
    username = username.strip().lower()
    if not username:
        raise ApplicationError("Enter a username.", field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError("This username is taken.", field="username")
    email = _check_email_free(email)
    user = User(username=username, email=email.strip(), first_name=first_name, last_name=last_name, kind=kind)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def portal_login_create(
    *, service_user: ServiceUser, username: str, email: str, by: User, password: str | None = None
) -> User:
    """Give a person their own login to read their record."""
    if service_user.user_id:
        raise ApplicationError("This person already has a login.")
    user = _portal_user(
        username=username,
        email=email,
        first_name=service_user.known_as,
        last_name=service_user.family_name,
        kind=User.Kind.SERVICE_USER,
        password=password,
    )
    service_user.user = user
    service_user.save(update_fields=["user", "updated_at"])
    audit_record(actor=by, action="service_user.portal_login", target=service_user)
    return user


@transaction.atomic
def carer_add(
    *,
    service_user: ServiceUser,
    relationship: str,
    by: User,
    user: User | None = None,
    username: str = "",
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    phone: str = "",
) -> Carer:
    """Link a carer to the person. They see nothing until the person grants it."""
    if not relationship.strip():
        raise ApplicationError("Say how the carer is related to the person.", field="relationship")
    if user is None:
        user = _portal_user(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            kind=User.Kind.CARER,
            password=password,
        )
    elif user.kind != User.Kind.CARER:
        raise ApplicationError("This login is not a carer's login.", field="username")
    if Carer.objects.filter(user=user, service_user=service_user, ended_at__isnull=True).exists():
        raise ApplicationError("This carer is already linked.", field="username")
    carer = Carer.objects.create(
        user=user, service_user=service_user, relationship=relationship.strip(), phone=phone
    )
    audit_record(actor=by, action="carer.add", target=carer, service_user=service_user)
    return carer


@transaction.atomic
def carer_record(
    *,
    service_user: ServiceUser,
    by: User,
    given_name: str,
    family_name: str = "",
    relationship: str,
    phone: str = "",
    email: str = "",
    address: str = "",
    contact_by: str = Carer.ContactBy.PHONE,
    wants_information: bool = True,
) -> Carer:
    """Identify a carer at first contact, without a login (Triangle of Care standard 1): who they
    are, how to reach them, and whether they want information. They are sent nothing until the
    person allows it (CarerPermission), as any carer."""
    if by.kind != User.Kind.STAFF or not access.can_view_record(by, service_user):
        raise ApplicationError("Only staff working with the person can record their carer.")
    if not given_name.strip():
        raise ApplicationError("Enter the carer's first name.", field="given_name")
    if not relationship.strip():
        raise ApplicationError("Say how the carer is related to the person.", field="relationship")
    if contact_by not in Carer.ContactBy.values or contact_by == Carer.ContactBy.PORTAL:
        raise ApplicationError("Choose how the carer would like to be contacted.", field="contact_by")
    needed = {
        Carer.ContactBy.EMAIL: ("email", email),
        Carer.ContactBy.LETTER: ("address", address),
        Carer.ContactBy.PHONE: ("phone", phone),
    }[contact_by]
    if not needed[1].strip():
        raise ApplicationError(f"Enter the carer's {needed[0]}, to contact them that way.", field=needed[0])
    carer = Carer.objects.create(
        service_user=service_user,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        relationship=relationship.strip(),
        phone=phone.strip(),
        email=email.strip(),
        address=address.strip(),
        contact_by=contact_by,
        wants_information=wants_information,
        identified_by=by,
    )
    audit_record(actor=by, action="carer.add", target=carer, service_user=service_user)
    return carer


def _ensure_person_decides(carer: Carer, by: User) -> None:
    # The person decides what their carer sees; staff may record it on their behalf.
    if by.kind == User.Kind.SERVICE_USER and carer.service_user.user_id == by.pk:
        return
    if by.kind == User.Kind.STAFF and access.can_view_record(by, carer.service_user):
        return
    raise ApplicationError("Only the person, or staff involved in their care, can change what a carer sees.")


@transaction.atomic
def carer_permission_grant(*, carer: Carer, scope: str, by: User) -> CarerPermission:
    _ensure_person_decides(carer, by)
    if scope not in CarerPermission.Scope.values:
        raise ApplicationError("Choose what your carer can see.", field="scope")
    if carer.ended_at is not None:
        raise ApplicationError("This carer is no longer linked.")
    existing = CarerPermission.objects.filter(carer=carer, scope=scope, revoked_at__isnull=True).first()
    if existing is not None:
        return existing
    permission = CarerPermission.objects.create(carer=carer, scope=scope, granted_by=by)
    audit_record(
        actor=by,
        action="carer.grant",
        target=permission,
        service_user=carer.service_user,
        detail={"scope": scope},
    )
    return permission


@transaction.atomic
def carer_permission_revoke(*, carer: Carer, scope: str, by: User) -> CarerPermission | None:
    _ensure_person_decides(carer, by)
    permission = (
        CarerPermission.objects.select_for_update()
        .filter(carer=carer, scope=scope, revoked_at__isnull=True)
        .first()
    )
    if permission is None:
        return None
    permission.revoked_at = clock.now()
    permission.revoked_by = by
    permission.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    audit_record(
        actor=by,
        action="carer.revoke",
        target=permission,
        service_user=carer.service_user,
        detail={"scope": scope},
    )
    return permission
