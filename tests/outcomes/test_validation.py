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

    def test_it_refuses_sharing_answers_when_nobody_injected(self, world):
        errors = errors_of(lambda: make_top(world, injecting_days=0, shared_needle=False))
        assert "shared_needle" in errors
        errors = errors_of(lambda: make_top(world, injecting_days=None, shared_paraphernalia=True))
        assert "shared_paraphernalia" in errors
        assert make_top(world, injecting_days=3, shared_needle=True, shared_paraphernalia=False).shared_needle

    def test_it_refuses_an_amount_for_a_substance_not_used(self, world):
        errors = errors_of(lambda: make_top(world, crack_days=0, crack_grams_per_day="0.5"))
        assert "leave the amount blank" in errors["crack_grams_per_day"][0]

    def test_it_refuses_negative_amounts_and_an_unnamed_other_substance(self, world):
        errors = errors_of(lambda: make_top(world, alcohol_units_per_day="-2", other_substance_days=3))
        assert set(errors) == {"alcohol_units_per_day", "other_substance_name"}

    def test_it_refuses_a_future_date(self, world):
        errors = errors_of(lambda: make_top(world, completed_on=days_ago(-3), stage="middle"))
        assert set(errors) == {"completed_on", "stage"}


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
