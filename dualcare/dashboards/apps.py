from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dualcare.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"
