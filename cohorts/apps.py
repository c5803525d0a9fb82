from django.apps import AppConfig


class CohortsConfig(AppConfig):
    name = "cohorts"

    def ready(self) -> None:
        # The current quadrant the core's caseloads, record and people API show
        # (dualcare/people/extensions.py: the core declares the need, this app fills it).
        from dualcare.people import extensions

        from .selectors import latest_quadrant_visible_to, quadrant_choices, with_current_quadrant

        extensions.provide("current_quadrant", with_current_quadrant)
        extensions.provide("latest_quadrant", latest_quadrant_visible_to)
        extensions.provide("quadrant_choices", quadrant_choices)

        # Quadrant assessments on the person's timeline (dualcare/timeline).
        from dualcare.timeline import sources

        from .timeline import quadrant_link, quadrant_rows

        sources.register(
            "cohorts.quadrant", kind="quadrant", rows=quadrant_rows, link=quadrant_link, timed=False
        )

        # What moves in a provider handover (dualcare/people/handover.py: the core's registry).
        from . import handover

        handover.register()
