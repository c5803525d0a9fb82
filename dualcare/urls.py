from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

# A missing /api/ route answers JSON, like every other API error.
handler404 = "dualcare.api_schema.not_found"

urlpatterns = [
    path("accounts/", include("dualcare.accounts.urls")),
    # One sign-in form for everyone: the one that audits, locks out and asks for two-factor.
    path("django-admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("api/", include("dualcare.api_urls")),
    path("fhir/", include("dualcare.fhir.urls")),  # FHIR R4 (issue 21)
    path("django-admin/", admin.site.urls),
    path("referrals/", include("referrals.urls")),
    path("outcomes/", include("outcomes.urls")),
    path("cohorts/", include("cohorts.urls")),
    path("care-plans/", include("careplans.urls")),
    path("my/care-plan/", include("careplans.portal_urls")),
    path("contacts/", include("dualcare.contacts.urls")),
    path("alerts/", include("dualcare.notifications.urls")),
    path("messages/", include("dualcare.notifications.messages_urls")),
    path("link-workers/", include("linkworkers.urls")),
    path("conversations/", include("conversations.urls")),
    path("directory/", include("directory.urls")),
    path("carers/", include("carers.urls")),
    path("dashboards/", include("dualcare.dashboards.urls")),
    path("incidents/", include("dualcare.safety.incidents.urls")),
    path("spc/", include("dualcare.spc.urls")),
    path("safety/", include("dualcare.safety.urls")),
    path("", include("dualcare.timeline.urls")),
    path("", include("dualcare.people.urls")),
]

if settings.BENCH_FLOOR_PAGE:  # bench/trust.py's floor page; off by default (dualcare/bench.py)
    urlpatterns.insert(0, path("_bench/", include("dualcare.bench")))
