"""/my/record-views/: one row per visit (rows by one person close together are one visit),
times written as people write them, and the name of the organisation wherever it can be known."""

import datetime as dt
import zoneinfo

from django.urls import reverse
from django.utils.html import escape
from freezegun import freeze_time

from dualcare.audit.models import AuditEvent
from dualcare.audit.services import audit_record

LONDON = zoneinfo.ZoneInfo("Europe/London")


def rows_of(client):
    return client.get(reverse("my_record_views")).context["page"].object_list


class RecordVisitTests:
    def test_it_shows_one_row_per_visit_with_times_as_people_write_them(self, world, client):
        # 12:02am on a winter night, London time; three reads of the record in one visit.
        start = dt.datetime(2026, 1, 14, 0, 2, tzinfo=LONDON)
        for seconds in (0, 20, 75):
            with freeze_time(start + dt.timedelta(seconds=seconds)):
                audit_record(actor=world.keyworker_sm, action="service_user.view", target=world.service_user)
        # Another visit by the same person an hour later, and one by someone else in between.
        with freeze_time(start + dt.timedelta(minutes=30)):
            audit_record(actor=world.keyworker_mh, action="careplan.view", target=world.service_user)
        with freeze_time(start + dt.timedelta(hours=1)):
            audit_record(actor=world.keyworker_sm, action="careplan.publish", target=world.service_user)
        client.force_login(world.service_user_login)
        visits = [v for v in rows_of(client) if v.started.year == 2026 and v.started.month == 1]
        assert [(v.actor, v.did) for v in visits] == [
            (world.keyworker_sm, ["Changed your record"]),
            (world.keyworker_mh, ["Looked at your record"]),
            (world.keyworker_sm, ["Looked at your record"]),
        ]
        html = client.get(reverse("my_record_views")).content.decode()
        assert "14 Jan 2026, 12:02am to 12:03am" in html
        assert "14 Jan 2026, 1:02am" in html
        assert "a.m." not in html and "p.m." not in html

    def test_it_names_the_organisation_the_person_worked_for_when_a_row_names_none(self, world, client):
        # Rows written without an organisation (by the audit middleware, or before it was
        # recorded) still say where the person works.
        AuditEvent.objects.create(
            actor=world.keyworker_sm, action="service_user.view", service_user=world.service_user
        )
        client.force_login(world.service_user_login)
        visit = next(v for v in rows_of(client) if v.actor == world.keyworker_sm)
        assert visit.organisation_name == "Testshire Drug and Alcohol Service"
        html = client.get(reverse("my_record_views")).content.decode()
        assert "Not known" not in html
        assert escape(world.keyworker_sm.display_name) in html

    def test_it_says_a_list_read_was_a_list_that_included_the_person(self, world, client):
        audit_record(actor=world.keyworker_mh, action="contacts.pharmacy.list", target=world.service_user)
        client.force_login(world.service_user_login)
        html = client.get(reverse("my_record_views")).content.decode()
        assert "Looked at a list that included you" in html


class ClockTests:
    def test_it_writes_times_as_people_write_them(self):
        from django.template import Context, Template

        from dualcare.templatetags.dualcare_tags import clock

        assert clock(dt.time(0, 2)) == "12:02am"
        assert clock(dt.time(12, 0)) == "12:00pm"
        assert clock(dt.time(15, 30)) == "3:30pm"
        # Aware datetimes in local time: 13:05 UTC in July is 2:05pm in London.
        assert clock(dt.datetime(2026, 7, 1, 13, 5, tzinfo=dt.UTC)) == "2:05pm"
        assert clock(None) == ""
        rendered = Template("{% load dualcare_tags %}{{ t|clock }}").render(Context({"t": dt.time(9, 5)}))
        assert rendered == "9:05am"

    def test_the_persons_appointments_show_times_as_people_write_them(self, world, client):
        from dualcare.contacts import services as contacts

        when = (dt.datetime.now(LONDON) + dt.timedelta(days=3)).replace(hour=9, minute=30, second=0)
        contacts.appointment_create(
            by=world.keyworker_mh,
            service_user=world.service_user,
            kind="clinic",
            team=world.cmht_north,
            starts_at=when,
        )
        client.force_login(world.service_user_login)
        html = client.get(reverse("contacts:mine")).content.decode()
        assert f"{when:%A} {when.day} {when:%B} at 9:30am" in html
