"""Read-only admin: the register and meetings change only through their services (audit, access)."""

from django.contrib import admin

from .models import Action, Appointment, Course, Meeting, MeetingSchedule, TrainingRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ["team", "user", "deputy", "start", "end"]
    list_select_related = ["team", "user", "deputy"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    """Courses are reference data: admins may add and correct them."""

    list_display = ["title", "tier", "refresh_months"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyAdmin):
    list_display = ["user", "course", "attended_on", "refresh_due"]
    list_select_related = ["user", "course"]


@admin.register(MeetingSchedule)
class MeetingScheduleAdmin(ReadOnlyAdmin):
    list_display = ["title", "every", "first_date", "starts_at", "chair", "is_active"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "starts_at", "chair", "state"]
    list_select_related = ["chair"]


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ["description", "owner", "due_on", "status"]
    list_select_related = ["owner"]
