from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "dualcare.safety.incidents"
    label = "incidents"
    verbose_name = "Incidents, near misses and complaints"

    def ready(self) -> None:
        # Incidents on the person's timeline (dualcare/timeline).
        from dualcare.timeline import sources

        from .timeline import incident_link, incident_rows

        sources.register(
            "incidents.incident", kind="incident", rows=incident_rows, link=incident_link, timed=False
        )
