from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"

    def ready(self) -> None:
        # Messages on the person's timeline (dualcare/timeline).
        from dualcare.timeline import sources

        from .timeline import conversation_link, message_rows

        sources.register(
            "conversations.message", kind="conversation", rows=message_rows, link=conversation_link
        )
