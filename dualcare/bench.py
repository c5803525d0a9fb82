"""Two switches for bench/trust.py, both off by default and never set in production.

BENCH_FLOOR_PAGE serves /_bench/floor/: the base template and nothing else, for staff, so the
bench measures each page against what any page costs (sign-in, session, the header's navigation
and unread alerts). BENCH_QUERY_COUNT adds QueryCountMiddleware, first in MIDDLEWARE: each
response says how many SQL queries it took in an X-Query-Count header, so a bench can read
query counts from a production-like server (with DEBUG off Django keeps no query log).
"""

from contextlib import ExitStack

from django.conf import settings
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from dualcare.people.decorators import staff_required


@staff_required
def floor(request: HttpRequest) -> HttpResponse:
    """The base template with no data: the framework floor every page stands on."""
    if not settings.BENCH_FLOOR_PAGE:
        raise Http404("No such page.")
    return render(request, "bench/floor.html")


urlpatterns = [path("floor/", floor, name="bench_floor")]


class QueryCountMiddleware:
    """X-Query-Count: the queries this request ran, on every database, middleware included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counted(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(counted))
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
