"""The person's "Who can see what about you" page (issue 20, item 3): they see what each service
working with them may see, stop sharing at once, and ask for sharing to start, which a worker
confirms by recording the consent; their key workers are told of each change, once."""

import pytest
from django.urls import reverse

from dualcare import access
from dualcare.audit.models import AuditEvent
from dualcare.exceptions import ApplicationError
from dualcare.notifications.models import Notification
from dualcare.people import services
from dualcare.people.models import Consent, ConsentRequest, Organisation, Scope

pytestmark = pytest.mark.django_db


def _sm_care_plan(world) -> Consent:
    return Consent.objects.get(
        service_user=world.service_user,
        organisation=world.sm,
        scope=Scope.CARE_PLAN,
        withdrawn_at__isnull=True,
    )


BY_PERSON = ("consent.withdrawn_by_person", "consent.requested_by_person")


def _told():
    rows = Notification.objects.filter(kind__in=BY_PERSON, channel="in_app")
    return sorted(rows.values_list("recipient__username", flat=True))


class MySharingPageTests:
    def test_it_shows_each_service_and_what_it_can_see_in_plain_words(self, client, world):
        client.force_login(world.service_user_login)
        response = client.get(reverse("my_sharing"))
        assert response.status_code == 200
        rows = {
            org.pk: {scope: bool(consent) for scope, _w, consent, _a in scopes}
            for org, scopes in response.context["rows"]
        }
        assert rows[world.sm.pk][Scope.CARE_PLAN] and not rows[world.sm.pk][Scope.RISK]
        assert rows[world.mh.pk][Scope.CARE_PLAN]
        text = response.content.decode()
        assert "Who can see what about you" in text and "your progress scores" in text.lower()
        assert "Stop sharing" in text

    def test_the_page_is_in_the_persons_menu_and_only_theirs(self, client, world):
        client.force_login(world.service_user_login)
        assert reverse("my_sharing") in client.get(reverse("my_home")).content.decode()
        client.force_login(world.keyworker_mh)
        assert client.get(reverse("my_sharing")).status_code == 404
        client.force_login(world.carer)
        assert client.get(reverse("my_sharing")).status_code == 404


class StopSharingTests:
    def test_stopping_takes_effect_at_once_and_the_key_workers_are_told_once(self, client, world):
        consent = _sm_care_plan(world)
        su = world.service_user
        assert access.can_view_scope(world.keyworker_sm, su, Scope.CARE_PLAN, owner=world.mh)
        client.force_login(world.service_user_login)
        page = client.get(reverse("my_sharing_stop", args=[consent.pk]))
        assert page.status_code == 200 and b"will stop seeing your care plan at once" in page.content
        response = client.post(reverse("my_sharing_stop", args=[consent.pk]))
        assert response.status_code == 302 and response.url == reverse("my_sharing")
        access.forget_checks()
        assert not access.can_view_scope(world.keyworker_sm, su, Scope.CARE_PLAN, owner=world.mh)
        consent.refresh_from_db()
        assert consent.withdrawn_by == world.service_user_login
        assert _told() == sorted([world.keyworker_mh.username, world.keyworker_sm.username])
        row = Notification.objects.filter(kind__in=BY_PERSON).first()
        assert (
            "Sam" not in row.subject + row.body and "Testwell" not in row.subject + row.body
        )  # names nobody
        assert f"care plan information with {world.sm}" in row.body
        assert (
            AuditEvent.objects.filter(action="consent.withdraw", actor=world.service_user_login).count() == 1
        )

    def test_a_consent_already_stopped_or_someone_elses_is_not_found(self, client, world):
        consent = _sm_care_plan(world)
        services.consent_withdraw(consent=consent, by=world.keyworker_mh)
        client.force_login(world.service_user_login)
        assert client.post(reverse("my_sharing_stop", args=[consent.pk])).status_code == 404
        other = services.consent_record(
            service_user=world.mh_only, organisation=world.sm, scope=Scope.RISK, by=world.keyworker_mh
        )
        assert client.get(reverse("my_sharing_stop", args=[other.pk])).status_code == 404
        assert not Notification.objects.filter(kind__in=BY_PERSON).exists()

    def test_only_the_person_withdraws_through_this_service(self, world):
        with pytest.raises(ApplicationError, match="only change what is shared about yourself"):
            services.consent_withdraw_by_person(
                service_user=world.service_user, consent=_sm_care_plan(world), by=world.keyworker_mh
            )


class AskToShareTests:
    def _ask(self, client, world, organisation, scope):
        client.force_login(world.service_user_login)
        return client.post(reverse("my_sharing"), {"organisation": str(organisation.pk), "scope": scope})

    def test_asking_tells_the_key_workers_and_recording_the_consent_confirms_it(self, client, world):
        response = self._ask(client, world, world.sm, Scope.RISK)
        assert response.status_code == 302
        request = ConsentRequest.objects.get(
            service_user=world.service_user, organisation=world.sm, scope=Scope.RISK
        )
        assert request.state == ConsentRequest.State.OPEN and request.asked_by == world.service_user_login
        assert _told() == sorted([world.keyworker_mh.username, world.keyworker_sm.username])
        body = Notification.objects.filter(kind__in=BY_PERSON).first().body
        assert f"asked that {world.sm} may see their risk information" in body
        page = client.get(reverse("my_sharing")).content.decode()
        assert "You asked for this to be shared" in page
        # Not yet shared: asking is not consent.
        assert not access.can_view_scope(world.keyworker_sm, world.service_user, Scope.RISK, owner=world.mh)
        consent = services.consent_record(
            service_user=world.service_user, organisation=world.sm, scope=Scope.RISK, by=world.keyworker_mh
        )
        request.refresh_from_db()
        assert request.state == ConsentRequest.State.CONFIRMED and request.consent == consent
        assert request.closed_by == world.keyworker_mh

    def test_asking_twice_or_for_what_is_shared_is_a_message_at_the_field(self, client, world):
        self._ask(client, world, world.sm, Scope.RISK)
        again = self._ask(client, world, world.sm, Scope.RISK)
        assert again.status_code == 400 and b"You have already asked for this" in again.content
        assert b"Error: Who can see what about you" in again.content
        shared = self._ask(client, world, world.sm, Scope.CARE_PLAN)
        assert shared.status_code == 400 and b"can already see this" in shared.content
        assert ConsentRequest.objects.count() == 1
        assert len(_told()) == 2  # one request, told once each

    def test_a_service_not_working_with_them_or_a_bad_value_is_refused(self, client, world):
        outsider = Organisation.objects.create(
            name="Faraway Recovery Service", kind=Organisation.Kind.THIRD_SECTOR
        )
        with pytest.raises(ApplicationError, match="is not working with you now"):
            services.consent_request_ask(
                service_user=world.service_user,
                organisation=outsider,
                scope=Scope.RISK,
                by=world.service_user_login,
            )
        offered = self._ask(client, world, outsider, Scope.RISK)  # not among the choices the page offers
        assert offered.status_code == 400 and b"Choose one of the options shown" in offered.content
        bad = client.post(reverse("my_sharing"), {"organisation": "not-a-service", "scope": "everything"})
        assert bad.status_code == 400 and b"Choose one of the options shown" in bad.content
        assert (
            not ConsentRequest.objects.exists()
            and not Notification.objects.filter(kind__in=BY_PERSON).exists()
        )
