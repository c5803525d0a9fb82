from django.apps import AppConfig


class SpcConfig(AppConfig):
    name = "dualcare.spc"
    label = "spc"
    verbose_name = "Statistical process control"
