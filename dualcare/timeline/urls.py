from django.urls import path

from . import views

app_name = "timeline"

urlpatterns = [
    path("people/<uuid:pk>/timeline/", views.person_timeline, name="person"),
]
