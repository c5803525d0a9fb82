from django.apps import AppConfig


class DualcareConfig(AppConfig):
    name = "dualcare"
    verbose_name = "DualCare"
