"""The person as co-author of their plan (issue 20 item 1): their own goals and how they feel they
are going, and what they write for the plan (what matters, what helps, early signs), at
/my/care-plan/; and, for their workers, the page where those words are accepted into the plan or
answered.

Thin views: reads through dualcare.access (own_words) and the selectors, writes through
careplans.services, every read of the person audited.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from dualcare import access
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError
from dualcare.ids import as_uuid
from dualcare.people.decorators import staff_required

from . import selectors, services
from .forms import AnswerOwnWordsForm, GoalForm, GoalRatingForm, OwnWordsForm
from .models import OwnWords

PAGE_SIZE = 25
GOALS_PAGE_SIZE = 10


def _own_person(request):
    person = access.service_user_of(request.user)
    if person is None:
        audit_record(actor=request.user, action="careplan.own_words_view_own", denied=True)
        raise Http404("No such page.")
    return person


def _page(rows, request, size=PAGE_SIZE):
    return Paginator(rows, size).get_page(request.GET.get("page"))


# ---------------------------------------------------------------------------
# The person's pages


@login_required
def my_goals(request: HttpRequest) -> HttpResponse:
    """The person's own goals, each with how they feel they are going over time (chart and table)."""
    person = _own_person(request)
    audit_record(actor=request.user, action="careplan.goals_view_own", target=person)
    page = _page(selectors.goals_for(request.user, person), request, GOALS_PAGE_SIZE)
    return render(
        request,
        "careplans/my_goals.html",
        {"person": person, "page": page, "goals": selectors.goal_progress(list(page), reader="person")},
    )


@login_required
def my_goal_new(request: HttpRequest) -> HttpResponse:
    person = _own_person(request)
    form = GoalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.own_words_propose(
                service_user=person,
                by=request.user,
                kind=OwnWords.Kind.GOAL,
                text=form.cleaned_data["text"],
                domain=form.cleaned_data["domain"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request, _("Your goal has been saved. Your care team will read it and talk to you about it.")
            )
            return redirect("my_care_plan:goals")
    return render(request, "careplans/my_goal_new.html", {"person": person, "form": form})


@login_required
def my_goal_rate(request: HttpRequest) -> HttpResponse:
    """Rate one of your goals, 1 to 10. The goal comes as ?goal= (an opaque id) or in the form."""
    person = _own_person(request)
    goal_id = as_uuid(request.POST.get("goal") if request.method == "POST" else request.GET.get("goal"))
    if goal_id is None:
        return redirect("my_care_plan:goals")
    goal = selectors.goals_for(request.user, person).filter(pk=goal_id).first()
    if goal is None:
        audit_record(
            actor=request.user,
            action="careplan.goal_rate_form",
            denied=True,
            service_user=person,
            detail={"requested_id": str(goal_id)},
        )
        raise Http404("No such goal.")
    form = GoalRatingForm(request.POST if request.method == "POST" else None, initial={"goal": goal.pk})
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_rate(
                goal=goal, by=request.user, score=form.cleaned_data["score"], note=form.cleaned_data["note"]
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("Thank you. Your rating has been saved."))
            return redirect("my_care_plan:goals")
    return render(request, "careplans/my_goal_rate.html", {"person": person, "goal": goal, "form": form})


@login_required
def my_words(request: HttpRequest) -> HttpResponse:
    """What the person has written for their plan, with their care team's answers."""
    person = _own_person(request)
    audit_record(actor=request.user, action="careplan.own_words_view_own", target=person)
    page = _page(selectors.own_words_for(request.user, person), request)
    return render(request, "careplans/my_words.html", {"person": person, "page": page})


@login_required
def my_words_new(request: HttpRequest) -> HttpResponse:
    person = _own_person(request)
    form = OwnWordsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.own_words_propose(
                service_user=person,
                by=request.user,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                domain=form.cleaned_data["domain"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                _(
                    "Thank you. Your care team will add it to your plan or answer you. "
                    "You can read their answer here."
                ),
            )
            return redirect(
                "my_care_plan:goals"
                if form.cleaned_data["kind"] == OwnWords.Kind.GOAL
                else "my_care_plan:words"
            )
    return render(request, "careplans/my_words_new.html", {"person": person, "form": form})


# ---------------------------------------------------------------------------
# The workers' page


@staff_required
def their_words(request: HttpRequest, service_user_pk) -> HttpResponse:
    """The person's own words (waiting first) and their goals with progress, for their workers."""
    person = access.get_service_user_or_404(request.user, service_user_pk, action="careplan.own_words_view")
    acc = access.own_words_access(request.user, person)
    page = _page(selectors.own_words_for(request.user, person), request)
    goals = _page(selectors.goals_for(request.user, person), request, GOALS_PAGE_SIZE)
    return render(
        request,
        "careplans/their_words.html",
        {
            "person": person,
            "acc": acc,
            "page": page,
            "goals_page": goals,
            "goals": selectors.goal_progress(list(goals)),
        },
    )


@staff_required
def their_words_answer(request: HttpRequest, service_user_pk) -> HttpResponse:
    """Accept one of the person's words into the plan (in their words) or answer it."""
    person = access.get_service_user_or_404(
        request.user, service_user_pk, action="careplan.own_words_answer_form"
    )
    access.care_plan_writing_team(request.user, person)  # Refused unless a team of theirs is involved
    words_id = as_uuid(request.POST.get("words") if request.method == "POST" else request.GET.get("words"))
    if words_id is None:
        return redirect("careplans:their_words", service_user_pk=person.pk)
    words = (
        access.own_words_visible_to(request.user, OwnWords.objects.filter(service_user=person))
        .filter(pk=words_id)
        .first()
    )
    if words is None:
        raise Http404("No such entry.")
    form = AnswerOwnWordsForm(request.POST if request.method == "POST" else None, initial={"words": words.pk})
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "accept":
                services.own_words_accept(own_words=words, by=request.user, reply=form.cleaned_data["reply"])
                messages.success(
                    request,
                    f"Added to the working plan in {person.known_as}'s words. It is not published yet.",
                )
            else:
                services.own_words_answer(own_words=words, by=request.user, reply=form.cleaned_data["reply"])
                messages.success(request, f"Your answer has been sent to {person.known_as}.")
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            return redirect("careplans:their_words", service_user_pk=person.pk)
    return render(
        request, "careplans/their_words_answer.html", {"person": person, "words": words, "form": form}
    )


@staff_required
def their_words_open(request: HttpRequest, pk) -> HttpResponse:
    """An alert's link to one of the person's words (the alert names no one, so its link carries
    the words' id, not the person's): on to the page where they are accepted or answered."""
    words = OwnWords.objects.filter(pk=pk).only("pk", "service_user_id").first()
    if words is None:
        raise Http404("No such entry.")
    person = access.get_service_user_or_404(
        request.user, words.service_user_id, action="careplan.own_words_open"
    )
    return redirect(
        f"{reverse('careplans:their_words_answer', kwargs={'service_user_pk': person.pk})}?words={words.pk}"
    )
