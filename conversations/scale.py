"""The trust-scale demo's case conversations, written in bulk (``manage.py demo --scale``, or
``manage.py scale_add conversations`` on a trust generated before them; see dualcare/people/scale.py).

At full scale: 25,000 conversations over the last year (about 78,000 messages) between the
organisations working with the same person, each about a person with open involvements in two or
more organisations. Each is started by the key worker of one of the person's teams and addressed,
under the kind's consent scope (access.conversation_addressable_teams: the organisation holds the
person's consent of that scope now; a pharmacy only about appointments and collections), to the
person's key worker in another organisation (four in five) or to that team as a whole. One in
eight is never answered; a third ask for a reply by a working day two to five days on, and those
unanswered past it were alerted to the addressed team's managers (as the beat does, once);
answered ones are resolved three times in five, a day or so after the last word. People with a
DualCare login are included in a few (the generated trust gives none a login, so none there).

The rows are the ones conversation_start, message_reply, conversation_resolve and
conversations_alert_overdue write: the conversation, its participants, the messages, and one
outbox row per addressed person and channel of each message (in DualCare and email, as
services._notify_message writes them), already sent, the older in-app ones read (opening the
thread marks them read: conversation_mark_read). As elsewhere in the generated trust, no audit
row per row and nobody is sent anything.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.urls import reverse

from dualcare.access import CLINICAL_ROLES, CONVERSATION_SCOPES, conversation_roles
from dualcare.bulk import indexes_set_aside, rows_write
from dualcare.notifications import kinds
from dualcare.notifications.models import Notification
from dualcare.people.models import Organisation, ServiceUser, StaffRole, User
from dualcare.people.scale import Trust, at, count
from referrals.sla import is_working_day, next_working_day

from . import services
from .models import Conversation, Kind, Message, Participant

CONVERSATIONS = 25_000
DAYS = 365
KINDS = [(Kind.GENERAL, 45), (Kind.CARE_PLAN, 20), (Kind.RISK, 12), (Kind.CONTACTS, 18), (Kind.OUTCOMES, 5)]
WHOLE_TEAM = 0.2
UNANSWERED = 0.125
REPLY_BY = 0.33
RESOLVED = 0.6
WITHDRAWN = 0.005
INCLUDES_PERSON = 0.03
# Messages in an answered conversation: 2 to 7, most often 3 (about 3.6 a conversation in all).
LENGTHS = [(2, 22), (3, 30), (4, 22), (5, 14), (6, 8), (7, 4)]

SUBJECTS = {
    Kind.GENERAL: [
        "Who is seeing them this week?",
        "Housing letter and the rent arrears",
        "Joint visit before the review",
        "Change of key worker",
        "Benefits appointment on Thursday",
    ],
    Kind.CARE_PLAN: [
        "Drinking goals in the next plan",
        "Joint review before the care plan update",
        "Their goals for the allotment group",
    ],
    Kind.RISK: [
        "Seemed low at the clinic today",
        "New partner and the safety plan",
        "Missed depot and not answering the phone",
    ],
    Kind.CONTACTS: [
        "Collections this week",
        "Missed two collections",
        "Can they collect later in the morning?",
        "Appointments clashing on Friday",
    ],
    Kind.OUTCOMES: ["HoNOS scores since the admission", "TOP at the last review"],
}
OPENINGS = [
    "Could you let me know how they have been with you lately? They mentioned a change at home.",
    "They asked us to talk to you before the review. Is there anything you would like us to raise?",
    "We saw them today and they were not their usual self. Have you noticed anything?",
    "Is the plan still for you to see them on Thursday? We would like to avoid two trips in one day.",
    "Their script changes from Monday. Is there anything on your side that needs to move with it?",
]
ANSWERS = [
    "Thanks for asking. They have been much the same with us; I will keep an eye on it this week.",
    "Yes, Thursday still stands. I will let you know if that changes.",
    "We noticed the same. I have booked an extra visit and will update you after it.",
    "I have spoken to them and they are happy for us to share this. Details are in their plan now.",
    "Not on our side. Let's keep the review as it is.",
    "Agreed. Could you book the room and I will bring the notes?",
]
FOLLOW_UPS = [
    "Thank you, that helps.",
    "Great, I will tell them today.",
    "Noted. I will come back to you after the visit.",
    "Thanks. Let's pick this up at the review.",
]


def scale_add(trust: Trust) -> dict[str, int]:
    """Write the conversations, their participants and messages, and the messages' outbox rows;
    returns how many of each."""
    rng = trust.rng("conversations")
    now, today = trust.now, trust.today
    with_email = set(User.objects.filter(kind=User.Kind.STAFF).exclude(email="").values_list("pk", flat=True))
    logins = dict(ServiceUser.objects.filter(user__isnull=False).values_list("pk", "user_id"))
    spells_of: dict = defaultdict(list)
    # In id order throughout, so a trust read back from its rows draws the same as the fresh one.
    for spell in sorted(trust.open_involvements(), key=lambda spell: str(spell.id)):
        spells_of[spell.service_user_id].append(spell)
    shared = sorted(
        person for person, spells in spells_of.items() if len({s.team.organisation_id for s in spells}) > 1
    )
    out = {"conversations": [], "participants": [], "messages": [], "notifications": []}
    if not shared:
        return _write(out)
    kinds_drawn, weights = zip(*KINDS, strict=True)
    lengths, length_weights = zip(*LENGTHS, strict=True)
    domain = _domain()
    wanted = count(CONVERSATIONS, trust.scale, least=1)
    tries = 0
    while len(out["conversations"]) < wanted and tries < wanted * 20:
        tries += 1
        person = rng.choice(shared)
        kind = rng.choices(kinds_drawn, weights)[0]
        pair = _pair(rng, trust, spells_of[person], person, kind)
        if pair is None:
            continue
        writer_spell, addressed_spell = pair
        _conversation(
            out, rng, trust, person=person, kind=kind, writer_spell=writer_spell,
            addressed_spell=addressed_spell, length=rng.choices(lengths, length_weights)[0],
            person_user=logins.get(person), with_email=with_email, domain=domain, now=now, today=today,
        )  # fmt: skip
    return _write(out)


def _write(out: dict) -> dict[str, int]:
    with indexes_set_aside(Conversation, Participant, Message, Notification):
        return {
            "conversations": rows_write(Conversation, out["conversations"]),
            "conversation participants": rows_write(Participant, out["participants"]),
            "conversation messages": rows_write(Message, out["messages"]),
            "conversation notifications": rows_write(Notification, out["notifications"]),
        }


def _domain() -> str:
    # The outbox rows' Message-IDs, on the site's domain as new_message_id makes them.
    return Notification._meta.get_field("message_id").get_default().rpartition("@")[2].rstrip(">")


def _worker(spell, kind: str) -> object | None:
    """Who speaks for the team about the person: their key worker there, else a member whose role
    reads the kind (a pharmacist at a pharmacy)."""
    if spell.team.kind == Organisation.Kind.PHARMACY:
        pharmacists = sorted(spell.team.roles.get(StaffRole.Role.PHARMACIST, []), key=str)
        return pharmacists[0] if pharmacists else None
    if spell.key_worker_id:
        return spell.key_worker_id
    workers = sorted(spell.team.workers, key=str)
    return workers[0] if workers else None


def _managers(trust: Trust, team) -> list:
    """access.team_managers: the team's managers, else its organisation's, else its clinical staff."""
    manager = StaffRole.Role.TEAM_MANAGER
    same_organisation = [t for t in trust.teams if t.organisation_id == team.organisation_id]
    of_org = [u for t in same_organisation for u in t.roles.get(manager, [])]
    clinical = [u for role in CLINICAL_ROLES for u in team.roles.get(role, [])]
    return team.roles.get(manager) or of_org or clinical


def _pair(rng, trust: Trust, spells, person, kind):
    """(the writer's spell, the addressed spell) as conversation_start allows them, or None."""
    scope = CONVERSATION_SCOPES[kind]
    writers = [s for s in spells if s.team.kind != Organisation.Kind.PHARMACY and s.key_worker_id]
    if not writers:
        return None
    writer = rng.choice(writers)
    others = [
        s for s in spells
        if s.team.organisation_id != writer.team.organisation_id
        and (s.team.kind != Organisation.Kind.PHARMACY or kind == Kind.CONTACTS)
        and scope in trust.consents.get((person, s.team.organisation_id), set())
        and _worker(s, kind) is not None
    ]  # fmt: skip
    if kind == Kind.CONTACTS:
        others = [s for s in others if s.team.kind == Organisation.Kind.PHARMACY] or others
    if not others:
        return None
    return writer, rng.choice(others)


def _working_time(rng, day: dt.date, earliest: dt.datetime, now: dt.datetime) -> dt.datetime:
    while not is_working_day(day):
        day = next_working_day(day)
    when = max(at(day, rng.randint(9 * 60, 17 * 60)), earliest)
    return min(when, now - dt.timedelta(minutes=rng.randint(5, 60)))


def _conversation(out, rng, trust, *, person, kind, writer_spell, addressed_spell, length, person_user,
                  with_email, domain, now, today) -> None:  # fmt: skip
    starter = writer_spell.key_worker_id
    first_day = max(writer_spell.start, addressed_spell.start, today - dt.timedelta(days=DAYS - 1))
    span = max((today - first_day).days, 0)
    started = _working_time(rng, first_day + dt.timedelta(days=rng.randint(0, span)), at(first_day, 0), now)
    whole_team = rng.random() < WHOLE_TEAM
    named = None if whole_team else _worker(addressed_spell, kind)
    roles = conversation_roles(kind)
    team_members = sorted(
        {user for role in roles for user in addressed_spell.team.roles.get(role, [])}, key=str
    )
    if whole_team and not team_members:
        return
    answered = rng.random() >= UNANSWERED
    reply_by = None
    if rng.random() < REPLY_BY:
        reply_by = started.date()
        for _ in range(rng.randint(2, 5)):
            reply_by = next_working_day(reply_by)
    includes_person = person_user is not None and rng.random() < INCLUDES_PERSON
    conversation_id = trust.uuid(rng)
    url = reverse("conversations:detail", args=[conversation_id])
    addressed = set(team_members if whole_team else [named]) | {starter}
    if includes_person:
        addressed.add(person_user)
    repliers = team_members if whole_team else [named]

    times, authors = [started], [(starter, writer_spell.team)]
    if answered:
        when = started
        for n in range(1, length):
            when = when + dt.timedelta(hours=rng.randint(1, 30), minutes=rng.randint(0, 59))
            if when >= now:
                break
            times.append(when)
            if n % 2:
                authors.append((rng.choice(repliers), addressed_spell.team))
            else:
                authors.append((starter, writer_spell.team))
    first_reply_at = times[1] if len(times) > 1 else None
    last = times[-1]
    resolved_at = None
    if first_reply_at and rng.random() < RESOLVED:
        resolved_at = last + dt.timedelta(hours=rng.randint(2, 30))
        resolved_at = resolved_at if resolved_at < now else None
    overdue_alerted_at = None
    if reply_by is not None and first_reply_at is None and reply_by < today and resolved_at is None:
        overdue_alerted_at = min(at(reply_by + dt.timedelta(days=1), 15), now)
    out["conversations"].append(
        {
            "id": conversation_id,
            "service_user_id": person,
            "kind": kind,
            "subject": rng.choice(SUBJECTS[kind]),
            "organisation_id": writer_spell.team.organisation_id,
            "team_id": writer_spell.team.id,
            "started_by_id": starter,
            "includes_service_user": includes_person,
            "reply_by": reply_by,
            "overdue_alerted_at": overdue_alerted_at,
            "first_reply_at": first_reply_at,
            "resolved_at": resolved_at,
            "resolved_by_id": starter if resolved_at else None,
            "last_message_at": last,
            "created_at": started,
            "updated_at": resolved_at or last,
        }
    )
    out["participants"].append(
        {
            "id": trust.uuid(rng),
            "conversation_id": conversation_id,
            "team_id": addressed_spell.team.id,
            "user_id": named,
            "added_by_id": starter,
            "created_at": started,
            "updated_at": started,
        }
    )
    for n, (when, (author, team)) in enumerate(zip(times, authors, strict=True)):
        message_id = trust.uuid(rng)
        text = rng.choice(OPENINGS) if n == 0 else rng.choice(ANSWERS if n % 2 else FOLLOW_UPS)
        withdrawn = rng.random() < WITHDRAWN
        out["messages"].append(
            {
                "id": message_id,
                "conversation_id": conversation_id,
                "service_user_id": person,
                "author_id": author,
                "kind": kind,
                "organisation_id": team.organisation_id,
                "team_id": team.id,
                "text": text,
                "withdrawn_at": when + dt.timedelta(minutes=rng.randint(2, 30)) if withdrawn else None,
                "created_at": when,
                "updated_at": when,
            }
        )
        for recipient in sorted(addressed - {author}, key=str):
            person_side = recipient == person_user
            message = services.message_notification(for_service_user=person_side)
            for channel in (Notification.Channel.IN_APP, Notification.Channel.EMAIL):
                if channel == Notification.Channel.EMAIL and (person_side or recipient not in with_email):
                    continue
                read = channel == Notification.Channel.IN_APP and (
                    when < now - dt.timedelta(days=3) and rng.random() < 0.95 or rng.random() < 0.4
                )
                out["notifications"].append(
                    _sent(
                        trust, rng, domain, when, now, event_key=f"conversation.message:{message_id}",
                        recipient=recipient, channel=channel, kind=services.MESSAGE_KIND,
                        url=(reverse("conversations:mine_detail", args=[conversation_id]) if person_side
                             else f"{url}#message-{message_id}"),
                        conversation_id=conversation_id, person=person, read=read, **message,
                    )
                )  # fmt: skip
    if overdue_alerted_at is not None:
        managers = _managers(trust, addressed_spell.team)
        alert = services.overdue_notification()
        for manager in sorted(set(managers), key=str):
            for channel in (Notification.Channel.IN_APP, Notification.Channel.EMAIL):
                if channel == Notification.Channel.EMAIL and manager not in with_email:
                    continue
                out["notifications"].append(
                    _sent(
                        trust, rng, domain, overdue_alerted_at, now,
                        event_key=f"conversation.reply_overdue:{conversation_id}:{addressed_spell.team.id}",
                        recipient=manager, channel=channel, kind=services.OVERDUE_KIND, url=url,
                        conversation_id=conversation_id, person=person, read=False,
                        team_id=addressed_spell.team.id, **alert,
                    )
                )  # fmt: skip


def _sent(trust, rng, domain, when, now, *, event_key, recipient, channel, kind, subject, body, url,
          conversation_id, person, read, team_id=None) -> dict:  # fmt: skip
    """One outbox row as notify writes it, delivered a few seconds later (and read, if `read`)."""
    sent = when + dt.timedelta(seconds=rng.randint(1, 20))
    return {
        "id": trust.uuid(rng),
        "event_key": event_key,
        "recipient_id": recipient,
        "to_address": "",
        "channel": channel,
        "kind": kind,
        "subject": subject[:200],
        "body": body,
        "url": url,
        "related_type": "conversations.conversation",
        "related_id": str(conversation_id),
        "service_user_id": person,
        "state": Notification.State.SENT,
        "message_id": f"<{trust.uuid(rng).hex}@{domain}>",
        "attempts": 1,
        "created_at": when,
        "sending_at": sent,
        "sent_at": sent,
        "read_at": min(when + dt.timedelta(hours=rng.randint(1, 48)), now) if read else None,
        "priority": Notification.Priority.NORMAL,
        "team_id": team_id,
        "needs_action": kinds.needs_action(kind),
    }
