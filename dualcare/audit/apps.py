from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dualcare.audit"
    label = "audit"
    verbose_name = "Audit"
