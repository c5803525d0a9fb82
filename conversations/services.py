"""Every write to conversations: start, reply, withdraw, resolve, include the person, and what is
made from a message (a care plan action, a case for the next link meeting).

Each service runs in one transaction, checks that the writer may read the conversation now
(access.conversations_visible_to), writes an audit row, and puts one outbox row per addressed
person and channel in the same transaction (notify, keyed by the message: a retry adds nothing).
Notification subjects and bodies name nobody: only a link to the conversation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse

from dualcare import access, clock
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.notifications.services import notify, notify_many
from dualcare.people.models import Involvement, ServiceUser, Team, User
from referrals.sla import is_working_day, next_working_day

from .models import MAX_SUBJECT, MAX_TEXT, Conversation, Kind, Message, Participant

MESSAGE_KIND = "conversation.message"
OVERDUE_KIND = "conversation.reply_overdue"


def message_notification(*, for_service_user: bool = False) -> dict:
    """A new message's outbox subject and body: a link's worth of words, naming nobody."""
    body = (
        "Your care team has sent you a message. Open DualCare to read it."
        if for_service_user
        else "You have a new message in a conversation. Open DualCare to read it."
    )
    return {"subject": "New message in a conversation in DualCare", "body": body}


def overdue_notification() -> dict:
    """The overdue-reply alert's subject and body, naming nobody."""
    return {
        "subject": "A conversation has not been answered in time",
        "body": "A question to your team in DualCare has passed its reply-by date with no answer. "
        "Open DualCare to see it.",
    }


def conversation_url(conversation: Conversation, *, for_service_user: bool = False) -> str:
    name = "conversations:mine_detail" if for_service_user else "conversations:detail"
    return reverse(name, args=[conversation.pk])


def message_url(message: Message) -> str:
    return f"{conversation_url(message.conversation)}#message-{message.pk}"


def _clean_text(text: str) -> str:
    # Plain text with its line breaks (\r\n from a browser becomes \n); shown escaped.
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ApplicationError("Write your message.", field="text")
    if len(text) > MAX_TEXT:
        raise ApplicationError(f"Keep your message under {MAX_TEXT:,} characters.", field="text")
    return text


def _clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise ApplicationError("Enter a subject.", field="subject")
    if len(subject) > MAX_SUBJECT:
        raise ApplicationError(f"Keep the subject under {MAX_SUBJECT} characters.", field="subject")
    return subject


def _clean_reply_by(reply_by: dt.date | None) -> dt.date | None:
    if reply_by is None:
        return None
    if reply_by < clock.today():
        raise ApplicationError("The reply-by date must be today or later.", field="reply_by")
    if not is_working_day(reply_by):
        suggestion = next_working_day(reply_by)
        raise ApplicationError(
            "The reply-by date must be a working day (not a weekend or bank holiday): "
            f"for example {suggestion.day} {suggestion:%B %Y}.",
            field="reply_by",
        )
    return reply_by


def _stamp(row, now) -> None:
    """A build on a frozen clock (the demo) dates the row by that clock, as its other times are;
    created_at is auto_now_add, so it is set after the insert."""
    if clock.is_frozen():
        type(row).objects.filter(pk=row.pk).update(created_at=now)
        row.created_at = now


def _ensure_can_read(user: User, conversation: Conversation) -> None:
    visible = access.conversations_visible_to(user, Conversation.objects.filter(pk=conversation.pk))
    if not visible.exists():
        raise access.Hidden("No such conversation.")


def _may_read(user: User, conversation: Conversation) -> bool:
    return access.conversations_visible_to(user, Conversation.objects.filter(pk=conversation.pk)).exists()


