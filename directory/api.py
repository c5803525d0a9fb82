"""/api/v1/directory/: the service directory in the Open Referral UK shape (the UK profile of
HSDS 3.0), so other systems read it as they read a council's directory.

The standard fixes these endpoints' shapes, so they differ from the rest of /api/v1/ on purpose:
lists are the standard's Page (`total_items`, `total_pages`, `page_number`, `size`, `first_page`,
`last_page`, `empty`, `contents`), pages are `page` and `per_page`, and the search parameters are
the standard's (`search`, `taxonomy_term_id`, `minimum_age`, `maximum_age`) with ours beside them
(`postcode`, `open_now`). Every member of staff reads it (access.directory_can_read); errors are
the project's (`{"field": [...]}`, `{"detail": ...}`). tests/directory validate the answers
against the standard's own schemas (directory/oruk_schema/).
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from dualcare.api_auth import IsStaff

from . import oruk, selectors
from .models import Location, Need, Provider, Service

MAX_PER_PAGE = 100

PAGE_PARAMETERS = [
    # The ranges the views take (_int), in the schema too (schemathesis sent per_page=0).
    OpenApiParameter(
        "page", {"type": "integer", "minimum": 1, "maximum": 10**6}, description="The page, from 1."
    ),
    OpenApiParameter(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        description=f"Items a page, 1 to {MAX_PER_PAGE} (default 25).",
    ),
]
SERVICE_PARAMETERS = [
    OpenApiParameter("search", OpenApiTypes.STR, description="Words in the name or description."),
    OpenApiParameter("taxonomy_term_id", OpenApiTypes.UUID, description="Services filed under this need."),
    OpenApiParameter(
        "minimum_age",
        {"type": "integer", "minimum": 0, "maximum": 120},
        description="Services open to a person this old or older.",
    ),
    OpenApiParameter(
        "maximum_age",
        {"type": "integer", "minimum": 0, "maximum": 120},
        description="Services open to a person this old or younger.",
    ),
    OpenApiParameter(
        "postcode", OpenApiTypes.STR, description="A postcode district (NT1), a postcode or a town."
    ),
    OpenApiParameter("open_now", OpenApiTypes.BOOL, description="Only services open now (London time)."),
]


def _page_schema(item: str) -> OpenApiResponse:
    return OpenApiResponse(
        response=OpenApiTypes.OBJECT,
        description=f"A page of {item} in the Open Referral UK Page shape (total_items, total_pages, "
        "page_number, size, first_page, last_page, empty, contents).",
    )


def _int(request, name: str, *, low: int, high: int, default: int | None = None) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        from rest_framework.exceptions import ValidationError

        raise ValidationError({name: [f"Give a whole number from {low} to {high}."]})
    return int(value)


def _paged(request, rows, render) -> Response:
    per_page = _int(request, "per_page", low=1, high=MAX_PER_PAGE, default=25)
    number = _int(request, "page", low=1, high=10**6, default=1)
    paginator = Paginator(rows, per_page)
    try:
        page = paginator.page(number)
    except EmptyPage:
        if number == 1:
            page = paginator.page(1)  # an empty list is a page, not a 404
        else:
            raise Http404("No such page.") from None
    return Response(oruk.page_json(page, [render(row) for row in page.object_list]))


class DirectoryView(APIView):
    permission_classes = [IsStaff]


class DirectoryRootView(DirectoryView):
    @extend_schema(
        summary="About this directory API and its relationship with HSDS",
        responses={
            200: OpenApiResponse(response=OpenApiTypes.OBJECT, description="version, profile, openapi_url")
        },
    )
    def get(self, request):
        return Response(
            {
                "version": "3.0",
                "profile": oruk.PROFILE_URL,
                "openapi_url": request.build_absolute_uri("/api/schema/"),
            }
        )


class ServiceListView(DirectoryView):
    @extend_schema(
        operation_id="v1_directory_services_list",  # a plain APIView's GET would be named "retrieve"
        summary="Directory services (Open Referral UK service_list)",
        parameters=[*PAGE_PARAMETERS, *SERVICE_PARAMETERS],
        responses={200: _page_schema("services")},
    )
    def get(self, request):
        params = request.query_params
        need = None
        if params.get("taxonomy_term_id"):
            need = Need.objects.filter(pk=params["taxonomy_term_id"]).first()
            if need is None:
                return Response(oruk.page_json(Paginator([], 1).page(1), []))
        low = _int(request, "minimum_age", low=0, high=120)
        high = _int(request, "maximum_age", low=0, high=120)
        search = selectors.Search(
            words=(params.get("search") or "")[:100],
            need=need,
            place=(params.get("postcode") or "")[:60],
            open_now=params.get("open_now") == "true",
        )
        rows = selectors.services_search(search).select_related("team")
        # The standard's age filters: the service takes someone of that age (its range covers it).
        if low is not None:
            rows = rows.exclude(maximum_age__lt=low)
        if high is not None:
            rows = rows.exclude(minimum_age__gt=high)
        return _paged(request, rows, oruk.service_list_json)


class ServiceDetailView(DirectoryView):
    @extend_schema(
        summary="One directory service, fully nested (Open Referral UK service)",
        responses={
            200: OpenApiResponse(response=OpenApiTypes.OBJECT, description="A service (service.json)")
        },
    )
    def get(self, request, pk):
        service = selectors.entry(pk)
        if service is None:
            raise Http404("No such service.")
        return Response(oruk.service_json(service))


class OrganizationListView(DirectoryView):
    @extend_schema(
        operation_id="v1_directory_organizations_list",
        summary="Who runs the directory's services (organizations)",
        parameters=PAGE_PARAMETERS,
        responses={200: _page_schema("organizations")},
    )
    def get(self, request):
        return _paged(request, Provider.objects.order_by("name", "pk"), oruk.organization_json)


class OrganizationDetailView(DirectoryView):
    @extend_schema(
        summary="One organization with its services",
        responses={
            200: OpenApiResponse(
                response=OpenApiTypes.OBJECT, description="An organization (organization.json)"
            )
        },
    )
    def get(self, request, pk):
        provider = Provider.objects.filter(pk=pk).first()
        if provider is None:
            raise Http404("No such organization.")
        services = (
            Service.objects.filter(provider=provider).select_related("team").order_by("name")[:MAX_PER_PAGE]
        )
        return Response(
            {**oruk.organization_json(provider), "services": [oruk.service_list_json(s) for s in services]}
        )


class TaxonomyListView(DirectoryView):
    @extend_schema(
        summary="The taxonomies the directory's needs belong to",
        parameters=PAGE_PARAMETERS,
        responses={200: _page_schema("taxonomies")},
    )
    def get(self, request):
        return _paged(request, [oruk.taxonomy_json()], lambda taxonomy: taxonomy)


class TaxonomyTermListView(DirectoryView):
    @extend_schema(
        summary="The needs services are filed under (taxonomy terms)",
        parameters=PAGE_PARAMETERS,
        responses={200: _page_schema("taxonomy terms")},
    )
    def get(self, request):
        return _paged(request, Need.objects.order_by("name", "pk"), oruk.taxonomy_term_json)


class ServiceAtLocationListView(DirectoryView):
    @extend_schema(
        summary="Where the directory's services are met (service_at_location)",
        parameters=PAGE_PARAMETERS,
        responses={200: _page_schema("service at locations")},
    )
    def get(self, request):
        return _paged(request, Location.objects.order_by("service_id", "pk"), oruk.service_at_location_json)
