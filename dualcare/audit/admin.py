from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: nobody adds, changes or deletes audit events through the admin."""

    list_display = ["at", "action", "outcome", "actor", "organisation", "target_type"]
    list_filter = ["outcome", "action"]
    list_select_related = ["actor", "organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
