from django.urls import path

from . import own_words_views, views

app_name = "careplans"

urlpatterns = [
    path("people/<uuid:service_user_pk>/", views.plan_detail, name="plan"),
    path("people/<uuid:service_user_pk>/add/<slug:section>/", views.entry_add, name="entry_add"),
    path("people/<uuid:service_user_pk>/publish/", views.publish, name="publish"),
    path("people/<uuid:service_user_pk>/versions/", views.versions, name="versions"),
    path("people/<uuid:service_user_pk>/compare/", views.compare, name="compare"),
    path("people/<uuid:service_user_pk>/their-words/", own_words_views.their_words, name="their_words"),
    path(
        "people/<uuid:service_user_pk>/their-words/answer/",
        own_words_views.their_words_answer,
        name="their_words_answer",
    ),
    path("their-words/<uuid:pk>/", own_words_views.their_words_open, name="their_words_open"),
    path("entries/<uuid:pk>/", views.entry_edit, name="entry_edit"),
    path("versions/<uuid:pk>/", views.version_detail, name="version"),
    path("versions/<uuid:pk>/agreement/", views.agreement_in_person, name="agreement"),
    path("versions/<uuid:pk>/pdf/", views.version_pdf, name="version_pdf"),
    path("carer/", views.carer_plans, name="carer_list"),
    path("carer/<uuid:service_user_pk>/", views.carer_plan, name="carer"),
]
