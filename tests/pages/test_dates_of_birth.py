"""A date of birth reads the same everywhere: "14 March 1985", never "14 Mar 1985" on one page
and "14 March 1985" on the next."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

BORN = "14 March 1985"  # tests.factories.person


class DateOfBirthTests:
    def test_the_caseload_and_the_record_show_it_alike(self, world, client):
        client.force_login(world.keyworker_mh)
        caseload = client.get(reverse("caseload")).content.decode()
        record = client.get(reverse("service_user_detail", args=[world.service_user.pk])).content.decode()
        assert BORN in caseload and BORN in record
        assert "14 Mar 1985" not in caseload

    def test_the_pharmacy_list_shows_it_in_full(self, world, client):
        client.force_login(world.pharmacist)
        page = client.get(reverse("pharmacy_list")).content.decode()
        assert BORN in page and "14 Mar 1985" not in page

    def test_every_template_writes_it_in_the_one_format(self):
        uses = []
        for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
            uses += re.findall(r"date_of_birth\|date:\"([^\"]*)\"", template.read_text())
        assert uses and set(uses) == {"j F Y"}
