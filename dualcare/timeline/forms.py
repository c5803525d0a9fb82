"""The timeline's filters, read from the query string (GET, as a search is): kinds, one
organisation, a word. Bad input is a message at its field; the list then shows what the valid
fields ask for."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms

from dualcare.people.forms import NHSForm, PeopleSearchForm

from . import sources
from .selectors import Wanted


class TimelineFilterForm(NHSForm):
    kind = forms.MultipleChoiceField(
        required=False,
        label="Show",
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. None selected shows everything.",
        error_messages={"invalid_choice": "Choose what to show from the list."},
    )
    organisation = forms.ChoiceField(
        required=False,
        label="Organisation",
        error_messages={"invalid_choice": "Choose an organisation from the list."},
    )
    q = forms.CharField(
        required=False,
        max_length=PeopleSearchForm.base_fields["q"].max_length,
        label="Search for a word",
        help_text="For example, missed, HoNOS or a team's name",
    )

    def __init__(self, data, *, organisations, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["kind"].choices = sources.kinds_available()
        self.fields["organisation"].choices = [("", "Every organisation")] + [
            (str(organisation.pk), organisation.name) for organisation in organisations
        ]

    def wanted(self) -> Wanted:
        """The valid filters (a field with an error is left out)."""
        cleaned = getattr(self, "cleaned_data", {})
        organisation = cleaned.get("organisation") if "organisation" not in self.errors else ""
        return Wanted(
            kinds=frozenset(cleaned.get("kind") or []) if "kind" not in self.errors else frozenset(),
            organisation=organisation or None,
            search=(cleaned.get("q") or "") if "q" not in self.errors else "",
        )

    def query_string(self) -> str:
        wanted = self.wanted()
        pairs = [("kind", kind) for kind in sorted(wanted.kinds)]
        if wanted.organisation:
            pairs.append(("organisation", str(wanted.organisation)))
        if wanted.search:
            pairs.append(("q", wanted.search))
        return urlencode(pairs)
