from django.contrib import admin

from .models import Contact, ContactOutcomeEvent, ContactRules, SupervisedConsumption


class ReadOnlyAdmin(admin.ModelAdmin):
    """Clinical rows are written through the services (with audit); the admin only looks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ContactRules)
class ContactRulesAdmin(ReadOnlyAdmin):
    """Changed on the organisation admin's page (contacts:rules), which checks ranges and audits."""

    list_display = [
        "organisation",
        "urgent_after_missed_collections",
        "escalate_urgent_after_minutes",
        "disengaged_after_days",
        "reminder_hours_before",
        "not_recorded_alert_hour",
        "updated_by",
        "updated_at",
    ]


@admin.register(SupervisedConsumption)
class SupervisedConsumptionAdmin(ReadOnlyAdmin):
    list_display = ["id", "pharmacy_team", "prescribing_team", "start", "end"]
    list_filter = ["pharmacy_team"]


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "team", "due_on", "outcome"]
    list_filter = ["kind", "outcome"]


@admin.register(ContactOutcomeEvent)
class ContactOutcomeEventAdmin(ReadOnlyAdmin):
    list_display = ["contact", "previous_outcome", "outcome", "at", "by"]
