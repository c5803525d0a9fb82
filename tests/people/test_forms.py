"""The error summary links each message to a box that is really on the page."""

import datetime as dt

from django import forms

from dualcare.people.forms import DatePartsField, NHSForm


class ExampleForm(NHSForm):
    seen_on = DatePartsField(label_for_errors="the date you saw them")
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    note = forms.CharField()


def test_error_summary_links_a_date_to_its_day_box_and_radios_to_the_first_option():
    form = ExampleForm(data={"seen_on_day": "31", "seen_on_month": "2", "seen_on_year": "2026"})
    assert not form.is_valid()
    html = str(form["seen_on"])
    summary = dict(form.error_summary())
    day_anchor = next(href for href, message in summary.items() if "real date" in message)
    assert day_anchor == "#seen_on_0"
    assert 'id="seen_on_0"' in html and 'name="seen_on_day"' in html
    assert ("#kind_0", "This field is required.") in form.error_summary()
    assert ("#note", "This field is required.") in form.error_summary()


def test_a_real_date_is_cleaned():
    form = ExampleForm(
        data={"seen_on_day": "29", "seen_on_month": "2", "seen_on_year": "2028", "kind": "a", "note": "x"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["seen_on"] == dt.date(2028, 2, 29)
