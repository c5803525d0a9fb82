"""Every validation rule: field-level messages, nothing saved on error."""

import datetime as dt

import pytest
from django.utils import timezone

from outcomes.models import DialogRating, HonosRating, SatisfactionResponse, TopForm
from outcomes.services import OutcomeValidationError

from .helpers import HONOS_ITEMS, days_ago, make_dialog, make_honos, make_top

pytestmark = pytest.mark.django_db


def errors_of(call) -> dict:
    with pytest.raises(OutcomeValidationError) as caught:
        call()
    return caught.value.errors


class HonosValidationTests:
    def test_it_saves_a_valid_rating(self, world):
        rating = make_honos(world)
        assert rating.items == HONOS_ITEMS and rating.organisation == world.mh

    def test_it_refuses_out_of_range_items(self, world):
        items = [*HONOS_ITEMS]
        items[0], items[11] = 5, -1
        errors = errors_of(lambda: make_honos(world, items=items))
        assert set(errors) == {"item1", "item12"} and "9 if not known" in errors["item1"][0]
        assert not HonosRating.objects.exists()

    def test_it_refuses_a_missing_item(self, world):
        errors = errors_of(lambda: make_honos(world, items=[*HONOS_ITEMS[:11], None]))
        assert "item12" in errors

    def test_it_needs_a_type_when_item_8_is_rated_1_to_4(self, world):
        errors = errors_of(lambda: make_honos(world, item8_type=""))
        assert "choose the type" in errors["item8_type"][0]
        assert not HonosRating.objects.exists()

    def test_it_refuses_a_type_when_item_8_is_0_or_9(self, world):
        items = [*HONOS_ITEMS]
        items[7] = 0
        assert "item8_type" in errors_of(lambda: make_honos(world, items=items, item8_type="B"))
        items[7] = 9
        assert make_honos(world, items=items, item8_type="").item8_type == ""

    def test_it_needs_words_for_type_j(self, world):
        errors = errors_of(lambda: make_honos(world, item8_type="J", item8_other="  "))
        assert "item8_other" in errors
        assert make_honos(world, item8_type="J", item8_other="Hoarding").item8_other == "Hoarding"

    def test_it_refuses_a_future_date_and_a_bad_stage(self, world):
        errors = errors_of(lambda: make_honos(world, rated_on=days_ago(-1), stage="baseline"))
        assert set(errors) == {"rated_on", "stage"}


class TopValidationTests:
    def test_it_saves_not_answered_apart_from_0(self, world):
        form = make_top(world)
        assert form.opiates_days == 0 and form.cocaine_days is None

    def test_it_refuses_more_than_28_days(self, world):
        errors = errors_of(lambda: make_top(world, alcohol_days=29, paid_work_days=-1))
        assert set(errors) == {"alcohol_days", "paid_work_days"} and "0 to 28" in errors["alcohol_days"][0]
        assert not TopForm.objects.exists()

    def test_it_refuses_ratings_above_20(self, world):
        errors = errors_of(lambda: make_top(world, quality_of_life=21))
        assert "0 (poor) to 20 (good)" in errors["quality_of_life"][0]

    def test_it_accepts_no_to_sharing_after_0_days_of_injecting(self, world):
        # the form: "if no, enter zero and 'N'" (issue 17: a faithful transcription was refused)
        form = make_top(world, injecting_days=0, shared_needle=False, shared_paraphernalia=False)
        assert (form.injecting_days, form.shared_needle, form.shared_paraphernalia) == (0, False, False)

    def test_it_refuses_yes_to_sharing_when_nobody_injected(self, world):
        errors = errors_of(lambda: make_top(world, injecting_days=0, shared_needle=True))
        assert "the answer is no (N)" in errors["shared_needle"][0]
        errors = errors_of(lambda: make_top(world, injecting_days=None, shared_paraphernalia=True))
        assert "shared_paraphernalia" in errors
        assert make_top(world, injecting_days=3, shared_needle=True, shared_paraphernalia=False).shared_needle

    def test_it_refuses_an_amount_with_the_days_not_answered(self, world):
        errors = errors_of(lambda: make_top(world, cocaine_days=None, cocaine_grams_per_day="1.5"))
        assert errors == {
            "cocaine_grams_per_day": [
                "Enter the days cocaine was used in the past 28 as well as the grams on a using day, "
                "or leave the amount blank."
            ]
        }
        assert not TopForm.objects.exists()

    def test_it_refuses_an_amount_for_a_substance_not_used(self, world):
        errors = errors_of(lambda: make_top(world, crack_days=0, crack_grams_per_day="0.5"))
        assert "leave the amount blank" in errors["crack_grams_per_day"][0]

    def test_it_refuses_negative_amounts_and_an_unnamed_other_substance(self, world):
        errors = errors_of(lambda: make_top(world, alcohol_units_per_day="-2", other_substance_days=3))
        assert set(errors) == {"alcohol_units_per_day", "other_substance_name"}

    def test_it_refuses_a_future_date(self, world):
        errors = errors_of(lambda: make_top(world, completed_on=days_ago(-3), stage="middle"))
        assert set(errors) == {"completed_on", "stage"}


