"""Input limits (dualcare.limits): each one on a page and, where there is one, in the API, in
the same plain words."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from careplans.forms import EntryForm
from cohorts.forms import QuadrantForm
from cohorts.models import QuadrantAssessment
from dualcare.contacts.forms import AppointmentForm, ContactRulesForm
from dualcare.people.forms import DatePartsField, NHSForm
from dualcare.people.models import ServiceUser, Team
from referrals.forms import DeclineForm, ReferralForm
from referrals.models import Referral

pytestmark = pytest.mark.django_db

TOO_LONG_REASON = "Enter a reason of 5,000 characters or fewer."
HIDDEN = "contains hidden characters"


@pytest.fixture(autouse=True)
def _no_staff_two_factor(settings):
    settings.REQUIRE_STAFF_2FA = False


def _date(prefix: str, day: dt.date) -> dict:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


class SeenForm(NHSForm):
    seen_on = DatePartsField(label_for_errors="the date you saw them")


class DatePartsTests:
    @pytest.mark.parametrize(
        "day, month, year, message",
        [
            ("1", "1", "9" * 20, "Enter the year of the date you saw them as 4 digits, like 2026."),
            ("1", "1", "-2026", "The date you saw them must be a real date."),
            ("-1", "1", "2026", "The date you saw them must be a real date."),
            ("x", "y", "zzzz", "The date you saw them must be a real date."),
            ("1.5", "1", "2026", "The date you saw them must be a real date."),
            ("\uff11", "\uff11", "\uff12\uff10\uff12\uff16", "The date you saw them must be a real date."),
            ("1", "1", "0000", "The date you saw them must be a real date."),
            ("1", "1", "1850", "The date you saw them must be in 2000 or later."),
            ("1", "1", "2999", "The date you saw them must be within 10 years from today."),
            ("", "", "2026", "The date you saw them must include a day and month."),
            ("9" * 30, "1", "2026", "The date you saw them must be a real date."),
        ],
    )
    def test_it_gives_a_field_error_for_any_input_never_an_exception(self, day, month, year, message):
        form = SeenForm(data={"seen_on_day": day, "seen_on_month": month, "seen_on_year": year})
        assert not form.is_valid()
        assert form.errors["seen_on"] == [message]

    def test_a_date_of_birth_is_in_1900_or_later_and_in_the_past(self, world, client):
        client.force_login(world.keyworker_mh)
        base = {
            "team": world.cmht_north.pk,
            "given_name": "Riley",
            "family_name": "Newperson",
            "preferred_contact_method": "phone",
        }
        for day, message in [
            (dt.date(1800, 6, 1), "Date of birth must be in 1900 or later."),
            (dt.date(2999, 6, 1), "Date of birth must be in the past."),
        ]:
            response = client.post(reverse("service_user_register"), {**base, **_date("date_of_birth", day)})
            assert response.status_code == 200
            assert response.context["form"].errors["date_of_birth"] == [message]
        assert not ServiceUser.objects.filter(family_name="Newperson").exists()

    def test_an_appointment_is_at_most_two_years_ahead(self, world):
        form = AppointmentForm(
            data={
                "team": world.cmht_north.pk,
                "kind": "appointment",
                "time": "10:00",
                **_date("day", dt.date(2999, 1, 1)),
            },
            teams=Team.objects.filter(pk=world.cmht_north.pk),
        )
        assert not form.is_valid()
        assert form.errors["day"] == ["The date must be within 2 years from today."]

    def test_a_goal_target_date_set_in_the_past_is_refused_but_an_old_one_kept(self, world):
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        data = {"text": "Back to work", "domain": "job", **_date("target_date", yesterday)}
        form = EntryForm(data=data, section="goal", service_user=world.service_user)
        assert not form.is_valid()
        assert form.errors["target_date"] == ["The target date must be today or in the future."]
        kept = EntryForm(
            data=data, initial={"target_date": yesterday}, section="goal", service_user=world.service_user
        )
        assert kept.is_valid(), kept.errors


class NhsNumberTests:
    @pytest.mark.parametrize(
        "typed, message",
        [
            ("0000000000", "This is not a valid NHS number: check the digits."),
            ("1111111111", "This is not a valid NHS number: check the digits."),
            # 943 476 5919 (valid) in full-width digits, and in Arabic-Indic digits
            (
                "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",
                "Enter a 10-digit NHS number, like 943 476 5919.",
            ),
            (
                "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669",
                "Enter a 10-digit NHS number, like 943 476 5919.",
            ),
        ],
    )
    def test_it_refuses_numbers_never_issued_and_digits_other_than_ascii(self, world, client, typed, message):
        client.force_login(world.keyworker_mh)
        response = client.post(
            reverse("service_user_register"),
            {
                "team": world.cmht_north.pk,
                "given_name": "Riley",
                "family_name": "Newperson",
                "preferred_contact_method": "phone",
                "nhs_number": typed,
                **_date("date_of_birth", dt.date(1990, 1, 2)),
            },
        )
        assert response.status_code == 200
        assert response.context["form"].errors["nhs_number"] == [message]
        assert not ServiceUser.objects.filter(family_name="Newperson").exists()

    def test_a_number_pasted_with_non_breaking_spaces_is_still_taken(self, world, client):
        client.force_login(world.keyworker_mh)
        response = client.post(
            reverse("service_user_register"),
            {
                "team": world.cmht_north.pk,
                "given_name": "Riley",
                "family_name": "Newperson",
                "preferred_contact_method": "phone",
                "nhs_number": "943\u00a0476\u00a05919",
                **_date("date_of_birth", dt.date(1990, 1, 2)),
            },
        )
        assert response.status_code == 302
        assert ServiceUser.objects.get(family_name="Newperson").nhs_number == "9434765919"


class TextLimitTests:
    def _referral(self, world, **changes):
        data = {"to_team": world.sm_team.pk, "urgency": "routine", "reason": "Low mood.", **changes}
        return ReferralForm(data=data, user=world.keyworker_mh, service_user=world.service_user)

    def test_a_referral_reason_is_at_most_5000_characters_and_the_hint_says_so(self, world):
        assert self._referral(world, reason="x" * 5000).is_valid()
        form = self._referral(world, reason="x" * 2_000_000)
        assert not form.is_valid()
        assert form.errors["reason"] == [TOO_LONG_REASON]
        assert "Up to 5,000 characters." in form.fields["reason"].help_text

    def test_a_quadrant_rationale_is_at_most_5000_characters(self):
        form = QuadrantForm(
            data={
                "mental_health_severity": "high",
                "substance_use_severity": "low",
                "rationale": "x" * 5001,
                **_date("assessed_on", timezone.localdate()),
            }
        )
        assert not form.is_valid()
        assert form.errors["rationale"] == [
            "Enter the reasons for this quadrant of 5,000 characters or fewer."
        ]

    @pytest.mark.parametrize("hidden", ["\x00", "\x07", "\x1b[31m", "\u200b", "\u202e", "\ufeff", "\x7f"])
    def test_control_and_format_characters_are_refused_in_names(self, world, client, hidden):
        client.force_login(world.keyworker_mh)
        response = client.post(
            reverse("service_user_register"),
            {
                "team": world.cmht_north.pk,
                "given_name": f"Ri{hidden}ley",
                "family_name": "Newperson",
                "preferred_contact_method": "phone",
                **_date("date_of_birth", dt.date(1990, 1, 2)),
            },
        )
        assert response.status_code == 200
        assert response.context["form"].errors["given_name"] == [
            "Remove the hidden characters (control codes copied from another system) from their first "
            "name. Type it again rather than pasting it."
        ]

    def test_line_breaks_and_tabs_are_fine_in_a_box_of_several_lines_but_not_in_one_line(self, world):
        assert self._referral(world, reason="Low mood.\r\n\tDrinking to cope.").is_valid()
        form = DeclineForm(data={"reason": "Full.\r\nSorry.", "signposting_service": "Crisis\tteam"})
        assert not form.is_valid()
        assert list(form.errors) == ["signposting_service"]

    def test_the_rules_page_takes_only_ascii_digits(self):
        form = ContactRulesForm(
            data={
                "urgent_after_missed_collections": "\u00b2",  # superscript two: int() raised
                "escalate_urgent_after_minutes": "\uff12\uff14\uff10",
                "disengaged_after_days": "28",
                "reminder_hours_before": "24",
                "not_recorded_alert_hour": "9",
            }
        )
        assert not form.is_valid()
        assert set(form.errors) == {"urgent_after_missed_collections", "escalate_urgent_after_minutes"}


class ApiLimitTests:
    @pytest.fixture
    def api(self, world):
        client = APIClient()
        client.force_authenticate(world.keyworker_mh)
        return client

    def test_a_referral_reason_over_5000_characters_is_a_400_naming_it(self, api, world):
        payload = {
            "service_user": str(world.service_user.pk),
            "to_team": str(world.sm_team.pk),
            "urgency": "routine",
            "reason": "x" * 2_000_000,
        }
        response = api.post("/api/v1/referrals/", payload, format="json")
        assert response.status_code == 400
        assert response.json() == {"reason": [TOO_LONG_REASON]}
        assert not Referral.objects.exists()

    def test_hidden_characters_are_refused_in_the_api_in_the_pages_words(self, api, world):
        payload = {
            "service_user": str(world.service_user.pk),
            "mental_health_severity": "high",
            "substance_use_severity": "low",
            "rationale": "Psychosis\x00 and \u202edrinking",
        }
        response = api.post("/api/v1/quadrant-assessments/", payload, format="json")
        assert response.status_code == 400
        assert response.json() == {
            "rationale": [
                "Remove the hidden characters (control codes copied from another system) from the reasons "
                "for this quadrant. Type it again rather than pasting it."
            ]
        }
        payload["rationale"] = "x" * 5001
        response = api.post("/api/v1/quadrant-assessments/", payload, format="json")
        assert response.json() == {
            "rationale": ["Enter the reasons for this quadrant of 5,000 characters or fewer."]
        }
        assert not QuadrantAssessment.objects.exists()

    def test_dates_outside_the_window_and_huge_targets_are_400s(self, world):
        api = APIClient()
        api.force_authenticate(world.manager_mh)
        response = api.post(
            "/api/v1/cohorts/",
            {"name": "North", "start": "2999-01-01", "targets": {"I": 10**30}},
            format="json",
        )
        assert response.status_code == 400
        body = response.json()
        assert body["start"] == ["The start date must be within 10 years from today."]
        assert "targets" in body
        response = api.post("/api/v1/cohorts/", {"name": "North", "start": "99999-01-01"}, format="json")
        assert response.json()["start"] == ["Enter the start date as a date like 2026-03-15."]


class NumberTests:
    @pytest.mark.parametrize("typed", ["9" * 30, "-99999999999", "NaN", "inf", "1e400", "1.5", "\u00b2"])
    def test_a_whole_number_box_gives_a_field_error_for_any_input(self, typed):
        from linkworkers.forms import ScheduleForm

        form = ScheduleForm(data={"title": "Link meeting", "duration_minutes": typed})
        assert not form.is_valid()
        assert form.errors["duration_minutes"] in (
            ["Enter a number of minutes."],
            ["A meeting lasts between 15 minutes and 8 hours."],
        )

    def test_a_number_box_without_a_stated_limit_stops_at_what_the_database_holds(self):
        from dualcare.spc.forms import SeriesForm

        form = SeriesForm(data={"data": "1\n2\n3", "improvement": "up", "baseline": "9" * 30})
        assert not form.is_valid()
        assert form.errors["baseline"] == ["Enter a smaller number."]
