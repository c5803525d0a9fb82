from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dualcare.notifications"
    label = "notifications"