class TopWeeksTests:
    def test_the_four_weeks_make_the_28_day_total_and_are_kept(self, world):
        weeks = {
            "alcohol_days_week4": 7,
            "alcohol_days_week3": 5,
            "alcohol_days_week2": 0,
            "alcohol_days_week1": 2,
        }
        form = make_top(world, alcohol_days=None, **weeks)
        assert form.alcohol_days == 14
        assert form.days_by_week == {"alcohol_days": [7, 5, 0, 2]}

    def test_the_total_given_with_its_weeks_must_agree(self, world):
        weeks = {
            "tobacco_days_week4": 7,
            "tobacco_days_week3": 7,
            "tobacco_days_week2": 7,
            "tobacco_days_week1": 7,
        }
        assert make_top(world, tobacco_days=28, **weeks).tobacco_days == 28
        errors = errors_of(lambda: make_top(world, tobacco_days=27, **weeks))
        assert errors["tobacco_days"] == [
            "The four weeks add up to 28 days but the total says 27: correct one, or leave the total "
            "blank and it is worked out from the weeks."
        ]

    def test_the_total_alone_is_still_accepted_and_keeps_no_weeks(self, world):
        form = make_top(world, alcohol_days=20)
        assert form.alcohol_days == 20 and form.days_by_week == {}

    def test_a_week_beyond_7_or_a_week_missing_is_refused_at_its_box(self, world):
        errors = errors_of(
            lambda: make_top(
                world, crack_days=None, crack_days_week4=8, crack_days_week3=1, crack_days_week2=1,
                opiates_days=None, opiates_days_week1=3,
            )
        )  # fmt: skip
        assert errors["crack_days_week4"] == ["Enter a number of days from 0 to 7 for week 4."]
        assert "give all four weeks" in errors["crack_days_week1"][0]
        assert set(errors) == {"crack_days_week4", "crack_days_week1", "opiates_days_week4",
                               "opiates_days_week3", "opiates_days_week2"}  # fmt: skip
        assert not TopForm.objects.exists()

    def test_weeks_of_0_with_an_amount_are_refused_like_a_total_of_0(self, world):
        zero = {f"crack_days_week{w}": 0 for w in (4, 3, 2, 1)}
        errors = errors_of(lambda: make_top(world, crack_days=None, crack_grams_per_day="0.5", **zero))
        assert "leave the amount blank" in errors["crack_grams_per_day"][0]


class DialogValidationTests:
    def test_it_refuses_ratings_outside_1_to_7(self, world):
        errors = errors_of(lambda: make_dialog(world, items=[0, 4, 2, 5, 3, 4, 6, 5, 6, 5, 8]))
        assert set(errors) == {"item1", "item11"}
        assert not DialogRating.objects.exists()

    def test_it_needs_11_items(self, world):
        assert "items" in errors_of(lambda: make_dialog(world, items=[4] * 10))


class SatisfactionValidationTests:
    def test_it_refuses_an_answer_that_is_not_one_of_the_six(self, world):
        from outcomes.services import satisfaction_record

        errors = errors_of(
            lambda: satisfaction_record(
                service_user=world.service_user,
                by=world.service_user_login,
                answer="excellent",
                responded_on=timezone.localdate() + dt.timedelta(days=2),
            )
        )
        assert set(errors) == {"answer", "responded_on"}
        assert not SatisfactionResponse.objects.exists()