@transaction.atomic
def conversation_start(
    *,
    service_user: ServiceUser,
    by: User,
    kind: str,
    subject: str,
    text: str,
    teams: Iterable[Team] = (),
    staff: Iterable[User] = (),
    reply_by: dt.date | None = None,
    includes_service_user: bool = False,
) -> Conversation:
    """Start a conversation about the person from the writer's involved team, addressed to teams
    and/or named staff of teams that may be addressed (access.conversation_addressable_teams)."""
    team = access.ensure_can_act_for(by, service_user)
    if kind not in Kind.values:
        raise ApplicationError("Choose what the conversation is about.", field="kind")
    subject = _clean_subject(subject)
    text = _clean_text(text)
    reply_by = _clean_reply_by(reply_by)
    addressable = {
        t.pk: t
        for t in access.conversation_addressable_teams(
            service_user, kind, by_organisation_id=team.organisation_id
        )
    }
    teams, staff = list(dict.fromkeys(teams)), list(dict.fromkeys(staff))
    for chosen in teams:
        if chosen.pk not in addressable:
            raise ApplicationError(
                f"{chosen.name} cannot be addressed about this: it is not working with the person, or "
                "the person has not agreed to share this kind of information with its organisation.",
                field="teams",
            )
    named: list[tuple[Team, User]] = []
    for person in staff:
        member_of = access.teams_of(person, roles=access.conversation_roles(kind)).filter(
            pk__in=list(addressable)
        )
        first = member_of.first()
        if first is None or person == by:
            raise ApplicationError(
                f"{person.display_name} cannot be addressed about this person and this kind of information.",
                field="staff",
            )
        named.append((addressable[first.pk], person))
    if not teams and not named:
        raise ApplicationError("Choose at least one team or person to address.", field="teams")
    return _open(
        by=by,
        team=team,
        text=text,
        addressed=[(t, None) for t in teams] + named,
        audit_detail={"kind": kind, "teams": len(teams), "staff": len(named)},
        service_user=service_user,
        kind=kind,
        subject=subject,
        organisation=team.organisation,
        includes_service_user=includes_service_user,
        reply_by=reply_by,
    )


def _open(*, by: User, team: Team | None, text: str, addressed, audit_detail=None, **fields) -> Conversation:
    """Write the conversation (`fields`), its addressed teams or named members ((team, user or
    None)), the audit row and the first message: conversation_start's and the portal's."""
    now = clock.now()
    conversation = Conversation.objects.create(started_by=by, team=team, last_message_at=now, **fields)
    _stamp(conversation, now)
    Participant.objects.bulk_create(
        [Participant(conversation=conversation, team=t, user=u, added_by=by) for t, u in addressed]
    )
    audit_record(
        actor=by,
        action="conversation.start",
        target=conversation,
        service_user=conversation.service_user,
        organisation=team.organisation if team else None,
        detail=audit_detail,
    )
    _add_message(conversation, by=by, team=team, text=text, now=now)
    return conversation


@transaction.atomic
def conversation_start_by_service_user(*, by: User, subject: str, text: str) -> Conversation:
    """A person starts a message to their care team from their portal: it goes to the teams of
    their key workers (general care coordination, the person included)."""
    service_user = access.service_user_of(by)
    if service_user is None:
        raise access.Hidden("No such record.")
    subject = _clean_subject(subject)
    text = _clean_text(text)
    team_ids = (
        Involvement.objects.filter(service_user=service_user, end__isnull=True, key_worker__isnull=False)
        .values_list("team_id", flat=True)
        .distinct()
    )
    teams = list(Team.objects.filter(pk__in=list(team_ids)).order_by("name"))
    if not teams:
        raise ApplicationError(
            "You do not have a key worker yet, so there is no one to send this to. "
            "Please phone your care team.",
            field="text",
        )
    return _open(
        by=by,
        team=None,
        text=text,
        addressed=[(t, None) for t in teams],
        service_user=service_user,
        kind=Kind.GENERAL,
        subject=subject,
        includes_service_user=True,
    )


def _writing_team(by: User, conversation: Conversation) -> Team | None:
    """The team a staff member writes for: one of theirs in the conversation (else an involved one)."""
    if by.kind != User.Kind.STAFF:
        return None
    mine = access.teams_of(by)
    in_it = mine.filter(pk__in=conversation.participants.values("team_id")).first()
    if in_it is not None:
        return in_it
    if conversation.team_id and mine.filter(pk=conversation.team_id).exists():
        return conversation.team
    involved = mine.filter(
        involvements__service_user=conversation.service_user, involvements__end__isnull=True
    )
    return involved.first() or mine.first()


