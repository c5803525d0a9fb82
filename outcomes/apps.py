from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "outcomes"

    def ready(self) -> None:
        # The prompt to record the exit TOP or HoNOS when the core's "end involvement" page ends
        # care (dualcare/people/extensions.py: the core declares the need, this app fills it).
        from dualcare.people import extensions

        from .caseload import with_measure_overdue
        from .selectors import exit_measure_url

        extensions.provide("exit_measure_url", exit_measure_url)
        # "Outcome measure overdue" on the caseloads and people API, and the filter on it.
        extensions.provide("measure_overdue", with_measure_overdue)

        # TOP, HoNOS and DIALOG on the person's timeline (dualcare/timeline).
        from dualcare.timeline import sources

        from .timeline import SOURCES, outcomes_link

        for key, rows in SOURCES.items():
            sources.register(key, kind="outcome", rows=rows, link=outcomes_link, timed=False)

        # What moves in a provider handover (dualcare/people/handover.py: the core's registry).
        from . import handover

        handover.register()
        # HoNOS, TOP and DIALOG as FHIR QuestionnaireResponses, with their Questionnaires.
        from . import fhir

        fhir.register()
