from django.urls import path

from . import agreed_views, pack_views, views

app_name = "dashboards"


def _scoped(prefix: str, kind: str) -> list:
    scope = {"kind": kind}
    measure = f"{prefix}/<uuid:pk>/measures/<str:key>/"
    return [
        path(f"{prefix}/<uuid:pk>/", views.dashboard, scope, name=kind),
        path(f"{prefix}/<uuid:pk>/dashboard.csv", views.dashboard_csv, scope, name=f"{kind}_csv"),
        path(f"{prefix}/<uuid:pk>/dashboard.pdf", views.dashboard_pdf, scope, name=f"{kind}_pdf"),
        path(f"{prefix}/<uuid:pk>/changes/", views.annotate, scope, name=f"{kind}_annotate"),
        path(measure, views.measure, scope, name=f"{kind}_measure"),
        path(f"{measure}measure.csv", views.measure_csv, scope, name=f"{kind}_measure_csv"),
        path(f"{measure}baseline/", views.baseline_set, scope, name=f"{kind}_baseline"),
        path(f"{measure}baseline/reset/", views.baseline_reset, scope, name=f"{kind}_baseline_reset"),
    ]


urlpatterns = [
    path("", views.index, name="index"),
    path("locality/", views.locality, name="locality"),
    path("locality/locality.csv", views.locality_csv, name="locality_csv"),
    path("locality/locality.pdf", views.locality_pdf, name="locality_pdf"),
    # Issue 19: the Shared Care meeting pack.
    path("locality/meeting-pack/", pack_views.meeting_pack, name="pack"),
    path("locality/meeting-pack/pack.pdf", pack_views.meeting_pack_pdf, name="pack_pdf"),
    # Issue 19: the measures an organisation agrees to be held to in the pack.
    path(
        "organisations/<uuid:pk>/agreed-measures/", agreed_views.agreed_measures, name="organisation_agreed"
    ),
    path(
        "organisations/<uuid:pk>/agreed-measures/<uuid:agreed_pk>/withdraw/",
        agreed_views.agreed_measure_withdraw,
        name="organisation_agreed_withdraw",
    ),
    path("pdfs/<uuid:pk>/", views.pdf_status, name="pdf"),
    path("pdfs/<uuid:pk>/dashboard.pdf", views.pdf_file, name="pdf_file"),
    path("pdfs/<uuid:pk>/retry/", views.pdf_retry, name="pdf_retry"),
    *_scoped("teams", "team"),
    *_scoped("organisations", "organisation"),
]
