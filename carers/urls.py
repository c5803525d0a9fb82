from django.urls import path

from . import views

app_name = "carers"

urlpatterns = [
    path("people/<uuid:service_user_pk>/", views.for_person, name="for_person"),
    path("people/<uuid:service_user_pk>/new/", views.add, name="add"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("mine/<uuid:pk>/", views.mine, name="mine"),
]
