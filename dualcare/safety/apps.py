from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "dualcare.safety"
    label = "safety"
    verbose_name = "Risk and safety flags"

    def ready(self) -> None:
        # Risk assessments and flag changes on the person's timeline (dualcare/timeline).
        from dualcare.timeline import sources

        from .timeline import assessment_link, assessment_rows, flag_event_rows, flag_link

        sources.register("safety.assessment", kind="risk", rows=assessment_rows, link=assessment_link)
        sources.register("safety.flag", kind="risk", rows=flag_event_rows, link=flag_link)
