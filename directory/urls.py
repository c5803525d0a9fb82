from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.search, name="search"),
    path("kept/", views.kept, name="kept"),
    path("kept/new/", views.create, name="create"),
    path("kept/import/", views.import_file, name="import"),
    path("near-you/", views.mine, name="mine"),
    path("near-you/<uuid:pk>/", views.mine_detail, name="mine_detail"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/edit/", views.edit, name="edit"),
    path("<uuid:pk>/checked/", views.checked, name="checked"),
]
