from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"

    def ready(self) -> None:
        # Messages on the person's timeline (dualcare/timeline).
        from dualcare.people import extensions
        from dualcare.timeline import sources

        from .selectors import open_referrals
        from .timeline import conversation_link, message_rows

        # The team a referral is with may be addressed (access.conversations).
        extensions.provide("open_referrals", open_referrals)

        sources.register(
            "conversations.message", kind="conversation", rows=message_rows, link=conversation_link
        )

        from . import fhir  # each message as a FHIR Communication (dualcare/fhir)

        fhir.register()
