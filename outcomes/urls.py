from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("", views.due_list, name="due"),
    path("mine/", views.mine, name="mine"),
    path("mine/feedback/", views.my_feedback, name="my_feedback"),
    path("people/<uuid:pk>/", views.person_outcomes, name="person"),
    path("people/<uuid:pk>/honos/new/", views.honos_new, name="honos_new"),
    path("people/<uuid:pk>/top/new/", views.top_new, name="top_new"),
    path("people/<uuid:pk>/dialog/new/", views.dialog_new, name="dialog_new"),
    path("people/<uuid:pk>/dialog-plus/", views.dialog_plus, name="dialog_plus"),
    path("people/<uuid:pk>/dialog-plus/discuss/", views.dialog_plus_discuss, name="dialog_plus_discuss"),
    path("people/<uuid:pk>/satisfaction/new/", views.satisfaction_new, name="satisfaction_new"),
    path("teams/<uuid:pk>/", views.team_outcomes, name="team"),
    path("teams/<uuid:pk>/export.csv", views.team_export, name="export"),
    path("import/", views.csv_import, name="import"),
    path("ndtms/<uuid:pk>/", views.ndtms_report, name="ndtms"),
    path("ndtms/<uuid:pk>/top.csv", views.ndtms_download, name="ndtms_download"),
    path("exit/<uuid:involvement_pk>/<slug:instrument>/", views.exit_new, name="exit_new"),
]
