"""Scoring exactly as the instruments define it (CLINICAL.md). Pure functions, no database.

HoNOS: subscales and total sum the rated items only; 9 (not known) is never summed and
totals are never prorated: the count of 9s is shown beside every total instead.
Change (Parabiaghi et al. 2005): reliable change is a total change of 8 points or more;
clinically significant improvement is a reliable improvement that crosses from 11 or more
to below 11; remission is a total of 5 or less.

CLINICAL notes on change when items are not known (issue 17):
- Change compares like with like: only the items rated 0-4 on BOTH occasions are added up on
  each side, and the change, its classification, the cut-off and remission are worked out on
  those totals. An item rated 9 (not known) on either occasion is left out of both, never
  counted as 0: a baseline with ten items not known (total 2) against a full later rating
  (total 18) is not a deterioration of 16. The page says over how many items it compared.
- A pair with fewer than HONOS_MIN_COMPARED (10) items known to both is "not enough known to
  compare", not a change. We found no published rule for how many items a HoNOS change needs
  (CLINICAL.md: "no proration rule is published"; the Royal College's guidance asks raters to
  avoid 9). 10 of 12 (at most 2 left out) is our choice, following the Australian NOCC
  reporting convention as we recall it (AMHOCN counts a HoNOS total only with no more than 2
  items missing or not known) -- not verified here against its text, so it is a named
  constant, said on the page. The reliable-change threshold of 8 (Parabiaghi et al.) was
  derived on whole ratings; with up to 2 items left out it is applied unchanged.
  Searched again (4 December 2026) in what is published and readable here: the Australian data
  dictionary (METeOR 676214, "Health of the Nation Outcome Scale score code N") defines the
  total as the sum of the scales "excluding ... Unknown", unprorated, as we do, and gives no
  minimum; the NOCC validator's item definitions say the same of 9. No source we could read
  states a minimum number of items for a change, so 10 stays a disclosed choice, not a rule.
- The same rule is the dashboard's mean change (outcomes.measures._honos_change, in SQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

HONOS_SUBSCALES = {
    "behaviour": (1, 2, 3),
    "impairment": (4, 5),
    "symptoms": (6, 7, 8),
    "social": (9, 10, 11, 12),
}
NOT_KNOWN = 9
HONOS_MIN_COMPARED = 10  # items rated 0-4 on both occasions for a change: see the notes above
RELIABLE_CHANGE = 8
CLINICAL_CUTOFF = 11
REMISSION = 5


@dataclass(frozen=True)
class HonosScore:
    total: int
    subscales: dict[str, int]
    unknown_items: int

    @property
    def rated_items(self) -> int:
        return 12 - self.unknown_items


def honos_score(items: list[int]) -> HonosScore:
    """Total and subscales over the items rated 0-4; items rated 9 are counted, not summed."""
    if len(items) != 12:
        raise ValueError("HoNOS has 12 items.")

    def rated(numbers):
        return sum(items[n - 1] for n in numbers if items[n - 1] != NOT_KNOWN)

    return HonosScore(
        total=rated(range(1, 13)),
        subscales={name: rated(numbers) for name, numbers in HONOS_SUBSCALES.items()},
        unknown_items=sum(1 for value in items if value == NOT_KNOWN),
    )


NOT_ENOUGH_KNOWN = "not enough known to compare"


@dataclass(frozen=True)
class HonosChange:
    baseline: int  # total of the compared items at baseline
    latest: int  # total of the same items at the latest rating
    change: int  # latest - baseline: negative is better
    label: str  # "reliable improvement" / "reliable deterioration" / "no reliable change" / NOT_ENOUGH_KNOWN
    clinically_significant: bool
    remission: bool
    compared_items: int = 12  # items rated 0-4 on both occasions

    @property
    def reliable_improvement(self) -> bool:
        return self.label == "reliable improvement"

    @property
    def comparable(self) -> bool:
        return self.label != NOT_ENOUGH_KNOWN


def honos_change(baseline_items: list[int], latest_items: list[int]) -> HonosChange:
    """Change between two HoNOS ratings over the items rated 0-4 on both (see the notes above)."""
    if len(baseline_items) != 12 or len(latest_items) != 12:
        raise ValueError("HoNOS has 12 items.")
    both = [
        (before, after)
        for before, after in zip(baseline_items, latest_items, strict=True)
        if before != NOT_KNOWN and after != NOT_KNOWN
    ]
    baseline_total = sum(before for before, _ in both)
    latest_total = sum(after for _, after in both)
    change = latest_total - baseline_total
    if len(both) < HONOS_MIN_COMPARED:
        return HonosChange(
            baseline=baseline_total,
            latest=latest_total,
            change=change,
            label=NOT_ENOUGH_KNOWN,
            clinically_significant=False,
            remission=False,
            compared_items=len(both),
        )
    if change <= -RELIABLE_CHANGE:
        label = "reliable improvement"
    elif change >= RELIABLE_CHANGE:
        label = "reliable deterioration"
    else:
        label = "no reliable change"
    significant = (
        label == "reliable improvement"
        and baseline_total >= CLINICAL_CUTOFF
        and latest_total < CLINICAL_CUTOFF
    )
    return HonosChange(
        baseline=baseline_total,
        latest=latest_total,
        change=change,
        label=label,
        clinically_significant=significant,
        remission=latest_total <= REMISSION,
        compared_items=len(both),
    )


# DIALOG: subjective quality of life = mean of items 1-8; treatment satisfaction = mean of 9-11.
def _mean(values) -> Decimal:
    values = list(values)
    return (Decimal(sum(values)) / Decimal(len(values))).quantize(Decimal("0.01"))


def dialog_means(items: list[int]) -> dict[str, Decimal]:
    if len(items) != 11:
        raise ValueError("DIALOG has 11 items.")
    return {"quality_of_life": _mean(items[:8]), "treatment_satisfaction": _mean(items[8:])}


# TOP summaries per section. "Not answered" (None) is never treated as 0.
_SUBSTANCES = ("alcohol", "opiates", "crack", "cocaine", "amphetamines", "cannabis", "other_substance")
_CRIMES_YES_NO = ("vehicle_theft", "property_theft", "fraud", "assault")


def top_summary(form) -> dict:
    """Per section: what the person used and on how many days, whether they shared injecting
    equipment, whether any crime was reported, and the health and functioning ratings.
    Works on any object with the TopForm attributes."""

    def get(name):
        return getattr(form, name, None)

    substances_used = [name for name in _SUBSTANCES if (get(f"{name}_days") or 0) > 0]
    answered_substances = [name for name in _SUBSTANCES if get(f"{name}_days") is not None]
    injecting_days = get("injecting_days")
    sharing = None
    if injecting_days is not None:
        if injecting_days == 0:
            sharing = False
        elif get("shared_needle") is not None or get("shared_paraphernalia") is not None:
            sharing = bool(get("shared_needle")) or bool(get("shared_paraphernalia"))
    crime_answers = [get("shoplifting_days"), get("drug_selling_days"), *[get(n) for n in _CRIMES_YES_NO]]
    answered_crime = [value for value in crime_answers if value is not None]
    return {
        "substance_use": {
            "substances_used": substances_used,
            "days_used": {name: get(f"{name}_days") for name in answered_substances},
            "tobacco_days": get("tobacco_days"),
            "not_answered": len(_SUBSTANCES) - len(answered_substances),
        },
        "injecting": {"injecting_days": injecting_days, "sharing": sharing},
        "crime": {
            "any_crime": (any(bool(v) for v in answered_crime) if answered_crime else None),
            "shoplifting_days": get("shoplifting_days"),
            "drug_selling_days": get("drug_selling_days"),
            "not_answered": len(crime_answers) - len(answered_crime),
        },
        "health_and_social": {
            "psychological_health": get("psychological_health"),
            "physical_health": get("physical_health"),
            "quality_of_life": get("quality_of_life"),
            "paid_work_days": get("paid_work_days"),
            "college_days": get("college_days"),
            "housing_problem": (
                None
                if get("acute_housing_problem") is None and get("eviction_risk") is None
                else bool(get("acute_housing_problem")) or bool(get("eviction_risk"))
            ),
        },
    }


def top_change(baseline, latest) -> dict[str, int | None]:
    """Change in the three 0-20 ratings and in days of use per substance (None when either is
    not answered). For the ratings up is better; for days of use down is better."""
    names = [
        "psychological_health",
        "physical_health",
        "quality_of_life",
        *[f"{s}_days" for s in _SUBSTANCES],
    ]
    result = {}
    for name in names:
        before, after = getattr(baseline, name, None), getattr(latest, name, None)
        result[name] = None if before is None or after is None else after - before
    return result
