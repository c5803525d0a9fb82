from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "dualcare.people"
    label = "people"
    verbose_name = "People and organisations"
