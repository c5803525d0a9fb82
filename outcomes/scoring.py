"""Scoring exactly as the instruments define it (CLINICAL.md). Pure functions, no database.

HoNOS: subscales and total sum the rated items only; 9 (not known) is never summed and
totals are never prorated: the count of 9s is shown beside every total instead.
Change (Parabiaghi et al. 2005): reliable change is a total change of 8 points or more;
clinically significant improvement is a reliable improvement that crosses from 11 or more
to below 11; remission is a total of 5 or less.
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


@dataclass(frozen=True)
class HonosChange:
    baseline: int
    latest: int
    change: int  # latest - baseline: negative is better
    label: str  # "reliable improvement" / "reliable deterioration" / "no reliable change"
    clinically_significant: bool
    remission: bool

    @property
    def reliable_improvement(self) -> bool:
        return self.label == "reliable improvement"


def honos_change(baseline_total: int, latest_total: int) -> HonosChange:
    change = latest_total - baseline_total
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
