"""The `search` query parameter of the lists that find people (contacts, referrals): checked as
the pages' search box checks it, and declared in the schema with the same limits."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError

from dualcare import limits

from .forms import PeopleSearchForm

# The schema of the parameter: the search box's length, no hidden characters (dualcare.limits).
SEARCH_SCHEMA = {
    "type": "string",
    "maxLength": PeopleSearchForm.base_fields["q"].max_length,
    "pattern": limits.no_hidden_characters_pattern(multiline=False),
}


def search_param(params) -> str:
    """The `search` query parameter, checked as the pages' search box checks it (length, NUL)."""
    form = PeopleSearchForm({"q": params.get("search") or ""})
    if not form.is_valid():
        raise ValidationError({"search": form.errors["q"]})
    return form.cleaned_data["q"]
