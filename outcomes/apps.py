from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "outcomes"

    def ready(self) -> None:
        # The prompt to record the exit TOP or HoNOS when the core's "end involvement" page ends
        # care (dualcare/people/extensions.py: the core declares the need, this app fills it).
        from dualcare.people import extensions

        from .selectors import exit_measure_url

        extensions.provide("exit_measure_url", exit_measure_url)
