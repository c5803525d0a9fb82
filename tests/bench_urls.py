"""The site's URLs with the floor page, as dualcare/urls.py adds it when BENCH_FLOOR_PAGE is on."""

from django.urls import include, path

from dualcare import urls as site_urls

urlpatterns = [path("_bench/", include("dualcare.bench")), *site_urls.urlpatterns]
