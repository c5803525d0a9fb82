"""Read-only admin: quadrants and cohorts change only through their services (audit, access)."""

from django.contrib import admin

from .models import Cohort, Enrolment, QuadrantAssessment


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QuadrantAssessment)
class QuadrantAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["service_user_id", "quadrant", "assessed_on", "organisation"]
    list_select_related = ["organisation"]


@admin.register(Cohort)
class CohortAdmin(ReadOnlyAdmin):
    list_display = ["name", "locality", "organisation", "start", "end"]
    list_select_related = ["organisation"]


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = [
        "cohort",
        "service_user_id",
        "enrolled_on",
        "quadrant_at_entry",
        "exited_on",
        "exit_reason",
    ]
    list_select_related = ["cohort"]
