from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("", views.appointments, name="appointments"),
    path("pharmacy/", views.pharmacy_today, name="pharmacy_today"),
    path("disengaged/", views.disengaged, name="disengaged"),
    path("mine/", views.my_appointments, name="mine"),
    path("carer/<uuid:service_user_pk>/", views.carer_appointments, name="carer"),
    path("<uuid:pk>/record/", views.contact_record, name="record"),
    path("reply/<slug:token>/", views.cannot_come, name="cannot_come"),
    path("people/<uuid:service_user_pk>/do-not-contact/", views.do_not_contact, name="do_not_contact"),
    path("rules/", views.rules_home, name="rules_home"),
    path("rules/<uuid:organisation_pk>/", views.rules, name="rules"),
    path(
        "people/<uuid:service_user_pk>/appointments/new/", views.appointment_create, name="appointment_create"
    ),
    path(
        "people/<uuid:service_user_pk>/supervised-consumption/new/",
        views.supervised_consumption_create,
        name="supervised_consumption_create",
    ),
]
