"""The person's "Who can see what about you" page (issue 20, item 3): per service working with
them and kind of information, whether it is shared; they stop sharing at once, or ask for sharing
to start (a worker then records the consent, with who and when). Reads their own record only."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from dualcare.exceptions import ApplicationError

from . import selectors, services
from .decorators import service_user_required
from .forms import SharingAskForm
from .models import Consent, ConsentRequest, Scope
from .views import _own_record


def _sharing_rows(person) -> tuple[list, list]:
    """[(organisation, [(scope, words, consent or None, asked)])] and the organisations."""
    organisations = {}
    for spell in selectors.care_team_of(person):
        organisations.setdefault(spell.team.organisation_id, spell.team.organisation)
    consents = {
        (c.organisation_id, c.scope): c
        for c in Consent.objects.filter(service_user=person, withdrawn_at__isnull=True)
    }
    asked = set(
        ConsentRequest.objects.filter(service_user=person, state=ConsentRequest.State.OPEN).values_list(
            "organisation_id", "scope"
        )
    )
    rows = []
    for org_id, organisation in organisations.items():
        scopes = [
            (scope, words, consents.get((org_id, scope)), (org_id, scope) in asked)
            for scope, words in services.SHARING_SCOPE_WORDS.items()
        ]
        rows.append((organisation, scopes))
    return rows, list(organisations.values())


@service_user_required
def my_sharing(request: HttpRequest) -> HttpResponse:
    person = _own_record(request)
    rows, organisations = _sharing_rows(person)
    form = SharingAskForm(
        request.POST or None, organisations=organisations, scope_words=services.SHARING_SCOPE_WORDS
    )
    if request.method == "POST" and form.is_valid():
        organisation = form.organisations[form.cleaned_data["organisation"]]
        try:
            services.consent_request_ask(
                service_user=person,
                organisation=organisation,
                scope=form.cleaned_data["scope"],
                by=request.user,
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                _(
                    "We have asked your key worker to start sharing this with %(organisation)s. "
                    "They will check with you and then record it."
                )
                % {"organisation": organisation},
            )
            return redirect("my_sharing")
    return render(
        request,
        "people/my_sharing.html",
        {"rows": rows, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@service_user_required
def my_sharing_stop(request: HttpRequest, consent_pk) -> HttpResponse:
    person = _own_record(request)
    consent = get_object_or_404(
        Consent.objects.select_related("organisation"),
        pk=consent_pk,
        service_user=person,
        withdrawn_at__isnull=True,
    )
    words = services.SHARING_SCOPE_WORDS[Scope(consent.scope)]
    if request.method == "POST":
        services.consent_withdraw_by_person(service_user=person, consent=consent, by=request.user)
        messages.success(
            request,
            _("Done. %(organisation)s can no longer see %(words)s.")
            % {"organisation": consent.organisation, "words": words},
        )
        return redirect("my_sharing")
    return render(request, "people/my_sharing_stop.html", {"consent": consent, "words": words})
