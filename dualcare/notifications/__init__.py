"""The notifications outbox: rows written with the event, delivered by Celery, once per recipient."""
