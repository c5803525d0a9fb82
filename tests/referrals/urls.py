"""The project's URLs plus the referral pages and API, until the project URLconf includes them."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from dualcare.urls import urlpatterns as project_urlpatterns
from referrals.api import ReferralViewSet

router = SimpleRouter()
router.register("referrals", ReferralViewSet, basename="referral")

urlpatterns = [
    path("referrals/", include("referrals.urls")),
    path("api/v1/", include(router.urls)),
    *project_urlpatterns,
]
