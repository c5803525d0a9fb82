from django.urls import path

from . import views

app_name = "safety"

urlpatterns = [
    path("people/<uuid:pk>/risk/", views.risk, name="risk"),
    path("people/<uuid:pk>/risk/new/", views.risk_new, name="risk_new"),
    path("people/<uuid:pk>/flags/", views.flags, name="flags"),
    path("people/<uuid:pk>/flags/new/", views.flag_new, name="flag_new"),
    path("flags/<uuid:pk>/", views.flag, name="flag"),
    path("flags/<uuid:pk>/review/", views.flag_review, name="flag_review"),
    path("flags/<uuid:pk>/remove/", views.flag_remove, name="flag_remove"),
    path("flags/<uuid:pk>/removal/", views.removal_decide, name="removal_decide"),
]
