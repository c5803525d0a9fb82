"""The organisation admin's alert rules page: their own organisation only, ranges checked with
field errors, nothing half-written, every change kept with who, when, from and to."""

import pytest

from dualcare.audit.models import AuditEvent
from dualcare.contacts import services
from dualcare.contacts.models import ContactRules
from dualcare.exceptions import ApplicationError
from dualcare.people import services as people_services
from dualcare.people.models import StaffRole
from tests.factories import staff

pytestmark = pytest.mark.django_db

GOOD = {
    "urgent_after_missed_collections": "2",
    "escalate_urgent_after_minutes": "120",
    "disengaged_after_days": "21",
    "reminder_hours_before": "48",
    "not_recorded_alert_hour": "10",
}


def url(organisation):
    return f"/contacts/rules/{organisation.pk}/"


class RulesPageTests:
    def test_the_org_admin_is_taken_to_their_organisations_rules(self, client, world):
        client.force_login(world.orgadmin_mh)
        response = client.get("/contacts/rules/")
        assert response["Location"] == url(world.mh)
        page = client.get(url(world.mh)).content.decode()
        assert "Alert rules" in page and world.mh.name in page
        # The defaults are shown until someone changes them.
        assert 'value="28"' in page and 'value="9"' in page
        assert "Nobody has changed these rules yet" in page

    def test_a_change_is_saved_and_kept_with_who_and_when(self, client, world):
        client.force_login(world.orgadmin_mh)
        response = client.post(url(world.mh), GOOD, follow=True)
        page = response.content.decode()
        assert "Alert rules saved." in page
        rules = ContactRules.objects.get(organisation=world.mh)
        assert (rules.urgent_after_missed_collections, rules.disengaged_after_days) == (2, 21)
        assert rules.not_recorded_alert_hour == 10 and rules.updated_by == world.orgadmin_mh
        assert services.rules_for([world.mh.pk])[world.mh.pk].reminder_hours_before == 48
        event = AuditEvent.objects.get(action="contacts.rules_set")
        assert event.actor == world.orgadmin_mh and event.organisation == world.mh
        assert event.detail["changes"]["disengaged_after_days"] == [28, 21]
        assert "Days before a person counts as disengaged: 28 to 21" in page
        assert "<caption" in page and 'scope="col"' in page

    def test_saving_the_same_values_records_no_change(self, client, world):
        client.force_login(world.orgadmin_mh)
        client.post(url(world.mh), GOOD)
        client.post(url(world.mh), GOOD)
        assert AuditEvent.objects.filter(action="contacts.rules_set").count() == 1

    def test_out_of_range_values_get_field_errors_and_nothing_is_saved(self, client, world):
        client.force_login(world.orgadmin_mh)
        bad = {
            **GOOD,
            "urgent_after_missed_collections": "1",
            "disengaged_after_days": "many",
            "not_recorded_alert_hour": "24",
        }
        page = client.post(url(world.mh), bad).content.decode()
        assert "There is a problem" in page
        assert 'href="#urgent_after_missed_collections"' in page
        assert 'href="#disengaged_after_days"' in page and 'href="#not_recorded_alert_hour"' in page
        assert "from 2 to 7" in page and "from 7 to 180" in page
        assert not ContactRules.objects.filter(organisation=world.mh).exists()
        assert not AuditEvent.objects.filter(action="contacts.rules_set").exists()

    def test_a_missing_value_is_an_error(self, client, world):
        client.force_login(world.orgadmin_mh)
        page = client.post(url(world.mh), {**GOOD, "reminder_hours_before": ""}).content.decode()
        assert 'href="#reminder_hours_before"' in page
        assert not ContactRules.objects.exists()

    def test_another_organisations_rules_are_404_to_an_org_admin(self, client, world):
        client.force_login(world.orgadmin_mh)
        assert client.get(url(world.sm)).status_code == 404
        assert client.post(url(world.sm), GOOD).status_code == 404
        assert not ContactRules.objects.exists()

    def test_other_roles_are_refused(self, client, world):
        for someone in (world.keyworker_mh, world.manager_mh, world.pharmacist):
            client.force_login(someone)
            assert client.get("/contacts/rules/").status_code == 403
            assert client.post(url(world.mh), GOOD).status_code == 403
        for someone in (world.service_user_login, world.carer):
            client.force_login(someone)
            assert client.get(url(world.mh)).status_code == 403
        assert not ContactRules.objects.exists()

    def test_an_admin_of_two_organisations_chooses(self, client, world):
        both = staff("orgadmin.both", world.sm_team, StaffRole.Role.ORG_ADMIN)
        people_services.staff_role_add(user=both, team=world.mh_admin_team, role=StaffRole.Role.ORG_ADMIN)
        client.force_login(both)
        page = client.get("/contacts/rules/").content.decode()
        assert url(world.mh) in page and url(world.sm) in page

    def test_the_page_is_in_the_org_admins_menu(self, client, world):
        client.force_login(world.orgadmin_mh)
        assert 'href="/contacts/rules/"' in client.get(url(world.mh)).content.decode()


class RulesServiceTests:
    def test_only_an_admin_of_the_organisation_may_set_them(self, world):
        for someone in (world.keyworker_mh, world.manager_mh):
            with pytest.raises(ApplicationError):
                services.contact_rules_set(organisation=world.mh, by=someone, disengaged_after_days=14)
        with pytest.raises(ApplicationError):
            services.contact_rules_set(organisation=world.sm, by=world.orgadmin_mh, disengaged_after_days=14)

    def test_each_value_is_checked_against_its_range(self, world):
        for name, value in (
            ("urgent_after_missed_collections", 8),
            ("escalate_urgent_after_minutes", 10),
            ("disengaged_after_days", 6),
            ("reminder_hours_before", 0),
            ("not_recorded_alert_hour", -1),
            ("not_recorded_alert_hour", "9.5"),
        ):
            with pytest.raises(ApplicationError) as refused:
                services.contact_rules_set(organisation=world.mh, by=world.orgadmin_mh, **{name: value})
            assert refused.value.field == name
        assert not ContactRules.objects.exists()

    def test_values_left_out_keep_their_setting(self, world):
        services.contact_rules_set(organisation=world.mh, by=world.orgadmin_mh, disengaged_after_days=14)
        rules = services.rules_for([world.mh.pk])[world.mh.pk]
        assert rules.disengaged_after_days == 14 and rules.urgent_after_missed_collections == 3


class RulesPageQueryTests:
    def test_queries_do_not_grow_with_the_history(self, client, world, django_assert_max_num_queries):
        client.force_login(world.orgadmin_mh)
        services.contact_rules_set(organisation=world.mh, by=world.orgadmin_mh, disengaged_after_days=14)
        with django_assert_max_num_queries(40) as first:
            client.get(url(world.mh))
        for days in range(15, 45):
            services.contact_rules_set(
                organisation=world.mh, by=world.orgadmin_mh, disengaged_after_days=days
            )
        with django_assert_max_num_queries(len(first.captured_queries)):
            page = client.get(url(world.mh)).content.decode()
        assert page.count("Days before a person counts as disengaged:") == 31
