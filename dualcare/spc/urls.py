from django.urls import path

from . import views

app_name = "spc"

urlpatterns = [
    path("", views.analyse, name="analyse"),
    path("download/", views.download, name="download"),
]
