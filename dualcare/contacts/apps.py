from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "dualcare.contacts"
    label = "contacts"
