from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "dualcare.contacts"
    label = "contacts"

    def ready(self) -> None:
        # Recorded appointments and collections on the person's timeline (dualcare/timeline).
        from dualcare.timeline import sources

        from .timeline import contact_rows

        sources.register("contacts.contact", kind="contact", rows=contact_rows)

        # What moves in a provider handover (dualcare/people/handover.py: the core's registry).
        from . import handover

        handover.register()