@transaction.atomic
def message_reply(*, conversation: Conversation, by: User, text: str) -> Message:
    """Reply in the conversation: a resolved one opens again."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    _ensure_can_read(by, conversation)
    text = _clean_text(text)
    now = clock.now()
    fields = ["last_message_at", "updated_at"]
    if conversation.resolved_at is not None:
        conversation.resolved_at, conversation.resolved_by = None, None
        fields += ["resolved_at", "resolved_by"]
    team = _writing_team(by, conversation)
    organisation_id = team.organisation_id if team else None
    if conversation.first_reply_at is None and organisation_id != conversation.organisation_id:
        # An answer from anyone but the organisation that asked (the person's own counts).
        conversation.first_reply_at = now
        fields.append("first_reply_at")
    conversation.last_message_at = now
    conversation.save(update_fields=fields)
    return _add_message(conversation, by=by, team=team, text=text, now=now)


def _add_message(conversation: Conversation, *, by: User, team: Team | None, text: str, now) -> Message:
    message = Message.objects.create(
        conversation=conversation,
        service_user=conversation.service_user,
        kind=conversation.kind,
        author=by,
        organisation=team.organisation if team else None,
        team=team,
        text=text,
    )
    _stamp(message, now)
    audit_record(
        actor=by,
        action="conversation.message",
        target=message,
        service_user=conversation.service_user,
        organisation=team.organisation if team else None,
    )
    _notify_message(message)
    return message


def addressed_people(conversation: Conversation) -> set[User]:
    """Everyone a message in the conversation is for: staff named in it, the members of teams
    addressed as a whole, whoever started it, and the person when included (each only while they
    may read it)."""
    participants = list(conversation.participants.all())
    people = {p.user for p in participants if p.user_id}
    whole_teams = [p.team_id for p in participants if p.user_id is None]
    if whole_teams:
        people |= set(access.conversation_team_members(whole_teams, conversation.kind))
    people.add(conversation.started_by)
    if conversation.includes_service_user and conversation.service_user.user_id:
        people.add(conversation.service_user.user)
    return {person for person in people if person.is_active and _may_read(person, conversation)}


def _notify_message(message: Message) -> None:
    conversation = message.conversation
    recipients = sorted(addressed_people(conversation) - {message.author}, key=lambda user: str(user.pk))
    staff = [user for user in recipients if user.kind == User.Kind.STAFF]
    person = [user for user in recipients if user.kind == User.Kind.SERVICE_USER]
    common = {
        "kind": MESSAGE_KIND,
        "related": conversation,
        "service_user": conversation.service_user,
    }
    if staff:
        notify(
            event_key=f"conversation.message:{message.pk}",
            recipients=staff,
            url=message_url(message),
            **common,
            **message_notification(),
        )
    if person:
        notify(
            event_key=f"conversation.message:{message.pk}",
            recipients=person,
            url=conversation_url(conversation, for_service_user=True),
            **common,
            **message_notification(for_service_user=True),
        )


@transaction.atomic
def message_withdraw(*, message: Message, by: User) -> Message:
    """The author withdraws a message sent in error: shown as withdrawn, its text kept for the audit."""
    message = Message.objects.select_for_update().select_related("conversation").get(pk=message.pk)
    _ensure_can_read(by, message.conversation)
    if message.author_id != by.pk:
        raise access.Refused("Only the person who wrote a message can withdraw it.")
    if message.withdrawn_at is not None:
        raise StateConflict("This message has already been withdrawn.", field="message")
    message.withdrawn_at = clock.now()
    message.save(update_fields=["withdrawn_at", "updated_at"])
    audit_record(
        actor=by, action="conversation.message_withdraw", target=message, service_user=message.service_user
    )
    return message


@transaction.atomic
def conversation_resolve(*, conversation: Conversation, by: User) -> Conversation:
    """Mark the conversation resolved (closed); any reply opens it again."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    _ensure_can_read(by, conversation)
    if by.kind != User.Kind.STAFF:
        raise access.Refused("Only staff can mark a conversation resolved.")
    if conversation.resolved_at is not None:
        raise StateConflict("This conversation is already resolved.", field="conversation")
    conversation.resolved_at, conversation.resolved_by = clock.now(), by
    conversation.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
    audit_record(
        actor=by, action="conversation.resolve", target=conversation, service_user=conversation.service_user
    )
    return conversation


