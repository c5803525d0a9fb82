from django.db.models import OuterRef, QuerySet, Subquery

from .models import QuadrantAssessment


def with_current_quadrant(service_users: QuerySet) -> QuerySet:
    """Annotate people with their latest quadrant and its date (one subquery, no N+1)."""
    latest = QuadrantAssessment.objects.filter(service_user=OuterRef("pk")).order_by(
        "-assessed_on", "-created_at"
    )
    return service_users.annotate(
        current_quadrant=Subquery(latest.values("quadrant")[:1]),
        current_quadrant_on=Subquery(latest.values("assessed_on")[:1]),
    )
