from django.apps import AppConfig


class LinkworkersConfig(AppConfig):
    name = "linkworkers"
