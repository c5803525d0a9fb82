"""Outcome pages: a person's history with charts and tables, capture forms, the due list, a
team's completion and change, CSV export and import, and the person's own progress in plain words.

Reads go through dualcare.access (outcomes scope); writes through outcomes.services, whose
field-level refusals are shown on the form with nothing saved.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from dualcare import access
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError
from dualcare.ids import is_uuid
from dualcare.people.decorators import staff_required
from dualcare.people.models import Scope, StaffRole, Team, User

from . import charts, instruments, scoring, selectors, services
from .forms import DialogForm, DialogPlusForm, HonosForm, SatisfactionForm, TopCaptureForm
from .models import HONOS_COPYRIGHT, HONOS_ITEMS


def _needs(instrument: str) -> None:
    if not instruments.instrument_enabled(instrument):
        raise Http404("Switched off here.")


def _can_record(user, person) -> bool:
    return access.can_act_for(user, person)


def _person_for_viewer(request, pk):
    """Staff: the record through access (audited); the person: only their own; a carer: only with
    the outcomes grant. Anything else is a 404."""
    user = request.user
    if user.kind == User.Kind.STAFF:
        return access.get_service_user_or_404(user, pk, action="outcomes.view")
    if user.kind == User.Kind.SERVICE_USER:
        own = access.service_user_of(user)
        if own is not None and str(own.pk) == str(pk):
            return own
    if user.kind == User.Kind.CARER:
        person = access.cared_for_by(user).filter(pk=pk).first() if is_uuid(pk) else None
        if person is not None and access.can_view_scope(user, person, Scope.OUTCOMES, owner=None):
            audit_record(actor=user, action="outcomes.view", target=person)
            return person
    raise Http404("No such record.")


def _honos_rows(ratings):
    rows = []
    for rating in ratings:
        rows.append({"rating": rating, "score": scoring.honos_score(rating.items)})
    return rows


def _history_context(user, person) -> dict:
    history = selectors.history_for(user, person)
    context = {"person": person, "history": history, "honos_copyright": HONOS_COPYRIGHT}
    if "honos" in history:
        rows = _honos_rows(history["honos"])
        context["honos_rows"] = rows
        context["honos_chart"] = charts.line_chart(
            title="HoNOS total over time (lower is better)",
            series=[("Total", [(row["rating"].rated_on, row["score"].total) for row in rows])],
            low=0,
            high=48,
        )
        pairs = selectors.honos_pairs(history["honos"])
        context["honos_change"] = pairs[0].change if pairs else None
        context["honos_min_compared"] = scoring.HONOS_MIN_COMPARED
    if "top" in history:
        forms = history["top"]
        context["top_rows"] = [{"form": form, "summary": scoring.top_summary(form)} for form in forms]
        context["top_chart"] = charts.line_chart(
            title="TOP ratings over time (0 poor to 20 good)",
            series=[
                ("Psychological health", [(f.completed_on, f.psychological_health) for f in forms]),
                ("Physical health", [(f.completed_on, f.physical_health) for f in forms]),
                ("Quality of life", [(f.completed_on, f.quality_of_life) for f in forms]),
            ],
            low=0,
            high=20,
        )
    if "dialog" in history:
        rows = [{"rating": r, "means": scoring.dialog_means(r.items)} for r in history["dialog"]]
        context["dialog_rows"] = rows
        context["dialog_chart"] = charts.line_chart(
            title="DIALOG means over time (1 to 7, higher is better)",
            series=[
                ("Quality of life", [(r["rating"].rated_on, r["means"]["quality_of_life"]) for r in rows]),
                (
                    "Treatment satisfaction",
                    [(r["rating"].rated_on, r["means"]["treatment_satisfaction"]) for r in rows],
                ),
            ],
            low=1,
            high=7,
        )
    return context


@login_required
def person_outcomes(request: HttpRequest, pk) -> HttpResponse:
    person = _person_for_viewer(request, pk)
    if request.user.kind == User.Kind.SERVICE_USER:
        return redirect("outcomes:mine")
    if request.user.kind == User.Kind.CARER:
        return _carer_progress(request, person)
    context = _history_context(request.user, person)
    context["can_record"] = request.user.kind == User.Kind.STAFF and _can_record(request.user, person)
    context["enabled"] = instruments.enabled_instruments()
    context["is_carer"] = request.user.kind == User.Kind.CARER
    return render(request, "outcomes/person.html", context)


def _capture(request, pk, *, instrument, form_class, template, record, success):
    _needs(instrument)
    person = access.get_service_user_or_404(request.user, pk, action=f"outcomes.{instrument}.form")
    if not _can_record(request.user, person):
        raise Http404("No such page.")
    form = form_class(
        request.POST or None, initial={"rated_on": timezone.localdate(), "completed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            record(person, form)
        except services.OutcomeValidationError as error:
            for field, problems in error.errors.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, success)
            return redirect("outcomes:person", pk=person.pk)
    return render(
        request,
        template,
        {"form": form, "person": person, "honos_copyright": HONOS_COPYRIGHT, "honos_items": HONOS_ITEMS},
    )


@staff_required
def honos_new(request, pk):
    return _capture(
        request,
        pk,
        instrument="honos",
        form_class=HonosForm,
        template="outcomes/honos_form.html",
        record=lambda person, form: services.honos_record(
            service_user=person, by=request.user, **form.service_kwargs()
        ),
        success="HoNOS rating saved.",
    )


@staff_required
def top_new(request, pk):
    return _capture(
        request,
        pk,
        instrument="top",
        form_class=TopCaptureForm,
        template="outcomes/top_form.html",
        record=lambda person, form: services.top_record(
            service_user=person, by=request.user, **form.service_kwargs()
        ),
        success="TOP saved.",
    )


@staff_required
def dialog_new(request, pk):
    return _capture(
        request,
        pk,
        instrument="dialog",
        form_class=DialogForm,
        template="outcomes/dialog_form.html",
        record=lambda person, form: services.dialog_record(
            service_user=person, by=request.user, **form.service_kwargs()
        ),
        success="DIALOG rating saved.",
    )


@staff_required
def satisfaction_new(request, pk):
    return _capture(
        request,
        pk,
        instrument="satisfaction",
        form_class=SatisfactionForm,
        template="outcomes/satisfaction_form.html",
        record=lambda person, form: services.satisfaction_record(
            service_user=person,
            by=request.user,
            answer=form.cleaned_data["answer"],
            comment=form.cleaned_data["comment"],
        ),
        success="Answer saved.",
    )


# Exit measures after discharge ------------------------------------------------------------------
EXIT_FORMS = {
    "honos": (HonosForm, "outcomes/honos_form.html", "Record the discharge HoNOS", "rated_on"),
    "top": (TopCaptureForm, "outcomes/top_form.html", "Record the exit TOP", "completed_on"),
}


@staff_required
def exit_new(request: HttpRequest, involvement_pk, instrument: str) -> HttpResponse:
    """The exit TOP or discharge HoNOS of an involvement that has ended, recorded by its team within
    the exit window (access.outcomes_exit_involvement_or_404). Shows the form and nothing else of
    the record, which the team can no longer see."""
    if instrument not in EXIT_FORMS:
        raise Http404("No such page.")
    _needs(instrument)
    form_class, template, heading, date_field = EXIT_FORMS[instrument]
    involvement = access.outcomes_exit_involvement_or_404(
        request.user, involvement_pk, instrument, action=f"outcomes.{instrument}.exit_form"
    )
    person = involvement.service_user
    stages = services.EXIT_STAGES[instrument]
    form = form_class(request.POST or None, initial={date_field: involvement.end, "stage": stages[0]})
    form.fields["stage"].choices = [c for c in form.fields["stage"].choices if c[0] in stages]

    def exit_problems(cleaned):
        # the exit measure's own rules (not before the start of care) show with the form's errors;
        # a refusal outright is the service's to give when the form is valid
        try:
            return services.exit_problems(
                request.user, person, involvement, instrument, cleaned.get("stage"), cleaned.get(date_field)
            )
        except ApplicationError:
            return {}

    form.more_problems = exit_problems
    if request.method == "POST" and form.is_valid():
        record = services.honos_record if instrument == "honos" else services.top_record
        try:
            record(service_user=person, by=request.user, exit_from=involvement, **form.service_kwargs())
        except services.OutcomeValidationError as error:
            for field, problems in error.errors.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            saved = heading.removeprefix("Record the ")
            messages.success(request, f"{saved[0].upper()}{saved[1:]} saved.")
            return redirect("outcomes:due")
    return render(
        request,
        template,
        {
            "form": form,
            "person": person,
            "involvement": involvement,
            "exit_until": involvement.end + dt.timedelta(days=access.outcomes_exit_access_days()),
            "heading": heading,
            "back_url": reverse("outcomes:due"),
            "back_text": "Back to outcome measures due",
            "honos_copyright": HONOS_COPYRIGHT,
            "honos_items": HONOS_ITEMS,
        },
    )


# The person's own pages -------------------------------------------------------------------------
def _own_person(request):
    person = access.service_user_of(request.user)
    if person is None:
        raise Http404("No such page.")
    return person


TOP_WORDS = selectors.PROGRESS_RATINGS
# The same three ratings, for a carer reading about the person by name.
CARER_TOP_WORDS = [
    ("psychological_health", "How {name} felt in themselves (mental health)"),
    ("physical_health", "{name}'s physical health"),
    ("quality_of_life", "{name}'s quality of life overall"),
]


def _rating_words(value, *, no_score="You did not give a score") -> str:
    if value is None:
        return no_score
    if value <= 6:
        feel = "poor"
    elif value <= 13:
        feel = "in the middle"
    else:
        feel = "good"
    return f"{value} out of 20 ({feel})"


def _progress(forms, *, words, first_form: str, no_score: str, chart_title: str) -> dict:
    """The TOP ratings over time in plain words: one table and trend per rating, and a chart."""
    ratings = []
    for name, label in words:
        points = [(form.completed_on, getattr(form, name)) for form in forms]
        answered = [value for _, value in points if value is not None]
        trend = ""
        if len(answered) >= 2:
            if answered[-1] > answered[0]:
                trend = f"This has gone up from {answered[0]} to {answered[-1]} since {first_form}."
            elif answered[-1] < answered[0]:
                trend = f"This has gone down from {answered[0]} to {answered[-1]} since {first_form}."
            else:
                trend = f"This is the same as on {first_form} ({answered[0]})."
        ratings.append(
            {
                "words": label,
                "points": [(day, _rating_words(value, no_score=no_score)) for day, value in points],
                "trend": trend,
            }
        )
    chart = charts.line_chart(
        title=chart_title,
        series=[(label, [(f.completed_on, getattr(f, name)) for f in forms]) for name, label in words],
        low=0,
        high=20,
    )
    return {"forms": forms, "ratings": ratings, "chart": chart}


def _carer_progress(request, person) -> HttpResponse:
    """A carer with the person's progress scores reads the page the person reads (their TOP
    scores), about them by name: not the staff page of clinicians' ratings."""
    name = person.known_as
    context = _progress(
        list(selectors.progress_forms(request.user, person)),
        words=[(field, label.format(name=name)) for field, label in CARER_TOP_WORDS],
        first_form=f"{name}'s first form",
        no_score="No score given",
        chart_title=f"{name}'s scores over time (0 poor to 20 good)",
    )
    context["person"] = person
    return render(request, "outcomes/carer_progress.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The person's own TOP ratings over time, in plain words, and their feedback."""
    person = _own_person(request)
    context = _progress(
        list(selectors.progress_forms(request.user, person)),
        words=TOP_WORDS,
        first_form="your first form",
        no_score="You did not give a score",
        chart_title="Your scores over time (0 poor to 20 good)",
    )
    context["person"] = person
    context["satisfaction_on"] = instruments.instrument_enabled("satisfaction")
    return render(request, "outcomes/mine.html", context)


@login_required
def my_feedback(request: HttpRequest) -> HttpResponse:
    _needs("satisfaction")
    person = _own_person(request)
    form = SatisfactionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.satisfaction_record(
                service_user=person,
                by=request.user,
                answer=form.cleaned_data["answer"],
                comment=form.cleaned_data["comment"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Thank you. Your answer has been saved.")
            return redirect("outcomes:mine")
    return render(request, "outcomes/my_feedback.html", {"form": form, "person": person})


# Staff lists ------------------------------------------------------------------------------------
def _teams_for(user):
    return access.outcomes_measure_teams(user).select_related("organisation").order_by("name")


@staff_required
def due_list(request: HttpRequest) -> HttpResponse:
    teams = list(_teams_for(request.user))
    team = next((t for t in teams if str(t.pk) == request.GET.get("team")), None)
    only_mine = request.GET.get("who") == "me"
    # A manager (or anyone) may look at one key worker's list: the key workers of these teams.
    key_workers = list(
        User.objects.filter(
            pk__in=access.roles_in_force(
                team_id__in=[t.pk for t in teams], role=StaffRole.Role.KEY_WORKER
            ).values("user")
        ).order_by("last_name", "first_name")
    )
    key_worker = next((u for u in key_workers if str(u.pk) == request.GET.get("key_worker")), None)
    if only_mine:
        key_worker = request.user
    items = selectors.due_for_user(request.user, team=team, key_worker=key_worker)
    access.audit_list_read(request.user, [item.involvement for item in items], action="outcomes.due.list")
    return render(
        request,
        "outcomes/due.html",
        {
            "items": items,
            "teams": teams,
            "team": team,
            "only_mine": only_mine,
            "key_workers": key_workers,
            "key_worker": key_worker,
            "today": timezone.localdate(),
        },
    )


def _team_or_404(user, pk) -> Team:
    team = _teams_for(user).filter(pk=pk).first() if is_uuid(pk) else None
    if team is None:
        raise Http404("No such team.")
    return team


@staff_required
def team_outcomes(request: HttpRequest, pk) -> HttpResponse:
    team = _team_or_404(request.user, pk)
    completion = selectors.team_completion(request.user, team)
    people = access.service_users_visible_to(request.user).filter(
        involvements__team=team, involvements__end__isnull=True
    )
    change = selectors.team_change(request.user, team, people)
    satisfaction, satisfaction_chart = [], ""
    if instruments.instrument_enabled("satisfaction"):
        since = timezone.localdate().replace(day=1) - dt.timedelta(days=365)
        satisfaction = selectors.satisfaction_by_month(request.user, people, since=since)
        satisfaction_chart = charts.line_chart(
            title="Satisfaction with joint care: percentage answering good or very good, by month",
            series=[("Good or very good", [(row["month"], row["percent"]) for row in satisfaction])],
            low=0,
            high=100,
        )
    return render(
        request,
        "outcomes/team.html",
        {
            "team": team,
            "completion": completion,
            "exit_days": access.outcomes_exit_access_days(),
            "change": change,
            "honos_copyright": HONOS_COPYRIGHT,
            "satisfaction": satisfaction,
            "satisfaction_chart": satisfaction_chart,
            "ndtms": access.ndtms_organisations(request.user).filter(pk=team.organisation_id).exists(),
        },
    )


def person_url(person) -> str:
    return reverse("outcomes:person", kwargs={"pk": person.pk})


def _date_param(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@staff_required
def team_export(request: HttpRequest, pk) -> HttpResponse:
    """A team's HoNOS or TOP forms in a date range, as CSV. Only forms the viewer may see."""
    from . import csv_io

    team = _team_or_404(request.user, pk)
    instrument = request.GET.get("instrument") or "honos"
    if instrument not in ("honos", "top"):
        raise Http404("No such export.")
    _needs(instrument)
    records = (
        selectors.outcomes_visible(request.user, instrument).filter(team=team).select_related("service_user")
    )
    start, end = _date_param(request.GET.get("from")), _date_param(request.GET.get("to"))
    date_field = selectors.DATE_FIELD[instrument]
    if start:
        records = records.filter(**{f"{date_field}__gte": start})
    if end:
        records = records.filter(**{f"{date_field}__lte": end})
    records = list(records)
    rows = csv_io.export_rows(instrument, records)
    # Everyone in the file is read: one row per person, in one insert (rule 6).
    access.audit_list_read(request.user, records, action=f"outcomes.{instrument}.export")
    response = HttpResponse(csv_io.to_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{instrument}-{timezone.localdate():%Y%m%d}.csv"'
    return response


@staff_required
def csv_import(request: HttpRequest) -> HttpResponse:
    """Upload a HoNOS or TOP CSV: every row checked, a report per row, nothing written on any error."""
    from . import csv_io

    report = None
    error = ""
    instrument = request.POST.get("instrument") or "honos"
    if request.method == "POST":
        upload = request.FILES.get("file")
        if instrument not in ("honos", "top") or not instruments.instrument_enabled(instrument):
            error = "Choose HoNOS or TOP."
        elif upload is None:
            error = "Choose a CSV file to upload."
        elif upload.size > 2_000_000:
            error = "The file must be smaller than 2 MB."
        else:
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                error = "The file must be a CSV saved as UTF-8."
            else:
                report = csv_io.import_csv(user=request.user, instrument=instrument, text=text)
                if report.saved:
                    messages.success(request, f"{report.saved} forms imported.")
    return render(
        request,
        "outcomes/import.html",
        {
            "report": report,
            "error": error,
            "instrument": instrument,
            "honos_columns": ", ".join(csv_io.HONOS_COLUMNS),
            "top_columns": ", ".join(csv_io.TOP_COLUMNS),
            "honos_copyright": HONOS_COPYRIGHT,
        },
        status=400 if (error or (report and not report.ok)) else 200,
    )


# ---------------------------------------------------------------------------
# DIALOG+ (issue 20 item 2): the four steps for each item the person wants more help with


@staff_required
def dialog_plus(request, pk):
    """The latest DIALOG rating's items the person wants more help with, each discussed or not."""
    _needs("dialog")
    person = access.get_service_user_or_404(request.user, pk, action="outcomes.dialog_plus.view")
    rating, items = selectors.dialog_plus_for(request.user, person)
    return render(
        request,
        "outcomes/dialog_plus.html",
        {"person": person, "rating": rating, "items": items, "can_record": _can_record(request.user, person)},
    )


@staff_required
def dialog_plus_discuss(request, pk):
    """The guided four-step form for one item; its agreed actions become care plan actions."""
    _needs("dialog")
    person = access.get_service_user_or_404(request.user, pk, action="outcomes.dialog_plus.form")
    if not _can_record(request.user, person):
        raise Http404("No such page.")
    rating, items = selectors.dialog_plus_for(request.user, person)
    wanted = {number: (label, score, discussion) for number, label, score, discussion in items}
    try:
        number = int(request.POST.get("item") if request.method == "POST" else request.GET.get("item", ""))
    except (TypeError, ValueError):
        number = 0
    if rating is None or number not in wanted or wanted[number][2] is not None:
        return redirect("outcomes:dialog_plus", pk=person.pk)
    label, score, _discussion = wanted[number]
    form = DialogPlusForm(request.POST if request.method == "POST" else None, initial={"item": number})
    if request.method == "POST" and form.is_valid():
        try:
            discussion = services.dialog_plus_record(
                rating=rating,
                by=request.user,
                item=number,
                understanding=form.cleaned_data["understanding"],
                looking_forward=form.cleaned_data["looking_forward"],
                options=form.cleaned_data["options"],
                actions=form.actions(),
            )
        except services.OutcomeValidationError as error:
            for field, problems in error.errors.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            count = len(discussion.action_entry_ids)
            messages.success(
                request,
                f"DIALOG+ for {label.lower()} saved. {count} action{'s' if count != 1 else ''} added to "
                f"{person.known_as}'s care plan (not published yet).",
            )
            return redirect("outcomes:dialog_plus", pk=person.pk)
    return render(
        request,
        "outcomes/dialog_plus_form.html",
        {"person": person, "rating": rating, "label": label, "score": score, "form": form},
    )


# ---------------------------------------------------------------------------
# The NDTMS TOP extract (issue 21, item 3; outcomes.ndtms): a drug and alcohol service's managers
# and admins check a date range's forms, then download those ready to send.

NDTMS_PAGE_SIZE = 25


def _ndtms_range(request):
    """(form, start, end): the range asked for, last month when none is, and the form's errors."""
    from . import ndtms
    from .forms import NdtmsExtractForm

    if not any(key.startswith(("start", "end")) for key in request.GET):
        start, end = ndtms.default_range(timezone.localdate())
        data = {
            **{f"start_{part}": getattr(start, part) for part in ("day", "month", "year")},
            **{f"end_{part}": getattr(end, part) for part in ("day", "month", "year")},
            "q": request.GET.get("q", ""),
        }
    else:
        data = request.GET
    form = NdtmsExtractForm(data)
    if not form.is_valid():
        return form, None, None
    return form, form.cleaned_data["start"], form.cleaned_data["end"]


def _ndtms_query(start, end, q="") -> str:
    from django.utils.http import urlencode

    found = {f"start_{part}": getattr(start, part) for part in ("day", "month", "year")}
    found.update({f"end_{part}": getattr(end, part) for part in ("day", "month", "year")})
    if q:
        found["q"] = q
    return urlencode(found)


@staff_required
def ndtms_report(request: HttpRequest, pk) -> HttpResponse:
    """The validation report: how many forms are ready, and a page of those held back with why."""
    from django.core.paginator import Paginator

    from . import ndtms

    organisation = access.ndtms_organisation_or_404(request.user, pk, action="outcomes.ndtms.report")
    form, start, end = _ndtms_range(request)
    page, counts, query = None, None, ""
    if start is not None:
        with ndtms.without_jit():
            rows = ndtms.forms(request.user, organisation, start=start, end=end)
            counts = ndtms.counts(rows)
            query = _ndtms_query(start, end, form.cleaned_data["q"])
            page = Paginator(
                ndtms.search(ndtms.held_back(rows), form.cleaned_data["q"]), NDTMS_PAGE_SIZE
            ).get_page(request.GET.get("page"))
            page.object_list = [(record, ndtms.problems(record)) for record in page.object_list]
        access.audit_list_read(
            request.user, [record for record, _ in page.object_list], action="outcomes.ndtms.report"
        )
    return render(
        request,
        "outcomes/ndtms.html",
        {
            "organisation": organisation,
            "form": form,
            "page": page,
            "counts": counts,
            "query": query,
            "download_query": _ndtms_query(start, end) if start else "",
            "window_days": ndtms.window_days(),
            "columns": ndtms.COLUMNS,
        },
        status=400 if form.errors else 200,
    )


@staff_required
def ndtms_download(request: HttpRequest, pk) -> HttpResponse:
    """The CSV of the range's forms ready to send; everyone in it audited as read (one row each)."""
    from . import ndtms

    organisation = access.ndtms_organisation_or_404(request.user, pk, action="outcomes.ndtms.extract")
    form, start, end = _ndtms_range(request)
    if start is None:
        return redirect(
            f"{reverse('outcomes:ndtms', kwargs={'pk': organisation.pk})}?{request.GET.urlencode()}"
        )
    with ndtms.without_jit():
        rows = list(ndtms.ready(ndtms.forms(request.user, organisation, start=start, end=end)))
    access.audit_list_read(request.user, rows, action="outcomes.ndtms.extract")
    response = HttpResponse(ndtms.extract_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ndtms.filename(organisation, start, end)}"'
    return response
