from django.urls import path

from . import views

app_name = "cohorts"

urlpatterns = [
    path("", views.cohort_list, name="list"),
    path("new/", views.cohort_create, name="create"),
    path("<uuid:pk>/", views.cohort_detail, name="detail"),
    path("<uuid:pk>/edit/", views.cohort_edit, name="edit"),
    path("<uuid:pk>/enrol/", views.cohort_enrol, name="enrol"),
    path("<uuid:pk>/enrolments/<uuid:enrolment_pk>/exit/", views.cohort_exit, name="exit"),
    path("people/<uuid:pk>/quadrant/", views.quadrant_assess, name="quadrant"),
]
