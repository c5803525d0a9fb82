"""/messages/: what DualCare has sent a service user or carer, in plain words."""

from django.urls import path

from . import views

app_name = "messages"

urlpatterns = [
    path("", views.my_messages, name="list"),
    path("read/", views.my_messages_read, name="read"),
]
