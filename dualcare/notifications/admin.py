from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    # "unknown" rows (may have been sent; resent once already) are for a person to check.
    list_display = [
        "created_at",
        "kind",
        "recipient",
        "channel",
        "state",
        "attempts",
        "resent_at",
        "message_id",
    ]
    list_filter = ["state", "channel", "kind"]
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False
