"""Record ids as they arrive in URLs, query strings and request bodies."""

from uuid import UUID


def is_uuid(value) -> bool:
    """Whether the value is (or reads as) a UUID: anything else is no record's id, so a lookup can
    answer "not found" without asking the database (which would refuse it on PostgreSQL)."""
    if isinstance(value, UUID):
        return True
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def as_uuid(value) -> UUID | None:
    """The value as a UUID, or None when it is not one (a filter's bad id matches nothing)."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        return None
