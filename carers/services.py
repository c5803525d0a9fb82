"""Every write of the carers app: the carer's needs and experience, the assessment offer, and a
plan summary sent to a carer (exactly once per carer and plan version, through the outbox)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from careplans import selectors as plan_selectors
from dualcare import access
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError
from dualcare.notifications.models import Notification
from dualcare.notifications.services import notify, notify_address
from dualcare.people.models import Carer, User

from .models import EXPERIENCE_QUESTIONS, Answer, AssessmentOffer, CarerNeeds


def _ensure_may_write(carer: Carer, by: User) -> None:
    if not access.carers_can_write(by, carer):
        raise ApplicationError("Only the carer, or staff working with the person, can record this.")


@transaction.atomic
def carer_needs_record(*, carer: Carer, by: User, needs: str = "", answers: dict | None = None) -> CarerNeeds:
    """The carer's needs in their own words and their experience of the six Triangle of Care
    questions; recorded by the carer themselves or by staff with them."""
    _ensure_may_write(carer, by)
    answers = {key: value for key, value in (answers or {}).items() if value}
    known = {key for key, _ in EXPERIENCE_QUESTIONS}
    for key, value in answers.items():
        if key not in known or value not in Answer.values:
            raise ApplicationError(
                "Choose one answer for each question.", field=key if key in known else None
            )
    if not needs.strip() and not answers:
        raise ApplicationError("Write what you need, or answer at least one question.", field="needs")
    row = CarerNeeds.objects.create(
        carer=carer, service_user=carer.service_user, needs=needs.strip(), answers=answers, recorded_by=by
    )
    audit_record(actor=by, action="carer.needs", target=row, service_user=carer.service_user)
    return row


@transaction.atomic
def assessment_offer_record(
    *, carer: Carer, by: User, state: str, on: dt.date | None = None
) -> AssessmentOffer:
    """A carer's assessment offered, accepted, declined or referred to the council, on a day."""
    organisation = access.carers_writing_organisation(by, carer)
    if organisation is None:
        raise ApplicationError("Only staff working with the person can record a carer's assessment.")
    if state not in AssessmentOffer.State.values:
        raise ApplicationError("Choose what happened to the offer.", field="state")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ApplicationError("The date cannot be in the future.", field="on")
    row = AssessmentOffer.objects.create(
        carer=carer,
        service_user=carer.service_user,
        state=state,
        on=on,
        organisation=organisation,
        recorded_by=by,
    )
    audit_record(actor=by, action="carer.assessment_offer", target=row, service_user=carer.service_user)
    return row


def plan_summary_text(carer: Carer) -> tuple[str, object] | None:
    """(the words of the summary, the version) the carer may be sent: the published plan's sections a
    carer may see (the crisis plan: what to do and whom to call), only while the person allows the
    carer their care plan. None when there is nothing they may be sent."""
    acc = access.care_plan_access_for_carer(carer)
    if not acc.can_view:
        return None
    version = plan_selectors.current_version(plan_selectors.plan_of(carer.service_user))
    if version is None:
        return None
    lines = []
    for section in plan_selectors.version_sections(
        acc, version, reader="carer", known_as=carer.service_user.known_as
    ):
        if not section.entries:
            continue
        lines.append(section.label)
        for entry in section.entries:
            lines.extend(f"- {label}: {value}" for label, value in entry["rows"])
    if not lines:
        return None
    return "\n".join(lines), version


def plan_summary_event_key(carer: Carer, version) -> str:
    """The outbox's event key of the carer's summary of that published version (sent once)."""
    return f"carers:plan_summary:{carer.pk}:{version.pk}"


def plan_summary_sent(carer: Carer) -> bool:
    """Whether the carer has been sent the summary of the plan's current published version."""
    summary = plan_summary_text(carer)
    return (
        summary is not None
        and Notification.objects.filter(event_key=plan_summary_event_key(carer, summary[1])).exists()
    )


@transaction.atomic
def plan_summary_send(*, carer: Carer, by: User) -> Notification | None:
    """Send the carer a summary of the plan, once per carer and published version, through the
    outbox. With a login: an in-app message and an email that only says it is there (a link to sign
    in). Without one, by email: the summary the person allows (the crisis plan), never the person's
    name in the subject. By letter: refused here (staff print the carer's page and post it)."""
    if access.carers_writing_organisation(by, carer) is None:
        raise ApplicationError("Only staff working with the person can send their carer a summary.")
    if carer.ended_at is not None or not carer.wants_information:
        raise ApplicationError("This carer does not want information sent to them.")
    summary = plan_summary_text(carer)
    if summary is None:
        raise ApplicationError(
            "There is nothing to send: the person has not allowed this carer their care plan, "
            "or it has no published crisis plan."
        )
    text, version = summary
    key = plan_summary_event_key(carer, version)
    if carer.user_id is not None:
        rows = notify(
            event_key=key,
            recipients=[carer.user],
            kind="carers.plan_summary",
            subject="The care plan has been updated",
            body="A care plan you can see has been updated. Sign in to DualCare to read it.",
            url="/carer/",
            related=carer,
        )
        row = rows[0] if rows else None
    elif carer.contact_by == Carer.ContactBy.EMAIL and carer.email:
        row = notify_address(
            event_key=key,
            channel=Notification.Channel.EMAIL,
            to_address=carer.email,
            kind="carers.plan_summary",
            subject="A care plan summary for you as a carer",
            body=(
                "You are receiving this because the person you care for has agreed that you may see "
                f"their crisis plan.\n\n{text}\n\nIf you are worried about them now, call the numbers "
                "above, or 111."
            ),
            related=carer,
        )
    else:
        raise ApplicationError(
            "This carer has no email address: print their summary on this page and post it."
        )
    audit_record(
        actor=by,
        action="carer.plan_summary",
        target=carer,
        service_user=carer.service_user,
        detail={"version": str(version.pk)},
    )
    return row
