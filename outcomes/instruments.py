"""The outcome instruments this deployment uses (setting OUTCOME_INSTRUMENTS): configuration that
services, selectors, measures and pages all read, so none of them imports another for it."""

from django.conf import settings

INSTRUMENTS = ("honos", "top", "dialog", "satisfaction")
INSTRUMENT_NAMES = {
    "honos": "HoNOS",
    "top": "TOP",
    "dialog": "DIALOG",
    "satisfaction": "Satisfaction with joint care",
}


def enabled_instruments() -> tuple[str, ...]:
    """Instruments switched on for this deployment (setting OUTCOME_INSTRUMENTS; all by default)."""
    wanted = getattr(settings, "OUTCOME_INSTRUMENTS", INSTRUMENTS)
    return tuple(name for name in INSTRUMENTS if name in wanted)


def instrument_enabled(name: str) -> bool:
    return name in enabled_instruments()
