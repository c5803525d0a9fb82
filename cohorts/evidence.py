"""Evidence beside the quadrant form: the latest HoNOS and TOP the assessor may see, and a
SUGGESTED quadrant from them. The suggestion is only that: a person confirms the quadrant.

The thresholds are not a published rule (CLINICAL.md gives none); they are settings, shown on
the page with the suggestion:
- mental health severity high when the latest HoNOS total is QUADRANT_HONOS_HIGH_TOTAL (default
  11, the HoNOS clinical cut-off) or more; low below it only when at least
  outcomes.scoring.HONOS_MIN_COMPARED (10) of the 12 items are rated 0-4, the rule a HoNOS
  change needs (see outcomes/scoring.py for why 10). With more not known (9) the total
  below the cut-off says nothing: the unknown items could carry it over, so mental health
  severity is "not known" and there is no suggestion from HoNOS, never "low" (issue 17). A
  total at the cut-off on the items known is high whatever the rest;
- substance use severity high when HoNOS item 3 (problem drinking or drug-taking) is rated 3 or 4,
  or the latest TOP shows any injecting, or use of any substance on QUADRANT_TOP_HIGH_DAYS
  (default 20) or more of the past 28 days.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from .models import quadrant_for

SUBSTANCE_DAYS = ("alcohol", "opiates", "crack", "cocaine", "amphetamines", "cannabis", "other_substance")


def honos_high_total() -> int:
    return int(getattr(settings, "QUADRANT_HONOS_HIGH_TOTAL", 11))


def top_high_days() -> int:
    return int(getattr(settings, "QUADRANT_TOP_HIGH_DAYS", 20))


@dataclass
class Evidence:
    honos: object | None
    honos_total: int | None
    honos_unknown: int | None
    top: object | None
    mental_health_severity: str | None
    substance_use_severity: str | None
    reasons: list[str]

    @property
    def suggested_quadrant(self) -> str | None:
        if self.mental_health_severity is None or self.substance_use_severity is None:
            return None
        return quadrant_for(self.mental_health_severity, self.substance_use_severity)


def suggest(honos, top) -> Evidence:
    """Severities suggested by the latest HoNOS (an object with .items) and TOP; None where unknown."""
    from outcomes.scoring import HONOS_MIN_COMPARED, honos_score

    reasons: list[str] = []
    mh = su = None
    total = unknown = None
    if honos is not None:
        score = honos_score(honos.items)
        total, unknown = score.total, score.unknown_items
        if total >= honos_high_total():
            mh = "high"
        elif score.rated_items >= HONOS_MIN_COMPARED:
            mh = "low"
        if mh is None:
            reasons.append(
                f"HoNOS total {total} with {unknown} of 12 items not known: too few rated to tell "
                f"(at least {HONOS_MIN_COMPARED} are needed below {honos_high_total()}), so mental "
                "health severity: not known."
            )
        else:
            reasons.append(
                f"HoNOS total {total} ({unknown} not known): {'at or above' if mh == 'high' else 'below'} "
                f"{honos_high_total()}, so mental health severity {mh}."
            )
        if honos.items[2] in (3, 4):
            su = "high"
            reasons.append(
                f"HoNOS item 3 (drinking or drug-taking) rated {honos.items[2]}: substance use high."
            )
    if top is not None:
        heavy = [
            name for name in SUBSTANCE_DAYS if (getattr(top, f"{name}_days", None) or 0) >= top_high_days()
        ]
        injecting = (top.injecting_days or 0) > 0
        if heavy or injecting:
            su = "high"
            what = ", ".join(name.replace("_", " ") for name in heavy)
            reasons.append(
                "TOP: "
                + "; ".join(
                    part
                    for part in (
                        f"used {what} on {top_high_days()} or more days" if heavy else "",
                        "injected in the past 28 days" if injecting else "",
                    )
                    if part
                )
                + ": substance use high."
            )
        elif su is None:
            su = "low"
            reasons.append(
                f"TOP: no substance on {top_high_days()} or more days and no injecting: substance use low."
            )
    elif honos is not None and su is None:
        su = "low" if honos.items[2] in (0, 1, 2) else None
        if su:
            reasons.append(f"HoNOS item 3 rated {honos.items[2]} and no TOP: substance use low.")
    return Evidence(honos, total, unknown, top, mh, su, reasons)


def evidence_for(user, service_user) -> Evidence:
    """The latest HoNOS and TOP the user may see (outcomes consent scope) and the suggestion."""
    from outcomes import instruments, selectors

    honos = top = None
    if instruments.instrument_enabled("honos"):
        honos = selectors.outcomes_visible(user, "honos", service_user).last()
    if instruments.instrument_enabled("top"):
        top = selectors.outcomes_visible(user, "top", service_user).last()
    return suggest(honos, top)
