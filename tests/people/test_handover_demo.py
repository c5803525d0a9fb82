"""A provider handover on the demo (issue 21 item 6, part): Harbourside's Recovery Team passes to a
new provider. The dry run's counts are what moves; before the date Harbourside's staff still see
their people, on it they get a 404 and the new team sees them, with the counts before and after."""

import datetime as dt

import pytest
from django.urls import reverse
from freezegun import freeze_time

from careplans.models import PlanEntry
from dualcare import access
from dualcare.audit.models import AuditEvent
from dualcare.contacts.models import Contact
from dualcare.people import handover, services
from dualcare.people.handover_models import Handover, HandoverMove
from dualcare.people.models import Involvement, Organisation, StaffRole
from dualcare.people.tasks import handovers_carry_out_due
from outcomes.models import TopForm
from tests.factories import TeamFactory, staff

pytestmark = pytest.mark.django_db
Role = StaffRole.Role


class DemoHandoverTests:
    def test_a_handover_of_the_recovery_team_moves_its_people_on_the_day(self, demo_live, client):
        demo = demo_live.demo
        sm, recovery = demo.organisations["sm"], demo.teams["recovery"]
        keyworker_sm = demo.staff["keyworker.sm"]
        new_org = services.organisation_create(
            name="Riverside Recovery Partnership", kind=Organisation.Kind.SUBSTANCE_MISUSE
        )
        new_team = TeamFactory(organisation=new_org, name="Riverside Recovery Team")
        new_keyworker = staff("keyworker.riverside", new_team, Role.KEY_WORKER)
        admin_sm = staff(
            "orgadmin.harbourside", TeamFactory(organisation=sm, name="Harbourside office"), Role.ORG_ADMIN
        )
        admin_new = staff(
            "orgadmin.riverside", TeamFactory(organisation=new_org, name="Riverside office"), Role.ORG_ADMIN
        )

        people = list(
            Involvement.objects.filter(team=recovery, end__isnull=True).values_list(
                "service_user_id", flat=True
            )
        )
        assert people, "the demo's Recovery Team has people in care"
        # Those the prescribing team still cares for stay Harbourside's people: what Harbourside holds
        # as an organisation (plan entries, TOP forms) moves only for the others.
        staying = set(
            Involvement.objects.filter(team__organisation=sm, end__isnull=True)
            .exclude(team=recovery)
            .values_list("service_user_id", flat=True)
        )
        leaving = [pk for pk in people if pk not in staying]
        before = {
            "entries": PlanEntry.objects.filter(organisation=sm, plan__service_user__in=leaving).count(),
            "tops": TopForm.objects.filter(organisation=sm, service_user__in=leaving).count(),
            "contacts": Contact.objects.filter(team=recovery, service_user__in=people).count(),
        }
        assert before["entries"] and before["contacts"]

        on = demo.today + dt.timedelta(days=1)
        found = handover.handover_propose(from_organisation=sm, to_organisation=new_org, on=on, by=admin_sm)
        handover.handover_team_add(handover=found, from_team=recovery, to_team=new_team, by=admin_sm)
        run = handover.handover_dry_run(found)
        counts = {label: count for label, _words, count in run.kinds}
        assert run.people == len(set(people))
        assert counts["careplans.planentry"] == before["entries"]
        assert counts["outcomes.topform"] == before["tops"]
        assert counts["contacts.contact"] == before["contacts"]
        handover.handover_agree(handover=found, by=admin_sm)
        handover.handover_agree(handover=found, by=admin_new)

        someone = next(pk for pk in leaving if access.can_view_record(keyworker_sm, _person(pk)))
        page = reverse("service_user_detail", kwargs={"pk": someone})
        with freeze_time(demo.today):
            client.force_login(keyworker_sm)
            assert handovers_carry_out_due() == 0
            assert client.get(page).status_code == 200
        with freeze_time(on):
            client.force_login(keyworker_sm)
            assert handovers_carry_out_due() == 1
            assert client.get(page).status_code == 404
            assert access.can_view_record(new_keyworker, _person(someone))

        found.refresh_from_db()
        assert found.state == Handover.State.DONE
        assert PlanEntry.objects.filter(organisation=sm, plan__service_user__in=leaving).count() == 0
        assert (
            PlanEntry.objects.filter(organisation=new_org, plan__service_user__in=people).count()
            == before["entries"]
        )
        assert TopForm.objects.filter(organisation=new_org, service_user__in=people).count() == before["tops"]
        assert Contact.objects.filter(team=new_team, service_user__in=people).count() == before["contacts"]
        assert not Involvement.objects.filter(team=recovery, end__isnull=True).exists()
        assert Involvement.objects.filter(team=new_team, end__isnull=True).count() == len(set(people))
        moved = AuditEvent.objects.filter(action="handover.move", detail__how="moved").count()
        assert moved == before["entries"] + before["tops"] + before["contacts"] + sum(
            count
            for label, count in counts.items()
            if label not in {"careplans.planentry", "outcomes.topform", "contacts.contact"}
        )
        total = sum(HandoverMove.objects.filter(handover=found, how="moved").values_list("count", flat=True))
        assert total == moved


def _person(pk):
    from dualcare.people.models import ServiceUser

    return ServiceUser.objects.get(pk=pk)
