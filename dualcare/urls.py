from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("accounts/", include("dualcare.accounts.urls")),
    path("api/", include("dualcare.api_urls")),
    path("django-admin/", admin.site.urls),
    path("", include("dualcare.people.urls")),
]