@transaction.atomic
def conversation_include_service_user(*, conversation: Conversation, by: User) -> Conversation:
    """ "Ask Sam": the person may read and answer the conversation in their portal from now on."""
    conversation = (
        Conversation.objects.select_for_update().select_related("service_user").get(pk=conversation.pk)
    )
    _ensure_can_read(by, conversation)
    access.ensure_can_act_for(by, conversation.service_user)
    if conversation.includes_service_user:
        raise StateConflict("The person is already in this conversation.", field="conversation")
    if conversation.service_user.user_id is None:
        raise ApplicationError(
            "This person has no DualCare login, so they cannot read messages here.", field="conversation"
        )
    conversation.includes_service_user = True
    conversation.save(update_fields=["includes_service_user", "updated_at"])
    audit_record(
        actor=by,
        action="conversation.include_service_user",
        target=conversation,
        service_user=conversation.service_user,
    )
    return conversation


def _message_for_action(message: Message, by: User, *, made: str, already: str) -> Message:
    """The message, locked, that the writer may read, not withdrawn, and with nothing made from it
    yet in `made` (its plan_entry or case_notification)."""
    message = (
        Message.objects.select_for_update().select_related("conversation__service_user").get(pk=message.pk)
    )
    _ensure_can_read(by, message.conversation)
    if message.withdrawn_at is not None:
        raise StateConflict("This message was withdrawn.", field="message")
    if getattr(message, f"{made}_id") is not None:
        raise StateConflict(already, field="message")
    return message


def _made_from(message: Message, by: User, *, made: str, row, action: str, noted: str) -> Message:
    """Join what was made to the message (the staff's pages link back through it), audited."""
    setattr(message, made, row)
    message.save(update_fields=[made, "updated_at"])
    audit_record(
        actor=by,
        action=action,
        target=message,
        service_user=message.service_user,
        detail={noted: str(row.pk)},
    )
    return message


@transaction.atomic
def message_make_plan_action(*, message: Message, by: User, text: str, due_date: dt.date) -> Message:
    """A care plan action from a message, owned by the writer's organisation and due on a date. The
    action's words are the writer's only (the person reads them in their plan): the staff's plan
    page links back to the message (Message.plan_entry, selectors.links_back)."""
    from careplans.models import ActionOwner, Section
    from careplans.services import entry_add

    message = _message_for_action(
        message, by, made="plan_entry", already="A care plan action has already been made from this message."
    )
    text = _clean_text(text)
    if due_date is None:
        raise ApplicationError("Enter the due date.", field="due_date")
    if due_date < clock.today():
        raise ApplicationError("The due date must be today or later.", field="due_date")
    entry = entry_add(
        service_user=message.service_user,
        section=Section.ACTION,
        by=by,
        text=text,
        owner_kind=ActionOwner.ORGANISATION,
        due_date=due_date,
    )
    return _made_from(
        message,
        by,
        made="plan_entry",
        row=entry,
        action="conversation.message_plan_action",
        noted="plan_entry",
    )


@transaction.atomic
def message_notify_link_meeting(*, message: Message, by: User, meeting, **presentation) -> Message:
    """The message's case for a link meeting (linkworkers.services.case_notify), in the writer's
    words: the meeting's staff pages link back to the message (Message.case_notification)."""
    from linkworkers.services import case_notify

    message = _message_for_action(
        message,
        by,
        made="case_notification",
        already="This message's case has already been sent to a link meeting.",
    )
    case = case_notify(meeting=meeting, service_user=message.service_user, by=by, **presentation)
    return _made_from(
        message,
        by,
        made="case_notification",
        row=case,
        action="conversation.message_link_meeting",
        noted="case",
    )


