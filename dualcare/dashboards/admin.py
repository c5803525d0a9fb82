"""Read-only admin: annotations and baselines change only through their services (audited)."""

from django.contrib import admin

from .models import Annotation, Baseline


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Annotation)
class AnnotationAdmin(ReadOnlyAdmin):
    list_display = ["date", "text", "organisation", "team", "measure_key", "created_by"]
    list_select_related = ["organisation", "team", "created_by"]


@admin.register(Baseline)
class BaselineAdmin(ReadOnlyAdmin):
    list_display = ["measure_key", "organisation", "team", "first_week", "last_week", "reason", "created_by"]
    list_select_related = ["organisation", "team", "created_by"]
