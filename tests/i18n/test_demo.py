"""The demo's Welsh carer (issue 20): Sam stays English, their sister Gwen reads DualCare in Welsh."""

import pytest
from django.urls import reverse

from dualcare.management import demo_data
from dualcare.people.models import User

pytestmark = pytest.mark.django_db


class DemoWelshCarerTests:
    def test_gwen_reads_sams_crisis_plan_in_welsh_and_sam_stays_english(self, demo_live, client):
        gwen = User.objects.get(username=demo_data.WELSH_CARER_LOGIN)
        assert gwen.language == "cy"
        assert User.objects.get(username=demo_data.SERVICE_USER_LOGIN).language == ""
        client.force_login(gwen)
        home = client.get(reverse("carer_home")).content.decode()
        assert '<html lang="cy">' in home and "Y bobl rydych chi’n eu cefnogi" in home
        assert "Cynllun argyfwng ac atal ailwaelu Sam" in home
        logins = dict(demo_data.logins(demo_live.demo))
        assert "in Welsh" in logins[demo_data.WELSH_CARER_LOGIN]
