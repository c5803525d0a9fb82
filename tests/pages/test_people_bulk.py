"""The organisation admin's pages for people in bulk (issue 21, item 4): import (upload, the dry
run's report, confirm, the report page and CSV) and merge (preview, merge, undo)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dualcare.audit.models import AuditEvent
from dualcare.people import importing, merging
from dualcare.people.models import PeopleImport, PersonMerge, ServiceUser
from tests.factories import person, synthetic_nhs_number

HEADER = ",".join(importing.COLUMNS) + "\n"


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")


@pytest.mark.django_db
class ImportPageTests:
    def test_the_dry_run_shows_the_report_and_writes_nothing_then_confirm_imports(self, world, client):
        client.force_login(world.orgadmin_mh)
        url = reverse("people_import", args=[world.mh.pk])
        number = synthetic_nhs_number()
        text = (
            HEADER
            + f"{number},Ada,Pageperson,1990-01-02,North CMHT,,\n,Alex,Sampleton,1985-03-14,South CMHT,,\n"
        )
        people = ServiceUser.objects.count()
        response = client.post(url, {"file": upload(text)})
        assert response.status_code == 200
        assert "Check the import" in response.text and 'data-count="created">1<' in response.text
        # The possible match is shown for a person to confirm, and that read is audited.
        assert "Alex Sampleton" in response.text
        assert AuditEvent.objects.filter(
            action="service_user.import_possible_match", service_user=world.mh_only
        ).exists()
        assert ServiceUser.objects.count() == people
        response = client.post(url, {"text": text, "confirm": "1", "decision-3": "same"})
        record = PeopleImport.objects.get()
        assert response.status_code == 302 and response.url == reverse(
            "people_import_report", args=[record.pk]
        )
        assert ServiceUser.objects.filter(nhs_number=number).exists()
        assert world.mh_only.involvements.filter(team=world.cmht_south).exists()

    def test_the_check_downloads_as_csv(self, world, client):
        client.force_login(world.orgadmin_mh)
        text = HEADER + "9434765918,Bad,Checksum,1990-01-02,North CMHT,,\n"
        response = client.post(reverse("people_import", args=[world.mh.pk]), {"text": text, "download": "1"})
        assert response["Content-Type"] == "text/csv"
        assert "Would be refused" in response.content.decode() and "Checksum" not in response.content.decode()

    def test_a_bad_file_is_a_field_error_not_a_500(self, world, client):
        client.force_login(world.orgadmin_mh)
        url = reverse("people_import", args=[world.mh.pk])
        response = client.post(url, {"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad")})
        assert response.status_code == 400 and "saved as UTF-8" in response.text
        response = client.post(url, {"file": upload("a,b\n1,2\n")})
        assert response.status_code == 400 and "no column" in response.text
        response = client.post(url, {})
        assert response.status_code == 400 and "Choose a CSV file" in response.text

    def test_only_the_organisations_admin_opens_it(self, world, client):
        client.force_login(world.keyworker_mh)
        assert client.get(reverse("people_import", args=[world.mh.pk])).status_code == 403
        client.force_login(world.orgadmin_mh)
        assert client.get(reverse("people_import", args=[world.sm.pk])).status_code == 404

    def test_the_pages_query_counts_do_not_grow(self, world, client, django_assert_num_queries):
        client.force_login(world.orgadmin_mh)
        text = HEADER + "".join(
            f"{synthetic_nhs_number()},P{i},Person,1990-01-02,North CMHT,,\n" for i in range(60)
        )
        for _ in range(3):
            importing.people_import(organisation=world.mh, text=text, by=world.orgadmin_mh)
        record = PeopleImport.objects.first()
        # Session and user; the admin's organisations (exists), the organisation; the count and
        # the page of imports; base.html's navigation (roles, alert counts); the session's save
        # (a savepoint, an update, its release).
        with django_assert_num_queries(11):
            assert client.get(reverse("people_import", args=[world.mh.pk])).status_code == 200
        # Session and user; the admin's organisations; the import (its rows in one column);
        # navigation (2); the session's save (3).
        with django_assert_num_queries(9):
            response = client.get(reverse("people_import_report", args=[record.pk]), {"outcome": "matched"})
        assert response.status_code == 200 and "Showing 1 to 50 of 60 rows" in response.text
        # Session and user; system admin?, organisation admin?; the count (the page is empty);
        # navigation (2); the session's save (3).
        with django_assert_num_queries(10):
            assert client.get(reverse("people_merge")).status_code == 200
        response = client.get(reverse("people_import_report_csv", args=[record.pk]))
        assert response.content.decode().count("\n") == 61


@pytest.mark.django_db
class MergePageTests:
    def test_preview_merge_and_undo(self, world, client):
        client.force_login(world.orgadmin_mh)
        kept = person(world.cmht_south, nhs_number="", given_name="Alex", family_name="Sampleton")
        fields = {"kept": kept.pk, "merged": world.mh_only.pk, "reason": "Registered twice"}
        response = client.post(reverse("people_merge"), {**fields, "preview": "1"})
        assert response.status_code == 200 and "What would move" in response.text
        assert "Merge the records" in response.text
        assert AuditEvent.objects.filter(
            action="service_user.merge_preview", service_user=world.mh_only
        ).exists()
        response = client.post(reverse("people_merge"), {**fields, "confirm": "1"})
        merge = PersonMerge.objects.get()
        assert response.url == reverse("people_merge_detail", args=[merge.pk])
        assert not world.mh_only.involvements.exists()
        assert "Undo the merge" in client.get(response.url).text
        client.post(reverse("people_merge_undo", args=[merge.pk]))
        assert world.mh_only.involvements.exists()

    def test_records_the_admin_may_not_merge_are_refused_alike_and_audited(self, world, client):
        client.force_login(world.orgadmin_mh)
        kept = person(world.cmht_south, nhs_number="")
        for other in (world.sm_only.pk, "9b2f6c8e-0000-4000-8000-000000000000"):
            response = client.post(reverse("people_merge"), {"kept": kept.pk, "merged": other, "reason": "x"})
            assert response.status_code == 400 and "You cannot merge these records" in response.text
            assert "Mockridge" not in response.text
        assert AuditEvent.objects.filter(outcome="denied", service_user=world.sm_only).exists()
        assert not PersonMerge.objects.exists()

    def test_another_admin_cannot_see_a_merge(self, world, client):
        kept = person(world.cmht_south, nhs_number="")
        merge = merging.people_merge(kept=kept, merged=world.mh_only, by=world.orgadmin_mh, reason="Same")
        client.force_login(world.keyworker_mh)
        assert client.get(reverse("people_merge_detail", args=[merge.pk])).status_code == 403
        client.force_login(world.outsider)
        assert client.get(reverse("people_merge")).status_code == 403
