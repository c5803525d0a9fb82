from django.urls import path

from . import signpost_views, views

app_name = "directory"

urlpatterns = [
    path("", views.search, name="search"),
    path("kept/", views.kept, name="kept"),
    path("kept/new/", views.create, name="create"),
    path("kept/import/", views.import_file, name="import"),
    path("near-you/", views.mine, name="mine"),
    path("near-you/<uuid:pk>/", views.mine_detail, name="mine_detail"),
    # Signposting and its follow-ups (directory/signpost_views.py).
    path("signposts/", signpost_views.signposts_due, name="signposts_due"),
    path("signposts/<uuid:pk>/", signpost_views.signpost_follow_up, name="signpost_follow_up"),
    path(
        "signposts/person/<uuid:service_user_pk>/",
        signpost_views.signposts_for_person,
        name="signposts_person",
    ),
    path("near-you/pointed/", signpost_views.my_signposting, name="my_signposting"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/edit/", views.edit, name="edit"),
    path("<uuid:pk>/checked/", views.checked, name="checked"),
]
