"""Conversation pages: the inbox "Addressed to me", a person's conversations, start one, the
thread (reply, resolve, withdraw, include the person, make a plan action or a link-meeting case),
and the person's own "Messages with your care team" in their portal.

Views are thin: reads through selectors (access), writes through services. A service's refusal
(ApplicationError) becomes a form error; a conversation the viewer may not read is a 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dualcare import access, clock
from dualcare.exceptions import ApplicationError
from dualcare.people.decorators import service_user_required, staff_required
from dualcare.people.models import StaffRole

from . import selectors, services
from .forms import LinkMeetingForm, PlanActionForm, PortalStartForm, ReplyForm, StartForm

PAGE_SIZE = 25


def _page(request, rows):
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return page


def _search_words(request) -> str:
    return " ".join((request.GET.get("q") or "").split())[:100]


def _list_context(page, words: str) -> dict:
    return {
        "page": page,
        "q": words,
        "query": urlencode({"q": words}) if words else "",
        "today": clock.today(),
    }


def _listed(rows):
    return rows.select_related("service_user", "organisation", "started_by")


@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    words = _search_words(request)
    rows = selectors.search(selectors.addressed_to(request.user), words)
    page = _page(request, _listed(rows))
    access.audit_list_read(request.user, list(page.object_list), action="conversation.inbox.view")
    return render(request, "conversations/inbox.html", _list_context(page, words))


@staff_required
def for_person(request: HttpRequest, service_user_pk) -> HttpResponse:
    person = access.get_service_user_or_404(request.user, service_user_pk, action="conversation.list")
    words = _search_words(request)
    rows = selectors.search(selectors.conversations_visible_to(request.user, service_user=person), words)
    page = _page(request, _listed(rows))
    return render(
        request,
        "conversations/for_person.html",
        {
            **_list_context(page, words),
            "person": person,
            "can_start": access.can_act_for(request.user, person),
        },
    )


def _start_form(request, person, team):
    kind = request.POST.get("kind") or "general"
    if kind not in access.CONVERSATION_SCOPES:
        kind = "general"
    teams = list(access.conversation_addressable_teams(person, kind, by_organisation_id=team.organisation_id))
    roles = (
        access.roles_in_force(team__in=teams, role__in=sorted(access.conversation_roles(kind)))
        .exclude(user=request.user)
        .select_related("user", "team")
        .order_by("user__last_name", "user__first_name", "team__name")
    )
    staff = list({role.user_id: (role.user, role.team) for role in roles}.values())
    return StartForm(
        request.POST or None,
        teams=teams,
        staff=staff,
        can_include_person=person.user_id is not None,
        person_name=person.preferred_name or person.given_name,
    )


@staff_required
def start(request: HttpRequest, service_user_pk) -> HttpResponse:
    person = access.get_service_user_or_404(request.user, service_user_pk, action="conversation.start_form")
    team = access.ensure_can_act_for(request.user, person)
    form = _start_form(request, person, team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            conversation = services.conversation_start(
                service_user=person,
                by=request.user,
                kind=data["kind"],
                subject=data["subject"],
                text=data["text"],
                teams=data["teams"],
                staff=data["staff"],
                reply_by=data.get("reply_by"),
                includes_service_user=bool(data.get("includes_service_user")),
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(request, "Conversation started. The people you addressed have been told.")
            return redirect("conversations:detail", pk=conversation.pk)
    status = 400 if form.errors else 200
    return render(request, "conversations/start.html", {"person": person, "form": form}, status=status)


def _detail(request, conversation, *, reply_form=None, status=200, template="conversations/detail.html"):
    services.conversation_mark_read(user=request.user, conversation=conversation)
    context = selectors.thread(request.user, conversation)
    context.update(
        {
            "conversation": conversation,
            "person": conversation.service_user,
            "reply_form": reply_form or ReplyForm(),
            "today": clock.today(),
            "can_act": request.user.kind == "staff"
            and access.can_act_for(request.user, conversation.service_user),
        }
    )
    return render(request, template, context, status=status)


@staff_required
def detail(request: HttpRequest, pk) -> HttpResponse:
    conversation = selectors.conversation_or_404(request.user, pk)
    return _detail(request, conversation)


@require_POST
@staff_required
def reply(request: HttpRequest, pk) -> HttpResponse:
    conversation = selectors.conversation_or_404(request.user, pk, action="conversation.reply")
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            message = services.message_reply(
                conversation=conversation, by=request.user, text=form.cleaned_data["text"]
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(request, "Reply sent.")
            return redirect(services.message_url(message))
    return _detail(request, conversation, reply_form=form, status=400)


def _thread_button(name: str, *, action: str, service, done: str):
    """A button on the thread that calls one service: its refusal is a message at the top of the
    thread, as is what it did, and back to the thread."""

    @require_POST
    @staff_required
    def view(request: HttpRequest, pk) -> HttpResponse:
        conversation = selectors.conversation_or_404(request.user, pk, action=action)
        try:
            service(conversation=conversation, by=request.user)
        except ApplicationError as error:
            flash.error(request, error.message)
        else:
            flash.success(request, done)
        return redirect("conversations:detail", pk=conversation.pk)

    view.__name__ = view.__qualname__ = name
    return view


resolve = _thread_button(
    "resolve",
    action="conversation.resolve",
    service=services.conversation_resolve,
    done="Marked as resolved. Any reply opens it again.",
)
include_person = _thread_button(
    "include_person",
    action="conversation.include_service_user",
    service=services.conversation_include_service_user,
    done="The person can now read and answer this conversation in their portal.",
)


@require_POST
@staff_required
def withdraw(request: HttpRequest, pk, message_pk) -> HttpResponse:
    conversation = selectors.conversation_or_404(request.user, pk, action="conversation.message_withdraw")
    try:
        message = selectors.message_of(request.user, conversation, message_pk)
        services.message_withdraw(message=message, by=request.user)
    except ApplicationError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, "Message withdrawn.")
    return redirect("conversations:detail", pk=conversation.pk)


@staff_required
def plan_action(request: HttpRequest, pk, message_pk) -> HttpResponse:
    conversation = selectors.conversation_or_404(request.user, pk, action="conversation.message_plan_action")
    message = selectors.message_of(request.user, conversation, message_pk)
    access.ensure_can_act_for(request.user, conversation.service_user)
    form = PlanActionForm(request.POST or None, initial={"text": message.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.message_make_plan_action(
                message=message,
                by=request.user,
                text=form.cleaned_data["text"],
                due_date=form.cleaned_data["due_date"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(request, "Care plan action made. It links back to this message.")
            return redirect(services.message_url(message))
    status = 400 if form.errors else 200
    context = {"conversation": conversation, "message": message, "form": form}
    return render(request, "conversations/plan_action.html", context, status=status)


def _meetings_taking_cases():
    from linkworkers.models import Meeting

    return Meeting.objects.filter(state=Meeting.State.SCHEDULED, starts_at__gt=timezone.now()).order_by(
        "starts_at"
    )[:10]


@staff_required
def link_meeting(request: HttpRequest, pk, message_pk) -> HttpResponse:
    conversation = selectors.conversation_or_404(request.user, pk, action="conversation.message_link_meeting")
    message = selectors.message_of(request.user, conversation, message_pk)
    if not access.has_role(request.user, StaffRole.Role.KEY_WORKER, StaffRole.Role.LINK_WORKER):
        raise access.Refused("Only key workers and link workers notify cases to link meetings.")
    meetings = list(_meetings_taking_cases())
    initial = {"question": message.text, "meeting": str(meetings[0].pk) if meetings else ""}
    form = LinkMeetingForm(request.POST or None, meetings=meetings, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        meeting = data.pop("meeting")
        try:
            services.message_notify_link_meeting(message=message, by=request.user, meeting=meeting, **data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(request, "Case notified to the link meeting. It links back to this message.")
            return redirect(services.message_url(message))
    status = 400 if form.errors else 200
    context = {"conversation": conversation, "message": message, "form": form, "meetings": meetings}
    return render(request, "conversations/link_meeting.html", context, status=status)


# The person's own pages, in plain language.


@service_user_required
def mine(request: HttpRequest) -> HttpResponse:
    rows = _listed(selectors.conversations_visible_to(request.user))
    page = _page(request, rows)
    access.audit_list_read(request.user, list(page.object_list), action="conversation.mine.view")
    return render(request, "conversations/mine.html", {"page": page})


@service_user_required
def mine_new(request: HttpRequest) -> HttpResponse:
    form = PortalStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            conversation = services.conversation_start_by_service_user(
                by=request.user, subject=form.cleaned_data["subject"], text=form.cleaned_data["text"]
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(request, "Your message has been sent to your care team.")
            return redirect("conversations:mine_detail", pk=conversation.pk)
    status = 400 if form.errors else 200
    return render(request, "conversations/mine_new.html", {"form": form}, status=status)


@service_user_required
def mine_detail(request: HttpRequest, pk) -> HttpResponse:
    conversation = selectors.conversation_or_404(request.user, pk)
    if request.method == "POST":
        form = ReplyForm(request.POST)
        if form.is_valid():
            try:
                services.message_reply(
                    conversation=conversation, by=request.user, text=form.cleaned_data["text"]
                )
            except ApplicationError as error:
                form.add_application_error(error)
            else:
                flash.success(request, "Your reply has been sent.")
                return redirect("conversations:mine_detail", pk=conversation.pk)
        return _detail(
            request, conversation, reply_form=form, status=400, template="conversations/mine_detail.html"
        )
    return _detail(request, conversation, template="conversations/mine_detail.html")
