"""The person's own care plan, at /my/care-plan/."""

from django.urls import path

from . import views

app_name = "my_care_plan"

urlpatterns = [
    path("", views.my_plan, name="plan"),
    path("pdf/", views.my_plan_pdf, name="pdf"),
    path("easy-read.pdf", views.my_plan_easy_read_pdf, name="easy_read_pdf"),
]
