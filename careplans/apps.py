from django.apps import AppConfig


class CareplansConfig(AppConfig):
    name = "careplans"

    def ready(self) -> None:
        # "Care plan review overdue" on the core's caseloads and people API, and the filter on it
        # (dualcare/people/extensions.py: the core declares the need, this app fills it).
        from dualcare.people import extensions

        from .selectors import with_review_overdue

        extensions.provide("review_overdue", with_review_overdue)

        # Published versions and the person's answers on their timeline (dualcare/timeline).
        from dualcare.timeline import sources

        from .timeline import agreement_rows, version_link, version_rows

        sources.register("careplans.version", kind="care_plan", rows=version_rows, link=version_link)
        sources.register("careplans.agreement", kind="care_plan", rows=agreement_rows, link=version_link)

        # The shared plan as a FHIR CarePlan with its goals and actions (dualcare/fhir).
        from . import fhir

        fhir.register()

        # What moves in a provider handover (dualcare/people/handover.py: the core's registry).
        from . import handover

        handover.register()
