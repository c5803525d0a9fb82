from django.urls import path

from . import pack_views, signpost_views, views

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
    # Leaflets and information packs (issue 18, item 6).
    path("<uuid:pk>/leaflet/", pack_views.leaflet, name="leaflet"),
    path("<uuid:pk>/add-to-pack/", pack_views.entry_add_to_pack, name="add_to_pack"),
    path("packs/", pack_views.packs, name="packs"),
    path("packs/new/", pack_views.pack_create, name="pack_create"),
    path("packs/<uuid:pk>/", pack_views.pack_detail, name="pack"),
    path("packs/<uuid:pk>/pdf/", pack_views.pack_print, name="pack_pdf"),
    path("packs/<uuid:pk>/documents/new/", pack_views.pack_document_add, name="pack_document_add"),
    path("packs/<uuid:pk>/items/<uuid:item_pk>/move/", pack_views.pack_item_move, name="pack_item_move"),
    path(
        "packs/<uuid:pk>/items/<uuid:item_pk>/remove/", pack_views.pack_item_remove, name="pack_item_remove"
    ),
    path("documents/<uuid:pk>/", pack_views.document_file, name="document"),
]
