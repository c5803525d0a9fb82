from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "dualcare.fhir"
    label = "fhir"
    verbose_name = "FHIR R4"

    def ready(self):
        from .core import register_core

        register_core()
