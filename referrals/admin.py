"""Read-only admin: referrals change only through their services (state machine, audit, access)."""

from django.contrib import admin

from .models import Handover, Referral, ReferralEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    fields = ["at", "by", "from_state", "to_state", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    # No names in the list: ids, teams and states are enough to support the service.
    list_display = ["id", "from_team", "to_team", "urgency", "state", "sent_at", "decide_due_at"]
    list_filter = ["state", "urgency"]
    list_select_related = ["from_team", "to_team"]
    inlines = [ReferralEventInline]


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ["id", "referral", "held_on"]
