from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("report/", views.report_for_team, name="report_team"),
    path("people/<uuid:service_user_pk>/report/", views.report_for_person, name="report"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/actions/", views.action_add, name="action_add"),
    path("<uuid:pk>/actions/<uuid:action_pk>/done/", views.action_done, name="action_done"),
    path("<uuid:pk>/lessons/", views.lessons, name="lessons"),
    path("<uuid:pk>/close/", views.close, name="close"),
]
