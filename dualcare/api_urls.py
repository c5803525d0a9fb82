from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from careplans import api as careplans_api
from careplans import api_me as careplans_api_me
from cohorts import api as cohorts_api
from conversations import api as conversations_api
from directory import api as directory_api
from directory import signpost_api
from dualcare import api_docs
from dualcare.api import ObtainTokenView, RevokeTokenView
from dualcare.contacts import api as contacts_api
from dualcare.contacts import api_me as contacts_api_me
from dualcare.dashboards import api as dashboards_api
from dualcare.notifications import api as notifications_api
from dualcare.notifications import api_me as notifications_api_me
from dualcare.people import api as people_api
from dualcare.people import api_me as people_api_me
from dualcare.safety import api as safety_api
from dualcare.safety.incidents import api as incidents_api
from dualcare.spc import api as spc_api
from dualcare.timeline import api as timeline_api
from linkworkers import api as linkworkers_api
from outcomes import api as outcomes_api
from outcomes import api_me as outcomes_api_me
from outcomes import api_ndtms as outcomes_api_ndtms
from referrals import api as referrals_api
from referrals import api_me as referrals_api_me

router = DefaultRouter()
router.register("organisations", people_api.OrganisationViewSet, basename="organisation")
router.register("teams", people_api.TeamViewSet, basename="team")
router.register("service-users", people_api.ServiceUserViewSet, basename="service-user")
router.register("referrals", referrals_api.ReferralViewSet, basename="referral")
router.register("conversations", conversations_api.ConversationViewSet, basename="conversation")
router.register("care-plans", careplans_api.CarePlanViewSet, basename="care-plan")
router.register("contacts", contacts_api.ContactViewSet, basename="contact")
router.register("alerts", notifications_api.AlertViewSet, basename="alert")
router.register("quadrant-assessments", cohorts_api.QuadrantAssessmentViewSet, basename="quadrant-assessment")
router.register("cohorts", cohorts_api.CohortViewSet, basename="cohort")
router.register("outcomes/honos", outcomes_api.HonosViewSet, basename="outcome-honos")
router.register("outcomes/top", outcomes_api.TopViewSet, basename="outcome-top")
router.register("outcomes/dialog", outcomes_api.DialogViewSet, basename="outcome-dialog")
router.register("outcomes/satisfaction", outcomes_api.SatisfactionViewSet, basename="outcome-satisfaction")
router.register("link-workers", linkworkers_api.LinkWorkerViewSet, basename="link-worker")
router.register("link-meetings", linkworkers_api.LinkMeetingViewSet, basename="link-meeting")
router.register("risk-assessments", safety_api.RiskAssessmentViewSet, basename="risk-assessment")
router.register("safety-flags", safety_api.SafetyFlagViewSet, basename="safety-flag")
# Issue 19: incidents, near misses and complaints.
router.register("incidents", incidents_api.IncidentViewSet, basename="incident")
router.register("signposts", signpost_api.SignpostViewSet, basename="signpost")
# The person's own (a service user's or carer's token): what their portal pages show them.
router.register("me/care-team", people_api_me.MyCareTeamViewSet, basename="me-care-team")
router.register("me/record-views", people_api_me.MyRecordViewsViewSet, basename="me-record-view")
router.register("me/appointments", contacts_api_me.MyAppointmentViewSet, basename="me-appointment")
router.register("me/messages", notifications_api_me.MyMessageViewSet, basename="me-message")
router.register("me/referrals", referrals_api_me.MyReferralViewSet, basename="me-referral")
router.register("me/progress", outcomes_api_me.MyProgressViewSet, basename="me-progress")
# Issue 20: the person's own goals, their ratings and their words for the plan.
router.register("me/goals", careplans_api_me.MyGoalViewSet, basename="me-goal")
router.register("me/goal-ratings", careplans_api_me.MyGoalRatingViewSet, basename="me-goal-rating")
router.register("me/own-words", careplans_api_me.MyOwnWordsViewSet, basename="me-own-words")

urlpatterns = [
    path("v1/auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("v1/auth/token/revoke/", RevokeTokenView.as_view(), name="api-token-revoke"),
    path("v1/me/", people_api.MeView.as_view(), name="api-me"),
    path("v1/spc/", spc_api.SpcView.as_view(), name="api-spc"),
    path(
        "v1/dashboards/teams/<uuid:pk>/",
        dashboards_api.TeamDashboardView.as_view(),
        name="api-dashboard-team",
    ),
    path(
        "v1/dashboards/organisations/<uuid:pk>/",
        dashboards_api.OrganisationDashboardView.as_view(),
        name="api-dashboard-organisation",
    ),
    path(
        "v1/dashboards/locality/",
        dashboards_api.LocalityDashboardView.as_view(),
        name="api-dashboard-locality",
    ),
    path(
        "v1/service-users/<uuid:pk>/timeline/",
        timeline_api.ServiceUserTimelineView.as_view(),
        name="api-service-user-timeline",
    ),
    # The service directory in the Open Referral UK shape (directory/api.py).
    path("v1/directory/", directory_api.DirectoryRootView.as_view(), name="directory-root"),
    path("v1/directory/services/", directory_api.ServiceListView.as_view(), name="directory-service-list"),
    path(
        "v1/directory/services/<uuid:pk>/",
        directory_api.ServiceDetailView.as_view(),
        name="directory-service-detail",
    ),
    path(
        "v1/directory/organizations/",
        directory_api.OrganizationListView.as_view(),
        name="directory-organization-list",
    ),
    path(
        "v1/directory/organizations/<uuid:pk>/",
        directory_api.OrganizationDetailView.as_view(),
        name="directory-organization-detail",
    ),
    path(
        "v1/directory/taxonomies/", directory_api.TaxonomyListView.as_view(), name="directory-taxonomy-list"
    ),
    path(
        "v1/directory/taxonomy_terms/",
        directory_api.TaxonomyTermListView.as_view(),
        name="directory-taxonomy-term-list",
    ),
    path(
        "v1/directory/service_at_locations/",
        directory_api.ServiceAtLocationListView.as_view(),
        name="directory-service-at-location-list",
    ),
    # The NDTMS TOP extract: its validation report and its file (outcomes/api_ndtms.py).
    path(
        "v1/outcomes/ndtms/<uuid:pk>/",
        outcomes_api_ndtms.NdtmsReportView.as_view(),
        name="api-outcomes-ndtms-report",
    ),
    path(
        "v1/outcomes/ndtms/<uuid:pk>/top.csv",
        outcomes_api_ndtms.NdtmsExtractView.as_view(),
        name="api-outcomes-ndtms-extract",
    ),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_docs.swagger_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", api_docs.redoc_view(url_name="api-schema"), name="api-redoc"),
]
