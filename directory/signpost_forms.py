"""Signposting's forms: the directory services a decline or a discharge points to (searched, then
ticked), and the follow-up ("did they get there?")."""

from __future__ import annotations

from django import forms

from dualcare import limits
from dualcare.ids import as_uuid
from dualcare.people.forms import NHSForm

from .models import Service, SignpostFollowUp
from .signposting import MOST_SERVICES, POINTABLE

# How many of the directory's matches a search offers to tick.
MATCHES_SHOWN = 15


def pointable_services(search: str, chosen=()) -> list[Service]:
    """The open entries matching `search` (name, description, provider, area), and those already
    ticked: the choices a decline or discharge offers. One query, never the whole directory."""
    search = (search or "").strip().lower()[: limits.SHORT_TEXT]
    open_entries = Service.objects.filter(status__in=POINTABLE).select_related("provider").order_by("name")
    found = list(open_entries.filter(search_text__contains=search)[:MATCHES_SHOWN]) if search else []
    shown = {service.pk for service in found}
    missing = {as_uuid(pk) for pk in chosen} - {None} - shown
    if missing:
        found = list(open_entries.filter(pk__in=missing)) + found
    return found


class ServiceChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, service: Service) -> str:
        where = f" ({service.area})" if service.area else ""
        return f"{service.name}, {service.provider.name}{where}"


def directory_services_field(**kwargs) -> ServiceChoices:
    return ServiceChoices(
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Services from the directory",
        help_text="Search the directory above, then tick the services the person should go to.",
        error_messages={
            "invalid_choice": "Choose services that are open in the directory.",
            "invalid_pk_value": "Choose services that are open in the directory.",
        },
        **kwargs,
    )


def offer_services(form: forms.Form, search: str, data) -> None:
    """Set the field's choices to the search's matches and what was ticked (posted)."""
    if data is None:
        chosen = []
    elif hasattr(data, "getlist"):  # a request's QueryDict
        chosen = data.getlist("directory_services")
    else:  # a plain dict, as a form built in code is given
        value = data.get("directory_services") or []
        chosen = [value] if isinstance(value, str) else list(value)
    if len(chosen) > MOST_SERVICES:
        chosen = chosen[: MOST_SERVICES + 1]
    services = pointable_services(search, chosen)
    form.fields["directory_services"].queryset = (
        Service.objects.filter(pk__in=[s.pk for s in services]).select_related("provider").order_by("name")
    )
    form.directory_matches = services


class FollowUpForm(NHSForm):
    outcome = forms.ChoiceField(
        choices=SignpostFollowUp.Outcome.choices,
        widget=forms.RadioSelect,
        label="Did the person get there?",
        error_messages={"required": "Choose whether the person got there."},
    )
    note = limits.text(
        what="a note",
        max_length=limits.NOTE,
        multiline=True,
        rows=3,
        required=False,
        label="Anything to add? (optional)",
    )
