"""Co-production: each organisation writes and changes its own entries; conflicts are refused."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from careplans import services
from careplans.models import CarePlan, PlanEntry
from dualcare.audit.models import AuditEvent
from dualcare.exceptions import ApplicationError

from .helpers import fresh, shared_plan

pytestmark = pytest.mark.django_db


class CoEditingTests:
    def test_it_records_author_and_organisation_of_every_entry(self, world):
        entries = shared_plan(world)
        assert entries["goal"].author == world.keyworker_mh
        assert entries["goal"].organisation == world.mh
        assert entries["action"].organisation == world.sm
        assert CarePlan.objects.filter(service_user=world.service_user).count() == 1
        assert (
            AuditEvent.objects.filter(action="careplan.entry_add", service_user=world.service_user).count()
            == 6
        )

    def test_it_lets_an_organisation_change_its_own_entries(self, world):
        entries = shared_plan(world)
        goal = entries["goal"]
        services.entry_update(
            entry=goal,
            by=world.linkworker_mh,
            expected_version=goal.version,
            text="I want to sleep through the night.",
            domain="mental_health",
            target_date=None,
            progress="Sleeping 5 hours most nights.",
        )
        goal = fresh(goal)
        assert goal.progress == "Sleeping 5 hours most nights."
        assert goal.version == 2
        assert goal.updated_by == world.linkworker_mh
        assert goal.author == world.keyworker_mh

    def test_it_refuses_another_organisations_change(self, world):
        entries = shared_plan(world)
        goal = entries["goal"]
        with pytest.raises(PermissionDenied):
            services.entry_update(
                entry=goal, by=world.keyworker_sm, expected_version=1, text="Changed", domain="job"
            )
        with pytest.raises(PermissionDenied):
            services.entry_remove(entry=goal, by=world.keyworker_sm, expected_version=1)
        assert fresh(goal).text == "I want to sleep through the night."

    def test_it_refuses_writers_not_working_with_the_person(self, world):
        with pytest.raises(Http404):
            services.entry_add(
                service_user=world.service_user, section="what_matters", by=world.outsider, text="x"
            )
        with pytest.raises(Http404):
            services.entry_add(
                service_user=world.service_user, section="what_matters", by=world.pharmacist, text="x"
            )
        # The trust's manager sees the record but no team of theirs works with Sam.
        with pytest.raises(PermissionDenied):
            services.entry_add(
                service_user=world.service_user, section="what_matters", by=world.manager_mh, text="x"
            )
        assert not PlanEntry.objects.exists()

    def test_it_refuses_a_stale_edit_with_a_clear_message_and_keeps_the_first(self, world):
        entries = shared_plan(world)
        crisis = entries["crisis"]
        opened_version = crisis.version  # both open the form at version 1
        fields = {
            "warning_signs": "Not sleeping.",
            "triggers": "",
            "what_helps": "Calling my sister.",
            "who_to_contact": "Duty worker",
            "out_of_hours": "NHS 111",
        }
        services.entry_update(entry=crisis, by=world.keyworker_mh, expected_version=opened_version, **fields)
        with pytest.raises(ApplicationError) as refused:
            services.entry_update(
                entry=crisis,
                by=world.linkworker_mh,
                expected_version=opened_version,
                **{**fields, "what_helps": "Something else"},
            )
        assert "changed this entry" in refused.value.message
        assert "have not been saved" in refused.value.message
        assert fresh(crisis).what_helps == "Calling my sister."
        assert fresh(crisis).version == 2

    def test_it_checks_each_sections_fields(self, world):
        su, by = world.service_user, world.keyworker_mh
        cases = [
            ({"section": "what_matters", "text": "  "}, "text"),
            ({"section": "goal", "text": "Work", "domain": "astrology"}, "domain"),
            (
                {"section": "goal", "text": "Work", "domain": "job", "target_date": "2026-02-31"},
                "target_date",
            ),
            ({"section": "action", "text": "Call", "owner_kind": "worker"}, "owner_worker"),
            ({"section": "action", "text": "Call", "owner_kind": "nobody"}, "owner_kind"),
            ({"section": "risk", "text": "Low", "recorded_on": None}, "recorded_on"),
            (
                {
                    "section": "risk",
                    "text": "Low",
                    "recorded_on": timezone.localdate() + dt.timedelta(days=2),
                },
                "recorded_on",
            ),
            ({"section": "crisis"}, "warning_signs"),
            ({"section": "carer"}, "carer_views"),
            ({"section": "discharge", "text": ""}, "text"),
            ({"section": "goal", "text": "x" * 5001, "domain": "job"}, "text"),
        ]
        for fields, field in cases:
            with pytest.raises(ApplicationError) as refused:
                services.entry_add(service_user=su, by=by, **fields)
            assert refused.value.field == field, fields
        # A worker outside the care team cannot own an action.
        with pytest.raises(ApplicationError) as refused:
            services.entry_add(
                service_user=su,
                by=by,
                section="action",
                text="Call",
                owner_kind="worker",
                owner_worker=world.outsider,
            )
        assert refused.value.field == "owner_worker"
        assert not PlanEntry.objects.exists()

    def test_it_removes_an_entry_from_the_working_plan_only(self, world):
        entries = shared_plan(world)
        from .helpers import publish

        version = publish(world)
        services.entry_remove(entry=entries["goal"], by=world.keyworker_mh, expected_version=1)
        assert fresh(entries["goal"]).removed_at is not None
        assert len(version.entries("goal")) == 1
        with pytest.raises(ApplicationError):
            services.entry_update(
                entry=entries["goal"], by=world.keyworker_mh, expected_version=2, text="x", domain="job"
            )
