"""/fhir/ routes, one read and one search per registered type (so each is swept by name)."""

from django.urls import path

from . import registry, views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.CapabilityStatementView.as_view(), name="metadata"),
    path("Patient/<str:pk>/$everything", views.EverythingView.as_view(), name="Patient-everything"),
]
for _name in registry.types():
    urlpatterns += [
        path(_name, views.SearchView.as_view(resource_name=_name), name=f"{_name}-search"),
        path(f"{_name}/<str:pk>", views.ReadView.as_view(resource_name=_name), name=f"{_name}-read"),
    ]
