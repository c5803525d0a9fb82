"""Reading conversations, always through access (dualcare/access/conversations.py)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.urls import reverse

from dualcare import access
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError
from dualcare.ids import is_uuid
from dualcare.people.models import ServiceUser, User
from referrals.models import OPEN_STATES, Referral

from .models import Conversation, Message, Participant


def open_referrals() -> QuerySet:
    """Referrals sent or acknowledged, not yet answered: the team each is with may be addressed
    about its person, and reads the conversations it is addressed in while it stays open."""
    return Referral.objects.filter(state__in=OPEN_STATES)


def conversations_visible_to(
    user: User, *, service_user: ServiceUser | None = None, among: QuerySet | None = None
) -> QuerySet[Conversation]:
    """The conversations the user may read now, newest message first; `among`: of these few only
    (tested row by row: access.conversations_visible_to's `few`)."""
    rows = Conversation.objects.all() if among is None else among
    return access.conversations_visible_to(
        user, rows, service_user=service_user, few=among is not None
    ).order_by("-last_message_at", "-pk")


def messages_visible_to(user: User, *, service_user: ServiceUser | None = None) -> QuerySet[Message]:
    return access.conversation_messages_visible_to(
        user, Message.objects.all(), Conversation.objects.all(), service_user=service_user
    )


def messages_for_timeline(viewer: User, service_user: ServiceUser) -> QuerySet[Message]:
    """The messages about the person the viewer may read (as in the thread), newest first: served
    by the (service_user, -created_at) index. For the person's timeline, which reads the columns
    it shows (values(): the subject and organisation name by their joins), so nothing is
    select_related here."""
    return messages_visible_to(viewer, service_user=service_user).order_by("-created_at", "-pk")


def links_back(user: User, *, plan_entries=(), cases=(), service_user: ServiceUser | None = None) -> dict:
    """Where a care plan action or a link-meeting case made from a message came from: {its id: the
    message's address}, for the messages the user may read (staff pages only: the person's plan
    and the meeting's copies carry only the words). One query; none when asked about nothing.
    `service_user`: all of them are about this person (one plan's actions): the rule of one
    person's rows, rather than of every person the user may see."""
    plan_entries, cases = [getattr(e, "pk", e) for e in plan_entries], [getattr(c, "pk", c) for c in cases]
    if not plan_entries and not cases:
        return {}
    made = Q(plan_entry_id__in=plan_entries) | Q(case_notification_id__in=cases)
    links = {}
    rows = (
        messages_visible_to(user, service_user=service_user)
        .filter(made)
        .values_list("pk", "conversation_id", "plan_entry_id", "case_notification_id")
    )
    for pk, conversation_id, entry_id, case_id in rows:
        url = f"{reverse('conversations:detail', args=[conversation_id])}#message-{pk}"
        for made_id in (entry_id, case_id):
            if made_id is not None:
                links[made_id] = url
    return links


def addressed_to(user: User) -> QuerySet[Conversation]:
    """Conversations that address the user by name, or through a team of theirs as a whole, or
    that they started: the inbox "Addressed to me" (only those they may read now)."""
    teams = access.teams_of(user).values("pk")
    # The ids of the user's conversations first (one query: a UNION of the three ways in, each by
    # its own index), then the access rule tested row by row on those few. As one statement,
    # PostgreSQL's planner misjudged the union and tested the rule on each of a trust's 25,000
    # conversations (0.6 s), and priced that plan so high that it also spent seconds compiling it
    # (JIT): 14 s for keyworker.trust's inbox.
    named = Participant.objects.filter(user=user).values_list("conversation_id", flat=True)
    whole_team = Participant.objects.filter(team__in=teams, user__isnull=True).values_list(
        "conversation_id", flat=True
    )
    started = Conversation.objects.filter(started_by=user).values_list("pk", flat=True)
    ids = set(named.union(whole_team, started))
    # Then which of those the user may read now (a second query, the rule tested once for the
    # page's rows and its count alike): the list is of those ids, newest message first.
    visible = conversations_visible_to(user, among=Conversation.objects.filter(pk__in=ids))
    readable = set(visible.order_by().values_list("pk", flat=True))
    return Conversation.objects.filter(pk__in=readable).order_by("-last_message_at", "-pk")


def search(conversations: QuerySet[Conversation], words: str) -> QuerySet[Conversation]:
    """Conversations whose subject has every word (case-insensitive)."""
    for word in words.split()[:8]:
        conversations = conversations.filter(subject__icontains=word)
    return conversations


def conversation_or_404(user: User, pk, *, action: str = "conversation.view") -> Conversation:
    """One conversation the user may read, audited as a read of its person; otherwise 404,
    audited as denied (with the person, if it exists)."""
    found = (
        conversations_visible_to(user, among=Conversation.objects.filter(pk=pk))
        .select_related("service_user", "organisation", "team", "started_by", "resolved_by")
        .first()
        if is_uuid(pk)
        else None
    )
    if found is None:
        hidden = Conversation.objects.filter(pk=pk).only("service_user").first() if is_uuid(pk) else None
        audit_record(
            actor=user,
            action=action,
            service_user=hidden.service_user if hidden is not None else None,
            denied=True,
            detail={"requested_id": str(pk)[:64]},
        )
        raise access.Hidden("No such conversation.")
    audit_record(actor=user, action=action, target=found, service_user=found.service_user)
    return found


def message_of(user: User, conversation: Conversation, pk) -> Message:
    message = (
        messages_visible_to(user, service_user=conversation.service_user)
        .filter(conversation=conversation, pk=pk)
        .first()
        if is_uuid(pk)
        else None
    )
    if message is None:
        raise ApplicationError("Choose a message of this conversation.", field="message")
    return message


def thread(user: User, conversation: Conversation) -> dict:
    """What the conversation page shows: its messages the user may read, in order; who is in it;
    and the organisations that have left. A fixed number of queries, whatever the thread's length."""
    # conversation_or_404 has found the user may read it: each message's own rule is what is left.
    messages = list(
        access.conversation_messages_visible_to(
            user,
            Message.objects.all(),
            Conversation.objects.filter(pk=conversation.pk),
            service_user=conversation.service_user,
            readable=True,
        )
        .select_related("author", "organisation", "team")
        .order_by("created_at", "pk")
    )
    participants = list(
        conversation.participants.select_related("team__organisation", "user").order_by(
            "team__organisation__name", "team__name", "user__last_name"
        )
    )
    organisations = {p.team.organisation_id: p.team.organisation for p in participants}
    if conversation.organisation_id:
        organisations[conversation.organisation_id] = conversation.organisation
    left_ids = access.conversation_organisations_left(
        conversation.service_user,
        conversation.kind,
        organisation_ids=set(organisations),
        starter_id=conversation.organisation_id,
    )
    return {
        "thread_messages": messages,
        "participants": participants,
        "left": sorted((organisations[pk] for pk in left_ids), key=lambda org: org.name),
    }
