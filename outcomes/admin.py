"""Read-only admin: outcome forms are written only through their services (validation, audit)."""

from django.contrib import admin

from .models import DialogRating, HonosRating, OutcomeReminder, SatisfactionResponse, TopForm


class ReadOnlyAdmin(admin.ModelAdmin):
    list_display = ["id", "service_user_id", "organisation", "created_at"]
    list_select_related = ["organisation"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in (HonosRating, TopForm, DialogRating, SatisfactionResponse):
    admin.site.register(model, ReadOnlyAdmin)


@admin.register(OutcomeReminder)
class OutcomeReminderAdmin(ReadOnlyAdmin):
    list_display = ["involvement_id", "instrument", "kind", "due_on", "created_at"]
    list_select_related = []
