from django.urls import path

from . import handover_views, my_sharing, views, views_bulk

urlpatterns = [
    path("", views.home, name="home"),
    path("caseload/", views.caseload, name="caseload"),
    path("pharmacy/people/", views.pharmacy_list, name="pharmacy_list"),
    path("people/new/", views.service_user_register, name="service_user_register"),
    path("people/<uuid:pk>/", views.service_user_detail, name="service_user_detail"),
    path("people/<uuid:pk>/consents/new/", views.consent_record, name="consent_record"),
    path(
        "people/<uuid:pk>/consents/<uuid:consent_pk>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path(
        "people/<uuid:pk>/involvements/<uuid:involvement_pk>/end/",
        views.involvement_end,
        name="involvement_end",
    ),
    path("my/", views.my_home, name="my_home"),
    path("my/record-views/", views.my_record_views, name="my_record_views"),
    path("my/carers/", views.my_carers, name="my_carers"),
    path("my/sharing/", my_sharing.my_sharing, name="my_sharing"),
    path("my/sharing/<uuid:consent_pk>/stop/", my_sharing.my_sharing_stop, name="my_sharing_stop"),
    path("carer/", views.carer_home, name="carer_home"),
    path("organisation/", views.organisation_home, name="organisation_home"),
    path("organisation/<uuid:organisation_pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisation/<uuid:organisation_pk>/teams/new/", views.team_create, name="team_create"),
    path("organisation/<uuid:organisation_pk>/staff/new/", views.staff_create, name="staff_create"),
    path("organisation/teams/<uuid:team_pk>/", views.team_edit, name="team_edit"),
    path("organisation/staff/<uuid:user_pk>/", views.staff_detail, name="staff_detail"),
    path(
        "organisation/staff/<uuid:user_pk>/invitation/",
        views.staff_invitation_resend,
        name="staff_invitation_resend",
    ),
    path("organisation/roles/<uuid:role_pk>/end/", views.staff_role_end, name="staff_role_end"),
    # Provider handover (issue 21 item 5): dualcare/people/handover_views.py.
    path("organisation/handovers/", handover_views.handover_list, name="handover_list"),
    path("organisation/handovers/new/", handover_views.handover_propose, name="handover_propose"),
    path("organisation/handovers/<uuid:pk>/", handover_views.handover_detail, name="handover_detail"),
    path(
        "organisation/handovers/<uuid:pk>/teams/", handover_views.handover_team_add, name="handover_team_add"
    ),
    path(
        "organisation/handovers/<uuid:pk>/people/<uuid:person_pk>/",
        handover_views.handover_person_choice,
        name="handover_person_choice",
    ),
    path("organisation/handovers/<uuid:pk>/agree/", handover_views.handover_agree, name="handover_agree"),
    path("organisation/handovers/<uuid:pk>/cancel/", handover_views.handover_cancel, name="handover_cancel"),
    path("organisation/handovers/<uuid:pk>/report/", handover_views.handover_report, name="handover_report"),
    path(
        "organisation/handovers/<uuid:pk>/report.csv",
        handover_views.handover_report_csv,
        name="handover_report_csv",
    ),
    # Issue 21 item 4: people in bulk (dualcare/people/views_bulk.py).
    path(
        "organisation/<uuid:organisation_pk>/people/import/", views_bulk.people_import, name="people_import"
    ),
    path("organisation/imports/<uuid:pk>/", views_bulk.people_import_report, name="people_import_report"),
    path(
        "organisation/imports/<uuid:pk>/report.csv",
        views_bulk.people_import_report_csv,
        name="people_import_report_csv",
    ),
    path("organisation/merges/", views_bulk.people_merge, name="people_merge"),
    path("organisation/merges/<uuid:pk>/", views_bulk.people_merge_detail, name="people_merge_detail"),
    path("organisation/merges/<uuid:pk>/undo/", views_bulk.people_merge_undo, name="people_merge_undo"),
]
