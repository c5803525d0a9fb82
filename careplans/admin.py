"""Read-only admin: care plans change only through their services (ownership, versions, audit)."""

from django.contrib import admin

from .models import Agreement, CarePlan, PlanVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CarePlan)
class CarePlanAdmin(ReadOnlyAdmin):
    # Ids and dates only: no names or clinical text in the admin lists.
    list_display = ["id", "current_version_number", "review_due", "updated_at"]


@admin.register(PlanVersion)
class PlanVersionAdmin(ReadOnlyAdmin):
    list_display = ["id", "plan", "number", "published_at", "review_due", "pdf_rendered_at"]
    exclude = ["content"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ["id", "version", "kind", "method", "recorded_at"]
    exclude = ["comment"]
