"""Scoring against worked examples done by hand from the instrument rules (CLINICAL.md)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from outcomes import scoring


class HonosScoreTests:
    def test_it_sums_subscales_and_total_from_a_worked_example(self):
        # 2+0+3 | 1+2 | 0+3+2 | 2+2+1+3
        score = scoring.honos_score([2, 0, 3, 1, 2, 0, 3, 2, 2, 2, 1, 3])
        assert score.subscales == {"behaviour": 5, "impairment": 3, "symptoms": 5, "social": 8}
        assert score.total == 21 and score.unknown_items == 0 and score.rated_items == 12

    def test_it_never_sums_a_9_and_counts_it_instead(self):
        # Items 5 and 11 not known: 2+0+3 | 1 | 0+3+2 | 2+2+3 = 18, two unknown.
        score = scoring.honos_score([2, 0, 3, 1, 9, 0, 3, 2, 2, 2, 9, 3])
        assert score.total == 18 and score.unknown_items == 2
        assert score.subscales == {"behaviour": 5, "impairment": 1, "symptoms": 5, "social": 7}

    def test_it_does_not_prorate_when_items_are_unknown(self):
        # Prorating 10 rated items of 4 each would give 57.6 for 12; the rule gives 40.
        score = scoring.honos_score([4] * 10 + [9, 9])
        assert score.total == 40 and score.unknown_items == 2

    def test_it_scores_all_unknown_as_0_with_12_unknown(self):
        score = scoring.honos_score([9] * 12)
        assert score.total == 0 and score.unknown_items == 12

    def test_it_refuses_a_wrong_number_of_items(self):
        with pytest.raises(ValueError):
            scoring.honos_score([0] * 11)


def rated(total: int) -> list[int]:
    """12 items rated 0-4 adding up to ``total`` (as even as it goes: 20 is eight 2s and four 1s)."""
    base, extra = divmod(total, 12)
    return [base + (1 if n < extra else 0) for n in range(12)]


class HonosChangeTests:
    def test_it_calls_a_drop_of_8_a_reliable_improvement(self):
        change = scoring.honos_change(rated(20), rated(12))
        assert change.change == -8 and change.label == "reliable improvement"
        assert not change.clinically_significant and not change.remission
        assert change.compared_items == 12

    def test_it_calls_a_drop_of_7_no_reliable_change(self):
        assert scoring.honos_change(rated(20), rated(13)).label == "no reliable change"

    def test_it_calls_a_rise_of_8_a_reliable_deterioration(self):
        change = scoring.honos_change(rated(9), rated(17))
        assert change.label == "reliable deterioration" and change.change == 8

    def test_it_calls_crossing_below_11_clinically_significant(self):
        change = scoring.honos_change(rated(18), rated(10))
        assert change.label == "reliable improvement" and change.clinically_significant

    def test_it_needs_a_reliable_change_to_be_clinically_significant(self):
        # 12 -> 10 crosses below 11 but by only 2 points.
        assert not scoring.honos_change(rated(12), rated(10)).clinically_significant

    def test_it_marks_remission_at_5_or_less(self):
        assert scoring.honos_change(rated(15), rated(5)).remission
        assert not scoring.honos_change(rated(15), rated(6)).remission


class HonosChangeNotKnownTests:
    def test_the_issue_s_pair_is_not_enough_known_to_compare(self):
        # issue 17: a baseline with ten items not known (total 2) against a full later rating
        # (total 18) was "reliable deterioration" (+16). Two items are known to both.
        baseline = [1, 1] + [9] * 10
        latest = [1, 1] + [2, 2, 2, 2, 2, 2, 1, 1, 1, 1]
        assert scoring.honos_score(baseline).total == 2 and scoring.honos_score(latest).total == 18
        change = scoring.honos_change(baseline, latest)
        assert change.label == "not enough known to compare" and not change.comparable
        assert change.compared_items == 2 and change.change == 0
        assert not change.clinically_significant and not change.remission

    def test_only_items_rated_on_both_occasions_are_compared(self):
        # item 1 not known at baseline, item 12 not known later: 10 items compared.
        # Baseline over items 2-11: 2 × 10 = 20; latest: 1 × 10 = 10 → -10, reliable improvement;
        # summed as given the totals would be 20 and 14 (item 1 rated 4 later): -6, no reliable change
        baseline = [9] + [2] * 10 + [4]
        latest = [4] + [1] * 10 + [9]
        change = scoring.honos_change(baseline, latest)
        assert (change.baseline, change.latest, change.change) == (20, 10, -10)
        assert change.compared_items == 10 and change.label == "reliable improvement"
        assert change.clinically_significant  # 20 → 10 crosses below 11 on the same items

    def test_ten_items_known_to_both_are_enough_and_nine_are_not(self):
        assert scoring.HONOS_MIN_COMPARED == 10
        ten = scoring.honos_change([9, 9] + [3] * 10, [1] * 12)
        assert ten.compared_items == 10 and ten.change == -20 and ten.label == "reliable improvement"
        nine = scoring.honos_change([9, 9, 9] + [3] * 9, [1] * 12)
        assert nine.compared_items == 9 and nine.label == "not enough known to compare"

    def test_it_refuses_a_wrong_number_of_items(self):
        with pytest.raises(ValueError):
            scoring.honos_change([0] * 11, [0] * 12)


class DialogMeansTests:
    def test_it_means_items_1_to_8_and_9_to_11(self):
        # (3+4+2+5+3+4+6+5)/8 = 32/8 = 4.00; (6+5+7)/3 = 6.00
        means = scoring.dialog_means([3, 4, 2, 5, 3, 4, 6, 5, 6, 5, 7])
        assert means == {"quality_of_life": Decimal("4.00"), "treatment_satisfaction": Decimal("6.00")}

    def test_it_rounds_to_two_places(self):
        # 1*7+2 = 9/8 = 1.125 -> 1.12 (half-even); 1+1+2 = 4/3 = 1.33
        means = scoring.dialog_means([1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 2])
        assert means["quality_of_life"] == Decimal("1.12") and means["treatment_satisfaction"] == Decimal(
            "1.33"
        )


def top(**answers):
    base = dict.fromkeys(
        [
            "alcohol_days",
            "opiates_days",
            "crack_days",
            "cocaine_days",
            "amphetamines_days",
            "cannabis_days",
            "other_substance_days",
            "tobacco_days",
            "injecting_days",
            "shared_needle",
            "shared_paraphernalia",
            "shoplifting_days",
            "drug_selling_days",
            "vehicle_theft",
            "property_theft",
            "fraud",
            "assault",
            "psychological_health",
            "physical_health",
            "quality_of_life",
            "paid_work_days",
            "college_days",
            "acute_housing_problem",
            "eviction_risk",
        ]
    )
    base.update(answers)
    return SimpleNamespace(**base)


class TopSummaryTests:
    def test_it_lists_substances_used_and_keeps_not_answered_apart_from_0(self):
        summary = scoring.top_summary(top(alcohol_days=20, opiates_days=0, cannabis_days=3))
        use = summary["substance_use"]
        assert use["substances_used"] == ["alcohol", "cannabis"]
        assert use["days_used"] == {"alcohol": 20, "opiates": 0, "cannabis": 3}
        assert use["not_answered"] == 4

    def test_it_calls_either_yes_sharing(self):
        assert scoring.top_summary(top(injecting_days=4, shared_paraphernalia=True))["injecting"]["sharing"]
        assert (
            scoring.top_summary(top(injecting_days=4, shared_needle=False, shared_paraphernalia=False))[
                "injecting"
            ]["sharing"]
            is False
        )
        assert scoring.top_summary(top(injecting_days=0))["injecting"]["sharing"] is False
        assert scoring.top_summary(top())["injecting"]["sharing"] is None

    def test_it_reports_crime_only_from_answered_questions(self):
        assert scoring.top_summary(top())["crime"]["any_crime"] is None
        assert scoring.top_summary(top(shoplifting_days=0, assault=False))["crime"]["any_crime"] is False
        assert scoring.top_summary(top(shoplifting_days=0, fraud=True))["crime"]["any_crime"] is True

    def test_it_reports_health_ratings_and_housing(self):
        health = scoring.top_summary(top(psychological_health=7, eviction_risk=True))["health_and_social"]
        assert health["psychological_health"] == 7 and health["physical_health"] is None
        assert health["housing_problem"] is True

    def test_it_gives_change_only_where_both_are_answered(self):
        change = scoring.top_change(
            top(psychological_health=6, quality_of_life=5, alcohol_days=20),
            top(psychological_health=12, quality_of_life=None, alcohol_days=8),
        )
        assert change["psychological_health"] == 6 and change["quality_of_life"] is None
        assert change["alcohol_days"] == -12