@transaction.atomic
def conversation_mark_read(*, user: User, conversation: Conversation) -> int:
    """The user's unread message notifications of this conversation become read (they opened it)."""
    from dualcare.notifications.models import Notification

    return Notification.objects.filter(
        recipient=user,
        channel=Notification.Channel.IN_APP,
        kind=MESSAGE_KIND,
        related_type="conversations.conversation",
        related_id=str(conversation.pk),
        read_at__isnull=True,
    ).update(read_at=clock.now())


# Conversations alerted per transaction: one claim, one read of the teams addressed, one read of
# what each manager may read, and one INSERT of outbox rows for each batch (as reminders are).
OVERDUE_BATCH = 100


def conversations_alert_overdue(
    *, today: dt.date | None = None, limit: int = 500, batch: int = OVERDUE_BATCH
) -> int:
    """Tell the addressed teams' managers of each conversation whose reply-by date has passed with
    no answer: once per conversation. Conversations are handled `batch` at a time, each batch
    claimed (a locking read that skips rows another run holds, then a conditional UPDATE of
    overdue_alerted_at) in the transaction that writes its alerts, whose event keys back the claim:
    two beats, a retried task, or a run killed mid-batch (its batch rolled back, and alerted by the
    next run) alert each once. Returns how many conversations were alerted."""
    today = today or clock.today()
    due = list(
        Conversation.objects.filter(
            reply_by__lt=today,
            first_reply_at__isnull=True,
            overdue_alerted_at__isnull=True,
            resolved_at__isnull=True,
        )
        .order_by("reply_by", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(_alert_overdue_batch(due[start : start + batch]) for start in range(0, len(due), batch))


@transaction.atomic
def _alert_overdue_batch(pks: list) -> int:
    """Claim the batch's conversations still unanswered and not yet alerted, and alert each one's
    addressed teams' managers (those who may read it): returns how many were claimed."""
    claimable = Conversation.objects.filter(
        pk__in=pks, overdue_alerted_at__isnull=True, first_reply_at__isnull=True, resolved_at__isnull=True
    )
    claimed = set(claimable.select_for_update(skip_locked=True).order_by().values_list("pk", flat=True))
    if not claimed:
        return 0
    if claimable.filter(pk__in=claimed).update(overdue_alerted_at=clock.now()) != len(claimed):
        # Only a database without row locks lets another run claim some of them in between:
        # nothing of this batch is written, and the next run has what is left.
        transaction.set_rollback(True)
        return 0
    conversations = Conversation.objects.in_bulk(claimed)
    teams_of_conversation: dict = {}
    for conversation_id, team_id in (
        Participant.objects.filter(conversation_id__in=claimed)
        .order_by("team_id")
        .values_list("conversation_id", "team_id")
        .distinct()
    ):
        teams_of_conversation.setdefault(conversation_id, []).append(team_id)
    team_ids = sorted({team_id for ids in teams_of_conversation.values() for team_id in ids}, key=str)
    managers = {team_id: access.team_managers(team_id) for team_id in team_ids}
    teams = Team.objects.in_bulk(team_ids)
    readable = {
        manager.pk: set(
            access.conversations_visible_to(manager, Conversation.objects.filter(pk__in=claimed)).values_list(
                "pk", flat=True
            )
        )
        for manager in {m.pk: m for found in managers.values() for m in found}.values()
    }
    alert = overdue_notification()
    events = []
    for conversation_id in sorted(claimed, key=str):
        conversation = conversations[conversation_id]
        for team_id in teams_of_conversation.get(conversation_id, []):
            told = [m for m in managers[team_id] if conversation_id in readable[m.pk]]
            if told:
                events.append(
                    {
                        "event_key": f"conversation.reply_overdue:{conversation_id}:{team_id}",
                        "recipients": told,
                        "kind": OVERDUE_KIND,
                        "url": conversation_url(conversation),
                        "related": conversation,
                        "service_user": conversation.service_user_id,
                        "team": teams[team_id],
                        **alert,
                    }
                )
    if events:
        notify_many(events, return_rows=False)
    return len(claimed)
