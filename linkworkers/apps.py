from django.apps import AppConfig


class LinkworkersConfig(AppConfig):
    name = "linkworkers"

    def ready(self) -> None:
        # Link-meeting discussions on the person's timeline (dualcare/timeline).
        from dualcare.timeline import sources

        from .timeline import case_rows, meeting_link

        sources.register("linkworkers.case", kind="link_meeting", rows=case_rows, link=meeting_link)
