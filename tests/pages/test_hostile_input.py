"""Hostile input on every page with a form: 20-digit years, huge, negative and not-a-number
numbers, text far too long, control and format characters, NUL bytes, full-width digits.

Each page in PAGES is fetched as a role that may use it; every POST form on it is read from the
HTML (so a box added later is fuzzed too) and submitted with each round of HOSTILE values. The
answer is never a 500, a form shown again shows the error summary, and nothing is written.
A test fails when a form of the project is on no page here, so no form goes unfuzzed.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django import forms
from django.apps import apps
from django.db import connection
from django.urls import get_resolver, reverse
from django.utils import timezone

from careplans import services as careplan_services
from cohorts import services as cohort_services
from conversations import services as conversation_services
from directory import pack_services as directory_pack_services
from directory import services as directory_services
from directory import signposting as directory_signposting
from directory.models import Service as DirectoryService
from dualcare.notifications.selectors import alerts_for
from dualcare.people import handover as handover_services
from dualcare.people.forms import DatePartsField, NHSForm
from dualcare.safety import services as safety_services
from dualcare.safety.incidents import services as incident_services
from linkworkers import services as linkworker_services
from outcomes import services as outcome_services
from referrals import services as referral_services
from tests.careplans import helpers as careplan_helpers
from tests.contacts import helpers as contact_helpers
from tests.directory.helpers import oruk_service as directory_service
from tests.directory.helpers import page as directory_page
from tests.referrals.helpers import make_referral

pytestmark = pytest.mark.django_db

# Field i of a form gets, in round r, the value of its kind from HOSTILE[(r + i) % 5]: three
# rounds give a form of several fields every value, and keep the test quick.
ROUNDS = 3
HOSTILE = [
    {"date": ("1", "1", "9" * 20), "text": "\x00", "number": "9" * 30},
    {"date": ("-1", "-1", "-2026"), "text": "x" * 100_001, "number": "-99999999999"},
    {"date": ("\uff13", "\uff11", "\uff12\uff10\uff12\uff16"), "text": "a\u202eb\x1b[31m", "number": "NaN"},
    {"date": ("x", "", "1e5"), "text": "\ufeff\x7f", "number": "1e400"},
    {"date": ("99", "99", "0000"), "text": "\u200b", "number": "inf"},
]

# The project's data, not Django's bookkeeping: sessions and the audit log change on any visit.
WATCHED_APPS = {
    "people",
    "referrals",
    "careplans",
    "linkworkers",
    "cohorts",
    "outcomes",
    "contacts",
    "notifications",
    "dashboards",
    "carers",
    "directory",
}


class _PostForms(HTMLParser):
    """The POST forms of a page: each box's name and kind, and a valid value for the choices."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = None
            if (a.get("method") or "").lower() == "post":
                self._form = {"action": a.get("action") or "", "boxes": {}, "fixed": {}}
                self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind == "hidden":
                form["fixed"][name] = a.get("value", "")
            elif kind in ("radio", "checkbox"):
                form["fixed"].setdefault(name, a.get("value", "on"))
            elif kind in ("file", "submit"):
                pass
            elif name.endswith(("_day", "_month", "_year")):
                form["boxes"][name] = "date"
            elif kind == "number" or a.get("inputmode") == "numeric":
                form["boxes"][name] = "number"
            else:
                form["boxes"][name] = "text"
        elif tag == "textarea" and name:
            form["boxes"][name] = "text"
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and a.get("value"):
            form["fixed"].setdefault(self._select, a["value"])
        elif tag == "button" and name == "action" and (a.get("type") or "submit") == "submit":
            # the main button (a referral's "send"); never a second one such as "remove"
            form["fixed"].setdefault(name, a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _hostile_data(form: dict, round_: int) -> dict:
    data = dict(form["fixed"])
    # a date's day, month and year boxes are one field: they take their values from one row
    fields = list(dict.fromkeys(_field_of(name, kind) for name, kind in form["boxes"].items()))
    for name, kind in form["boxes"].items():
        values = HOSTILE[(round_ + fields.index(_field_of(name, kind))) % len(HOSTILE)]
        if kind == "date":
            day, month, year = values["date"]
            data[name] = {"day": day, "month": month, "year": year}[name.rsplit("_", 1)[1]]
        else:
            data[name] = values[kind]
    return data


def _field_of(name: str, kind: str) -> str:
    return name.rsplit("_", 1)[0] if kind == "date" else name


def _counts() -> dict:
    """Rows in each of the project's tables, in one query (this runs for every form)."""
    models = [model for model in apps.get_models() if model._meta.app_label in WATCHED_APPS]
    quote = connection.ops.quote_name
    selects = ", ".join(f"(SELECT COUNT(*) FROM {quote(model._meta.db_table)})" for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}")
        return dict(zip((model._meta.label for model in models), cursor.fetchone(), strict=True))


def _forms_in(response) -> set[type]:
    seen = set()
    for context in response.context or []:
        for layer in context.dicts:
            for value in layer.values():
                if isinstance(value, forms.BaseForm):
                    seen.add(type(value))
    return seen


@pytest.fixture
def places(world):
    """The records the pages are about, made through the services."""
    today = timezone.localdate()
    referral = make_referral(world)  # from the Recovery Team to North CMHT: keyworker.mh receives it
    cohort = cohort_services.cohort_create(by=world.manager_mh, name="North cohort", start=today)
    meeting = linkworker_services.meeting_create(
        title="Link meeting",
        starts_at=timezone.now() + dt.timedelta(days=7),
        duration_minutes=90,
        location="Room 1",
        chair=world.linkworker_mh,
    )
    item = linkworker_services.item_add(meeting=meeting, title="Housing", by=world.linkworker_mh)
    # From the Recovery Team to South CMHT, accepted there: its handover is to record.
    accepted = make_referral(world, to_team=world.cmht_south)
    referral_services.referral_accept(referral=accepted, by=world.keyworker_mh_south)
    cohort_services.quadrant_assess(
        service_user=world.service_user,
        mental_health_severity="high",
        substance_use_severity="high",
        rationale="Psychosis and daily heroin use.",
        assessed_on=today,
        by=world.keyworker_mh,
    )
    enrolment = cohort_services.cohort_enrol(
        cohort=cohort, service_user=world.service_user, by=world.manager_mh
    )
    appointment = linkworker_services.appointment_create(
        team=world.cmht_north, user=world.linkworker_mh, by=world.orgadmin_mh
    )
    careplan_helpers.shared_plan(world)
    version = careplan_helpers.publish(world)
    # A draft saved before its urgency was chosen: its page asks for one with the Send form.
    draft = make_referral(world, urgency="", send=False, to_team=world.cmht_south)
    conversation = conversation_services.conversation_start(
        service_user=world.service_user,
        by=world.keyworker_sm,
        kind="care_plan",
        subject="The depot",
        text="Is it due on Friday?",
        staff=[world.keyworker_mh],
        includes_service_user=True,
    )
    # Safety flags (issue 19): one to review or remove, one waiting for a second person.
    flag, flag_pending = (
        safety_services.safety_flag_raise(
            service_user=world.service_user,
            by=world.keyworker_mh,
            code="overdose",
            warning="Overdose risk",
            reason="Released",
            review_on=timezone.localdate() + dt.timedelta(days=30),
        )
        for _ in range(2)
    )
    safety_services.safety_flag_remove(flag=flag_pending, by=world.keyworker_mh, reason="Engaging")
    incident = incident_services.incident_report(
        service_user=world.service_user,
        by=world.keyworker_mh,
        kind="near_miss",
        harm="none",
        title="Two scripts nearly issued",
        occurred_on=world.today,
        what_happened="Both services started a prescription.",
    )
    # Issue 20: Sam's own goal, to rate, and words for the plan waiting for the workers' answer.
    goal = careplan_services.own_words_propose(
        service_user=world.service_user,
        by=world.service_user_login,
        kind="goal",
        text="Work again",
        domain="job",
    )
    words = careplan_services.own_words_propose(
        service_user=world.service_user, by=world.service_user_login, kind="what_helps", text="Music"
    )
    # DIALOG with items Sam wants more help with: DIALOG+ discusses them.
    outcome_services.dialog_record(
        service_user=world.service_user,
        by=world.keyworker_mh,
        rated_on=today - dt.timedelta(days=1),
        items=[3, 4, 2, 5, 3, 4, 6, 5, 6, 5, 7],
        more_help=[3, 6],
    )
    # Issue 18: an entry the trust keeps, a North CMHT pack with it, and Sam signposted to it.
    directory_services.directory_import(
        keeper=world.mh, by=None, file_name="fuzz.json", content=directory_page(directory_service("fuzz"))
    )
    entry = DirectoryService.objects.get()
    pack = directory_pack_services.pack_create(
        by=world.keyworker_mh, team=world.cmht_north, title="Fuzz pack"
    )
    directory_pack_services.pack_entry_add(by=world.keyworker_mh, pack=pack, service=entry)
    signpost = directory_signposting.signpost_record(
        service_user=world.service_user,
        team=world.cmht_north,
        by=world.keyworker_mh,
        occasion="involvement_ended",
        services=[entry],
    )
    # Issue 21 item 5: the trust proposes handing the South CMHT's people to the drug and alcohol service.
    handover = handover_services.handover_propose(
        from_organisation=world.mh, to_organisation=world.sm, on=today, by=world.orgadmin_mh
    )
    handover_services.handover_team_add(
        handover=handover, from_team=world.cmht_south, to_team=world.sm_team, by=world.orgadmin_mh
    )
    return SimpleNamespace(
        goal=goal,
        words=words,
        pack=pack,
        signpost=signpost,
        handover=handover,
        flag=flag,
        flag_pending=flag_pending,
        incident=incident,
        conversation=conversation,
        message=conversation.messages.get(),
        referral=referral,
        draft=draft,
        accepted=accepted,
        cohort=cohort,
        enrolment=enrolment,
        meeting=meeting,
        item=item,
        link_appointment=appointment,
        contact=contact_helpers.appointment(world),
        version=version,
        alert=alerts_for(world.keyworker_mh).first(),
        consent=world.service_user.consents.filter(recorded_by=world.keyworker_mh).first(),
        involvement=world.service_user.involvements.get(team=world.cmht_north),
    )


def _pages(w, p) -> list[tuple[object, str]]:
    su = w.service_user.pk
    sections = ["what_matters", "goal", "action", "crisis", "risk", "carer", "discharge"]
    return [
        (w.keyworker_mh, reverse("service_user_register")),
        # Search and filter forms (GET: the pages answer bad values with field errors, tested in
        # tests/pages/test_caseload.py, tests/contacts/test_pharmacy_today_list.py, the appointments'
        # tests/contacts/test_pages.py and the referral lists' tests/referrals/test_lists_ids_first.py).
        (w.keyworker_mh, reverse("caseload")),
        (w.pharmacist, reverse("pharmacy_list")),
        (w.pharmacist, "/contacts/pharmacy/"),
        (w.keyworker_mh, "/referrals/"),
        (w.keyworker_mh, reverse("consent_record", args=[su])),
        (w.keyworker_mh, reverse("service_user_detail", args=[su])),
        (w.keyworker_mh, reverse("consent_withdraw", args=[su, p.consent.pk])),
        (w.keyworker_mh, reverse("involvement_end", args=[su, p.involvement.pk])),
        (w.keyworker_mh, f"/alerts/{p.alert.pk}/"),
        (w.orgadmin_mh, reverse("team_create", args=[w.mh.pk])),
        (w.orgadmin_mh, reverse("staff_create", args=[w.mh.pk])),
        (w.orgadmin_mh, reverse("team_edit", args=[w.cmht_north.pk])),
        (w.orgadmin_mh, reverse("people_merge")),  # issue 21 item 4: merging two records
        (w.keyworker_mh, f"/referrals/people/{su}/new/"),
        (w.keyworker_mh, f"/referrals/{p.referral.pk}/"),
        (w.keyworker_sm, f"/referrals/{p.draft.pk}/"),
        (w.keyworker_mh, f"/referrals/{p.referral.pk}/decline/"),
        (w.keyworker_mh, f"/referrals/{p.referral.pk}/accept/"),
        (w.keyworker_sm, f"/referrals/{p.referral.pk}/withdraw/"),
        (w.keyworker_mh_south, f"/referrals/{p.accepted.pk}/handover/"),
        (w.keyworker_mh, f"/cohorts/people/{su}/quadrant/"),
        (w.manager_mh, "/cohorts/new/"),
        (w.manager_mh, f"/cohorts/{p.cohort.pk}/edit/"),
        (w.manager_mh, f"/cohorts/{p.cohort.pk}/enrol/"),
        (w.manager_mh, f"/cohorts/{p.cohort.pk}/enrolments/{p.enrolment.pk}/exit/"),
        *((w.keyworker_mh, f"/care-plans/people/{su}/add/{section}/") for section in sections),
        (w.keyworker_mh, f"/care-plans/people/{su}/publish/"),
        (w.keyworker_mh, f"/care-plans/versions/{p.version.pk}/agreement/"),
        (w.keyworker_mh, f"/contacts/people/{su}/appointments/new/"),
        (w.keyworker_sm, f"/contacts/people/{su}/supervised-consumption/new/"),
        (w.orgadmin_mh, f"/contacts/rules/{w.mh.pk}/"),
        (w.keyworker_mh, "/contacts/"),  # each appointment has its record form
        (w.orgadmin_mh, "/link-workers/appoint/"),
        (w.orgadmin_mh, "/link-workers/training/"),
        (w.orgadmin_mh, f"/link-workers/appointments/{p.link_appointment.pk}/end/"),
        (w.linkworker_mh, "/link-workers/meetings/new/"),
        (w.linkworker_mh, f"/link-workers/meetings/{p.meeting.pk}/"),
        (w.linkworker_mh, f"/link-workers/meetings/{p.meeting.pk}/notify/"),
        (w.linkworker_mh, f"/link-workers/meetings/{p.meeting.pk}/items/{p.item.pk}/"),
        (w.linkworker_mh, f"/link-workers/meetings/{p.meeting.pk}/actions/"),
        (w.keyworker_mh, f"/outcomes/people/{su}/honos/new/"),
        (w.keyworker_mh, f"/outcomes/people/{su}/top/new/"),
        (w.keyworker_mh, f"/outcomes/people/{su}/dialog/new/"),
        (w.keyworker_mh, f"/outcomes/people/{su}/satisfaction/new/"),
        (w.service_user_login, "/outcomes/mine/feedback/"),
        (w.service_user_login, "/my/care-plan/"),
        (w.carer, f"/care-plans/carer/{su}/"),
        (w.manager_mh, "/spc/"),
        (w.keyworker_mh, f"/people/{su}/timeline/"),  # its filters: a GET form
        (w.keyworker_mh, f"/conversations/people/{su}/new/"),
        (w.keyworker_mh, f"/conversations/{p.conversation.pk}/"),
        (w.keyworker_mh, f"/conversations/{p.conversation.pk}/messages/{p.message.pk}/plan-action/"),
        (w.keyworker_mh, f"/conversations/{p.conversation.pk}/messages/{p.message.pk}/link-meeting/"),
        (w.service_user_login, "/conversations/mine/new/"),
        (w.service_user_login, f"/conversations/mine/{p.conversation.pk}/"),
        (w.manager_mh, f"/dashboards/teams/{w.cmht_south.pk}/measures/referrals.acknowledged_in_time/"),
        # Service directory: the search (a GET form), an entry of the trust's, an import.
        (w.keyworker_mh, "/directory/"),
        (w.orgadmin_mh, "/directory/kept/new/"),
        (w.orgadmin_mh, "/directory/kept/import/"),
        (w.keyworker_mh, f"/safety/people/{su}/risk/"),  # its filters: a GET form
        (w.keyworker_mh, f"/safety/people/{su}/risk/new/"),
        (w.keyworker_mh, f"/safety/people/{su}/flags/new/"),
        (w.keyworker_mh, f"/safety/flags/{p.flag.pk}/"),  # review and remove
        (w.linkworker_mh, f"/safety/flags/{p.flag_pending.pk}/"),  # the second person's decision
        # Issue 19: incidents (the list's filters, the report forms, the review's forms) and the pack.
        (w.keyworker_mh, "/incidents/"),
        (w.keyworker_mh, "/incidents/report/"),
        (w.keyworker_mh, f"/incidents/people/{su}/report/"),
        (w.manager_mh, f"/incidents/{p.incident.pk}/"),
        (w.manager_mh, "/dashboards/locality/meeting-pack/"),
        (w.manager_mh, f"/dashboards/organisations/{w.mh.pk}/agreed-measures/"),
        # Issue 20: the person's own goals (new, and rating one) and words; a worker's answer.
        (w.service_user_login, "/my/care-plan/goals/new/"),
        (w.service_user_login, "/my/care-plan/goals/"),
        (w.service_user_login, f"/my/care-plan/goals/rate/?goal={p.goal.pk}"),
        (w.service_user_login, "/my/care-plan/your-words/new/"),
        (w.keyworker_mh, f"/care-plans/people/{su}/their-words/"),
        (w.keyworker_mh, f"/care-plans/people/{su}/their-words/answer/?words={p.words.pk}"),
        (w.keyworker_mh, f"/outcomes/people/{su}/dialog-plus/discuss/?item=3"),
        (w.keyworker_mh, f"/carers/people/{su}/new/"),
        (w.keyworker_mh, f"/carers/{w.carer_link.pk}/"),
        (w.keyworker_mh, f"/contacts/people/{su}/do-not-contact/"),
        # Issue 18: information packs (the list's search, a new one, one with its upload form).
        (w.keyworker_mh, "/directory/packs/"),
        (w.keyworker_mh, "/directory/packs/new/"),
        (w.keyworker_mh, f"/directory/packs/{p.pack.pk}/"),
        (w.keyworker_mh, f"/directory/packs/{p.pack.pk}/documents/new/"),
        (w.keyworker_mh, "/directory/signposts/"),
        (w.keyworker_mh, f"/directory/signposts/{p.signpost.pk}/"),
        # Issue 21 item 5: a provider handover proposed, and one with its search for people.
        (w.orgadmin_mh, "/organisation/handovers/new/"),
        (w.orgadmin_mh, f"/organisation/handovers/{p.handover.pk}/"),
        (w.manager_sm, f"/outcomes/ndtms/{w.sm.pk}/"),
    ]


# Forms with no page of their own: the page that posts to them is fuzzed above.
POSTED_FROM_ANOTHER_PAGE = {
    "NoteForm": "the note of a referral's move (send, acknowledge, close), from the referral page",
    "RecordForm": "the pages show only its outcome buttons; its note is fuzzed by a direct POST",
}


def _direct_posts(w, p) -> list[tuple[object, dict]]:
    """Boxes a form takes that no page shows, posted as a script could."""
    record = f"/contacts/{p.contact.pk}/record/"
    return [(w.keyworker_mh, {"action": record, "fixed": {"outcome": "attended"}, "boxes": {"note": "text"}})]


def _project_forms() -> set[type]:
    get_resolver().resolve("/")  # imports every views module, and with them every form
    found, todo = set(), list(NHSForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("tests."):
            continue
        kinds = (forms.CharField, forms.IntegerField, forms.DecimalField, forms.TimeField, DatePartsField)
        if any(isinstance(field, kinds) and not field.widget.is_hidden for field in cls.base_fields.values()):
            found.add(cls)
    return found


class HostileInputTests:
    def test_no_page_answers_hostile_input_with_a_500_or_writes_anything(self, world, places, client):
        seen_forms: set[type] = set()
        fuzzed = 0
        targets = []
        signed_in = None
        for user, url in _pages(world, places):
            if user != signed_in:
                client.force_login(user)
                signed_in = user
            page = client.get(url)
            assert page.status_code == 200, (url, page.status_code)
            seen_forms |= _forms_in(page)
            parser = _PostForms()
            parser.feed(page.content.decode())
            targets += [(user, url, form) for form in parser.forms]
        targets += [(user, form["action"], form) for user, form in _direct_posts(world, places)]
        for user, url, form in targets:
            if not form["boxes"]:
                continue  # only buttons and choices: nothing typed to be hostile with
            if user != signed_in:
                client.force_login(user)
                signed_in = user
            action = form["action"] or url
            before = _counts()
            for round_ in range(ROUNDS):
                response = client.post(action, _hostile_data(form, round_))
                fuzzed += 1
                assert response.status_code < 500, (action, round_, response.status_code)
                if response.status_code == 200:
                    assert "nhsuk-error-summary" in response.content.decode(), (action, round_)
            assert _counts() == before, action
        assert fuzzed > 90
        missing = {cls.__qualname__ for cls in _project_forms() - seen_forms} - set(POSTED_FROM_ANOTHER_PAGE)
        assert missing == set(), f"forms on no page in _pages(): {sorted(missing)}"
