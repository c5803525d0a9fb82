"""The audit trail has no holes (issue 12, item 3): a sweep of every URL pattern.

Every route, pages and /api/v1/, is requested once as a role that may see the person it is
about and once each as two that may not (staff of another organisation, and a service user or
a carer, in turn), its path filled from a test world holding one of everything. It fails for a
response that shows a person (their full name or NHS number; in the API also their id) with no
audit row naming that person written by the request, and for a refusal (403 or 404 on an object
that exists) that wrote no denied row, or whose denied row does not name the person the URL is
about.

A new route fails here until it is given path parameters below or an allowlist entry with the
reason it shows nobody, so no route is ever added unswept (the KoNote permissions table).
"""

import datetime as dt
import io
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from pypdf import PdfReader, PdfWriter

from careplans import services as careplan_services
from cohorts import services as cohort_services
from conversations import services as conversation_services
from directory import pack_services as directory_pack_services
from directory import services as directory_services
from directory import signposting as directory_signposting
from directory.models import Service as DirectoryService
from dualcare.audit.models import AuditEvent
from dualcare.dashboards import services as dashboard_services
from dualcare.notifications.models import Notification
from dualcare.people import handover as handover_services
from dualcare.people import importing as people_importing
from dualcare.people import merging as people_merging
from dualcare.people import services as people_services
from dualcare.people.models import Consent, Involvement, StaffRole, User
from dualcare.safety import services as safety_services
from dualcare.safety.incidents import services as incident_services
from linkworkers import services as link_services
from tests.careplans.helpers import shared_plan
from tests.contacts.helpers import appointment, collection, schedule
from tests.directory.helpers import oruk_service as directory_service
from tests.directory.helpers import page as directory_page
from tests.factories import person as make_person
from tests.linkworkers.conftest import CASE
from tests.outcomes.helpers import make_dialog, make_honos, make_top
from tests.referrals.helpers import make_referral
from tests.world import build_world

# Routes that show nobody, with the reason. Anything else is swept.
ALLOWLIST = {
    "login": "the sign-in form",
    "language": "choosing English or Welsh: a form and the user's own choice",
    "logout": "signing out",
    "two_factor": "the second sign-in step",
    "password_reset": "the reset form",
    "password_reset_done": "a fixed message",
    "password_reset_confirm": "a fixed message for a bad link",
    "password_reset_complete": "a fixed message",
    "api-token": "POST only: signs in",
    "api-token-revoke": "POST only: signs out",
    "api-root": "the list of endpoints",
    "api-schema": "the OpenAPI schema",
    "api-docs": "the schema viewer",
    "api-redoc": "the schema viewer",
    "home": "redirects to the start page of each kind of user",
    "messages:read": "POST only: marks the person's own messages read",
    "invitation_accept": "a new member of staff choosing their password: shows no person",
    "sign_in_link": "asking for a sign-in link: a form and a fixed message",
    "sign_in_link_open": "a sign-in link: a button, or a fixed message for a bad link",
    "contacts:cannot_come": "a reminder's 'I can't come' link: opened by its opaque token only, "
    "which audits the open itself (contact.reply_link_open); any other token is a 404",
}
# Format-suffix twins of API routes (`/referrals.json`) run the same view as the route swept.
FORMAT_SUFFIX = "format"


def _routes(resolver=None, namespace=()):
    for pattern in (resolver or get_resolver()).url_patterns:
        if str(pattern.pattern).startswith("django-admin"):
            continue  # Django's admin: no clinical model is registered, and its sign-in redirects
        if isinstance(pattern, URLResolver):
            inner = (*namespace, pattern.namespace) if pattern.namespace else namespace
            yield from _routes(pattern, inner)
        elif isinstance(pattern, URLPattern) and FORMAT_SUFFIX not in pattern.pattern.regex.groupindex:
            yield ":".join((*namespace, pattern.name)), list(pattern.pattern.regex.groupindex)


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _sweep_world():
    """The test world with one of everything a route can name: built through the services."""
    w = build_world()
    w.referral = make_referral(w)  # keyworker.sm refers Jo Mockridge to North CMHT
    entries = shared_plan(w)
    w.entry = entries["goal"]
    w.version = careplan_services.careplan_publish(service_user=w.service_user, by=w.keyworker_mh)
    w.care_plan = w.version.plan
    # Issue 20: Sam's own goal, rated, and words for the plan waiting for an answer.
    w.own_goal = careplan_services.own_words_propose(
        service_user=w.service_user, by=w.service_user_login, kind="goal", text="Work again", domain="job"
    )
    careplan_services.goal_rate(goal=w.own_goal, by=w.service_user_login, score=4)
    w.own_words = careplan_services.own_words_propose(
        service_user=w.service_user, by=w.service_user_login, kind="what_helps", text="Music"
    )
    # A plan the drug and alcohol service alone wrote: its key worker sees all, so may have the PDF.
    careplan_services.entry_add(
        service_user=w.sm_only, section="what_matters", by=w.keyworker_sm, text="My dog."
    )
    w.sm_only_version = careplan_services.careplan_publish(service_user=w.sm_only, by=w.keyworker_sm)
    careplan_services.version_render_pdf(w.sm_only_version.pk)  # as the task would, after commit
    sched = schedule(w, start=timezone.localdate() - dt.timedelta(days=3))
    w.collection = collection(w, sched, timezone.localdate())
    w.appointment = appointment(w)
    w.honos = make_honos(w)
    w.top = make_top(w)
    w.dialog = make_dialog(w)
    w.quadrant = cohort_services.quadrant_assess(
        service_user=w.service_user,
        mental_health_severity="high",
        substance_use_severity="high",
        rationale="Psychosis and daily drinking.",
        by=w.keyworker_mh,
    )
    w.cohort = cohort_services.cohort_create(
        by=w.manager_mh, name="North cohort", start=timezone.localdate() - dt.timedelta(days=30)
    )
    w.enrolment = cohort_services.cohort_enrol(
        cohort=w.cohort, service_user=w.service_user, by=w.keyworker_mh
    )
    start = timezone.localdate() - dt.timedelta(days=100)
    w.link_appointment = link_services.appointment_create(
        team=w.cmht_north, user=w.linkworker_mh, deputy=w.keyworker_mh, start=start
    )
    link_services.appointment_create(team=w.sm_team, user=w.keyworker_sm, start=start)
    w.meeting = link_services.meeting_create(
        title="Locality link meeting",
        starts_at=timezone.now().replace(microsecond=0) + dt.timedelta(days=10),
        duration_minutes=90,
        location="Room 2",
        chair=w.linkworker_mh,
        standing_items=["Learning and training"],
    )
    w.case = link_services.case_notify(
        meeting=w.meeting, service_user=w.service_user, by=w.keyworker_mh, **CASE
    )
    w.item = w.meeting.items.order_by("position").first()
    w.link_action = link_services.action_add(
        meeting=w.meeting,
        description="Joint assessment",
        owner=w.keyworker_mh,
        due_on=timezone.localdate() + dt.timedelta(days=20),
        by=w.linkworker_mh,
    )
    w.consent = Consent.objects.filter(service_user=w.service_user, organisation=w.sm).first()
    w.involvement = Involvement.objects.get(service_user=w.service_user, team=w.cmht_north)
    # An ended involvement in its exit-measure window: the form names the person.
    w.ended = Involvement.objects.get(service_user=w.mh_only, team=w.cmht_north)
    people_services.involvement_end(involvement=w.ended, by=w.keyworker_mh, reason="Recovered")
    w.role = StaffRole.objects.get(user=w.keyworker_mh)
    w.alert = Notification.objects.filter(recipient=w.keyworker_mh).order_by("created_at").first()
    # A case conversation: keyworker.sm asks keyworker.mh about Sam, Sam included.
    w.conversation = conversation_services.conversation_start(
        service_user=w.service_user,
        by=w.keyworker_sm,
        kind="care_plan",
        subject="The new script",
        text="Is the depot due on Friday?",
        staff=[w.keyworker_mh],
        includes_service_user=True,
    )
    w.message = w.conversation.messages.get()
    # Directory (issue 18): an entry the trust keeps, and its provider; entries name no person.
    w.directory_run = directory_services.directory_import(
        keeper=w.mh, by=None, file_name="sweep.json", content=directory_page(directory_service("sweep"))
    )
    w.directory_service = DirectoryService.objects.get()
    # Issue 18 item 6: the North CMHT's information pack, with the entry and a document.
    w.pack = directory_pack_services.pack_create(by=w.keyworker_mh, team=w.cmht_north, title="Sweep pack")
    w.pack_item = directory_pack_services.pack_entry_add(
        by=w.keyworker_mh, pack=w.pack, service=w.directory_service
    )
    w.pack_document = directory_pack_services.pack_document_add(
        by=w.keyworker_mh, pack=w.pack, title="Sweep handout", content=_blank_pdf()
    ).document
    # Signposting (issue 18 item 4): North CMHT ends its care of Sam, pointing them to that entry.
    w.signpost = directory_signposting.signpost_record(
        service_user=w.service_user,
        team=w.cmht_north,
        by=w.keyworker_mh,
        occasion="involvement_ended",
        services=[w.directory_service],
    )
    # Risk and safety flags (issue 19): the CMHT assesses Sam and raises a flag.
    w.risk = safety_services.risk_assessment_record(
        service_user=w.service_user,
        by=w.keyworker_mh,
        assessed_on=timezone.localdate(),
        domains=[safety_services.DomainInput(domain="overdose", level="high", evidence="Released")],
    )
    w.flag = safety_services.safety_flag_raise(
        service_user=w.service_user,
        by=w.keyworker_mh,
        code="overdose",
        warning="Overdose risk",
        reason="Released",
        review_on=timezone.localdate() + dt.timedelta(days=30),
    )
    # Issue 19: a near miss about Sam under review (keyworker.mh's), with one action.
    w.incident = incident_services.incident_report(
        service_user=w.service_user,
        by=w.keyworker_mh,
        kind="near_miss",
        harm="none",
        title="Two scripts nearly issued",
        occurred_on=timezone.localdate(),
        what_happened="Both services started a prescription.",
    )
    w.incident_action = incident_services.incident_action_add(
        incident=w.incident,
        by=w.keyworker_mh,
        text="Agree one prescriber",
        owner_organisation=w.mh,
        due_date=timezone.localdate() + dt.timedelta(days=7),
    )
    # Issue 19: a measure the trust agreed for the Shared Care meetings (names no person).
    w.agreed_measure = dashboard_services.agreed_measure_add(
        organisation=w.mh,
        measure_key="incidents.serious",
        target=None,
        agreed_on=timezone.localdate(),
        by=w.manager_mh,
    )
    # Provider handover (issue 21 item 5): the trust proposes handing the South CMHT's people over.
    w.handover = handover_services.handover_propose(
        from_organisation=w.mh, to_organisation=w.sm, on=timezone.localdate(), by=w.orgadmin_mh
    )
    handover_services.handover_team_add(
        handover=w.handover, from_team=w.cmht_south, to_team=w.sm_team, by=w.orgadmin_mh
    )
    # Issue 21 item 4: an import into the trust's teams, and a merge of two records of one person.
    w.people_import = people_importing.people_import(
        organisation=w.mh,
        text="nhs_number,given_name,family_name,date_of_birth,team\n,Ira,Importby,1990-01-02,South CMHT\n",
        by=w.orgadmin_mh,
    ).record
    w.merge = people_merging.people_merge(
        kept=make_person(w.cmht_south, nhs_number="", given_name="Lee", family_name="Twiceby"),
        merged=make_person(w.cmht_north, nhs_number="", given_name="Lee", family_name="Twiceby"),
        by=w.orgadmin_mh,
        reason="Registered twice",
    )
    return w


def _params(name: str, w) -> tuple[dict, object, object | None]:
    """(path kwargs, the user who may see what the route is about, the person it is about)."""
    su, kw = w.service_user, w.keyworker_mh
    fixed = {
        "api-dashboard-team": ({"pk": w.cmht_north.pk}, w.manager_mh, None),
        "api-dashboard-organisation": ({"pk": w.mh.pk}, w.manager_mh, None),
        "organisation-detail": ({"pk": w.mh.pk}, kw, None),
        "team-detail": ({"pk": w.cmht_north.pk}, kw, None),
        "service-user-detail": ({"pk": su.pk}, kw, su),
        "api-service-user-timeline": ({"pk": su.pk}, kw, su),
        "timeline:person": ({"pk": su.pk}, kw, su),
        "contact-detail": ({"pk": w.collection.pk}, w.pharmacist, su),
        "contact-record": ({"pk": w.collection.pk}, w.pharmacist, su),
        "alert-detail": ({"pk": w.alert.pk}, kw, None),
        "alert-acknowledge": ({"pk": w.alert.pk}, kw, None),
        "quadrant-assessment-detail": ({"pk": w.quadrant.pk}, kw, su),
        "outcome-honos-detail": ({"pk": w.honos.pk}, kw, su),
        "outcome-top-detail": ({"pk": w.top.pk}, w.keyworker_sm, su),
        "outcome-dialog-detail": ({"pk": w.dialog.pk}, kw, su),
        "outcome-satisfaction-detail": ({"pk": w.honos.pk}, kw, None),  # none recorded: a 404
        "link-worker-detail": ({"pk": w.link_appointment.pk}, w.linkworker_mh, None),
        "link-worker-end": ({"pk": w.link_appointment.pk}, w.orgadmin_mh, None),
        "link-meeting-detail": ({"pk": w.meeting.pk}, w.linkworker_mh, None),
        "referrals:create": ({"service_user_pk": su.pk}, kw, su),
        # The referring side's moves: keyworker.sm sent it.
        "referrals:withdraw": ({"pk": w.referral.pk}, w.keyworker_sm, w.referral.service_user),
        "outcomes:team": ({"pk": w.cmht_north.pk}, w.manager_mh, None),
        "outcomes:export": ({"pk": w.cmht_north.pk}, w.manager_mh, None),
        "outcomes:exit_new": ({"involvement_pk": w.ended.pk, "instrument": "honos"}, kw, w.mh_only),
        "cohorts:exit": ({"pk": w.cohort.pk, "enrolment_pk": w.enrolment.pk}, w.manager_mh, su),
        "cohorts:quadrant": ({"pk": su.pk}, kw, su),
        "careplans:entry_add": ({"service_user_pk": su.pk, "section": "goal"}, kw, su),
        "careplans:entry_edit": ({"pk": w.entry.pk}, kw, su),
        "careplans:their_words_open": ({"pk": w.own_words.pk}, kw, su),
        "careplans:version_pdf": ({"pk": w.sm_only_version.pk}, w.keyworker_sm, w.sm_only),
        "care-plan-pdf": ({"pk": w.sm_only_version.plan.pk}, w.keyworker_sm, w.sm_only),
        "careplans:carer": ({"service_user_pk": su.pk}, w.carer, su),
        "contacts:record": ({"pk": w.appointment.pk}, kw, su),
        # Issue 20: carers.
        "carers:detail": ({"pk": w.carer_link.pk}, kw, su),
        "carers:mine": ({"pk": w.carer_link.pk}, w.carer, su),
        "contacts:rules": ({"organisation_pk": w.mh.pk}, w.orgadmin_mh, None),
        "contacts:supervised_consumption_create": ({"service_user_pk": su.pk}, w.keyworker_sm, su),
        "alerts:detail": ({"pk": w.alert.pk}, kw, None),
        "linkworkers:end": ({"pk": w.link_appointment.pk}, w.orgadmin_mh, None),
        "linkworkers:action_done": ({"pk": w.link_action.pk}, kw, None),
        "linkworkers:item_edit": ({"pk": w.meeting.pk, "item_pk": w.item.pk}, w.linkworker_mh, None),
        "dashboards:pdf": ({"pk": w.mh.pk}, w.manager_mh, None),  # none rendered: a 404
        "dashboards:pdf_file": ({"pk": w.mh.pk}, w.manager_mh, None),
        "dashboards:pdf_retry": ({"pk": w.mh.pk}, w.manager_mh, None),
        "dashboards:organisation_agreed_withdraw": (
            {"pk": w.mh.pk, "agreed_pk": w.agreed_measure.pk},
            w.manager_mh,
            None,
        ),
        "consent_withdraw": ({"pk": su.pk, "consent_pk": w.consent.pk}, kw, su),
        "my_sharing_stop": ({"consent_pk": w.consent.pk}, w.service_user_login, su),
        "involvement_end": ({"pk": su.pk, "involvement_pk": w.involvement.pk}, kw, su),
        "team_edit": ({"team_pk": w.cmht_north.pk}, w.orgadmin_mh, None),
        "staff_detail": ({"user_pk": kw.pk}, w.orgadmin_mh, None),
        "staff_invitation_resend": ({"user_pk": kw.pk}, w.orgadmin_mh, None),
        "staff_role_end": ({"role_pk": w.role.pk}, w.orgadmin_mh, None),
        # Issue 21 item 4: people in bulk, the trust's admin's (the merged records are new people).
        "people_import": ({"organisation_pk": w.mh.pk}, w.orgadmin_mh, None),
        "people_import_report": ({"pk": w.people_import.pk}, w.orgadmin_mh, None),
        "people_import_report_csv": ({"pk": w.people_import.pk}, w.orgadmin_mh, None),
        "people_merge_detail": ({"pk": w.merge.pk}, w.orgadmin_mh, None),
        "people_merge_undo": ({"pk": w.merge.pk}, w.orgadmin_mh, None),
        "conversations:mine_detail": ({"pk": w.conversation.pk}, w.service_user_login, su),
        # FHIR R4 (issue 21): one resource of each registered type.
        "fhir:Patient-read": ({"pk": su.pk}, kw, su),
        "fhir:Patient-everything": ({"pk": su.pk}, kw, su),
        "fhir:Organization-read": ({"pk": w.mh.pk}, kw, None),
        "fhir:CareTeam-read": ({"pk": w.involvement.pk}, kw, su),
        "fhir:Consent-read": ({"pk": w.consent.pk}, kw, su),
        "fhir:Appointment-read": ({"pk": w.appointment.pk}, kw, su),
        "fhir:CarePlan-read": ({"pk": w.care_plan.pk}, kw, su),
        "fhir:ServiceRequest-read": ({"pk": w.referral.pk}, kw, w.referral.service_user),
        "fhir:Task-read": ({"pk": w.referral.pk}, kw, w.referral.service_user),
        "fhir:Communication-read": ({"pk": w.message.pk}, kw, su),
        "fhir:QuestionnaireResponse-read": ({"pk": w.honos.pk}, kw, su),
        "fhir:Questionnaire-read": ({"pk": "honos"}, kw, None),  # a form, about nobody
        # The NDTMS TOP extract: a drug and alcohol service's, for its managers and admins.
        "outcomes:ndtms": ({"pk": w.sm.pk}, w.manager_sm, None),
        "outcomes:ndtms_download": ({"pk": w.sm.pk}, w.manager_sm, None),
        "api-outcomes-ndtms-report": ({"pk": w.sm.pk}, w.manager_sm, None),
        "api-outcomes-ndtms-extract": ({"pk": w.sm.pk}, w.manager_sm, None),
        # Directory: any member of staff reads an entry; its keeper's admins edit and check it.
        "directory:detail": ({"pk": w.directory_service.pk}, kw, None),
        "directory:edit": ({"pk": w.directory_service.pk}, w.orgadmin_mh, None),
        "directory:checked": ({"pk": w.directory_service.pk}, w.orgadmin_mh, None),
        "directory-service-detail": ({"pk": w.directory_service.pk}, kw, None),
        "directory-organization-detail": ({"pk": w.directory_service.provider_id}, kw, None),
        "directory:mine_detail": ({"pk": w.directory_service.pk}, w.service_user_login, None),
        # Leaflets and information packs: they name no person.
        "directory:leaflet": ({"pk": w.directory_service.pk}, kw, None),
        "directory:add_to_pack": ({"pk": w.directory_service.pk}, kw, None),
        "directory:pack": ({"pk": w.pack.pk}, kw, None),
        "directory:pack_pdf": ({"pk": w.pack.pk}, kw, None),
        "directory:pack_document_add": ({"pk": w.pack.pk}, kw, None),
        "directory:pack_item_move": ({"pk": w.pack.pk, "item_pk": w.pack_item.pk}, kw, None),
        "directory:pack_item_remove": ({"pk": w.pack.pk, "item_pk": w.pack_item.pk}, kw, None),
        "directory:document": ({"pk": w.pack_document.pk}, kw, None),
        # Provider handover (issue 21 item 5): its two organisations' admins only.
        "handover_person_choice": ({"pk": w.handover.pk, "person_pk": w.south_only.pk}, w.orgadmin_mh, None),
    }
    if name in fixed:
        return fixed[name]
    # By family of routes: the first match wins.
    families = [
        (r"^referral-|^referrals:", {"pk": w.referral.pk}, kw, w.referral.service_user),
        (r"^care-plan-", {"pk": w.care_plan.pk}, kw, su),
        (r"^cohort-|^cohorts:", {"pk": w.cohort.pk}, w.manager_mh, None),
        (r"^outcomes:", {"pk": su.pk}, kw, su),
        (r"^careplans:(version|agreement|version_pdf)$", {"pk": w.version.pk}, kw, su),
        (r"^careplans:", {"service_user_pk": su.pk}, kw, su),
        (r"^contacts:", {"service_user_pk": su.pk}, kw, su),
        (r"^carers:", {"service_user_pk": su.pk}, kw, su),
        (r"^linkworkers:", {"pk": w.meeting.pk}, w.linkworker_mh, None),  # a meeting: many people
        (
            r"^dashboards:team",
            {"pk": w.cmht_north.pk, "key": "referrals.acknowledged_in_time"},
            w.manager_mh,
            None,
        ),
        (
            r"^dashboards:organisation",
            {"pk": w.mh.pk, "key": "referrals.acknowledged_in_time"},
            w.manager_mh,
            None,
        ),
        (r"^(service_user_detail|consent_record)$", {"pk": su.pk}, kw, su),
        (r"^conversations:(for_person|start)$", {"service_user_pk": su.pk}, kw, su),
        (
            r"^conversations:(withdraw|plan_action|link_meeting)$",
            {"pk": w.conversation.pk, "message_pk": w.message.pk},
            w.keyworker_sm,
            su,
        ),
        (r"^conversations:|^conversation-", {"pk": w.conversation.pk}, kw, su),
        (r"^safety:(flag|flag_review|flag_remove|removal_decide)$", {"pk": w.flag.pk}, kw, su),
        (r"^safety:", {"pk": su.pk}, kw, su),
        (r"^risk-assessment-", {"pk": w.risk.pk}, kw, su),
        (r"^safety-flag-", {"pk": w.flag.pk}, kw, su),
        # Issue 18 item 4: signposting.
        (r"^directory:signposts_person$", {"service_user_pk": su.pk}, kw, su),
        (r"^directory:signpost_follow_up$|^signpost-", {"pk": w.signpost.pk}, kw, su),
        # Issue 19: incidents.
        (r"^incidents:report$", {"service_user_pk": su.pk}, kw, su),
        (
            r"^incidents:action_done$|^incident-action-done$",
            {"pk": w.incident.pk, "action_pk": w.incident_action.pk},
            kw,
            su,
        ),
        (r"^incidents:|^incident-", {"pk": w.incident.pk}, kw, su),
        (r"^handover_", {"pk": w.handover.pk}, w.orgadmin_mh, None),
        (
            r"^(organisation_detail|team_create|staff_create)$",
            {"organisation_pk": w.mh.pk},
            w.orgadmin_mh,
            None,
        ),
    ]
    for pattern, kwargs, viewer, person in families:
        if re.search(pattern, name):
            return kwargs, viewer, person
    raise AssertionError(f"{name}: give it path parameters in _params or an ALLOWLIST entry")


def _viewer_without_params(name: str, w):
    """Who may open a route with no path parameters."""
    portal = {
        "my_home",
        "my_record_views",
        "my_carers",
        "my_sharing",
        "outcomes:mine",
        "outcomes:my_feedback",
        "contacts:mine",
        "conversations:mine",
        "conversations:mine_new",
        "directory:mine",
        "directory:my_signposting",
    }
    # /api/v1/me/... (me-care-team-list, me-appointment-list, ...): a person's own token.
    if name in portal or name == "referrals:mine" or name.startswith(("my_care_plan:", "messages:", "me-")):
        return w.service_user_login
    if name in {"carer_home", "careplans:carer_list"}:
        return w.carer
    if name in {"pharmacy_list", "contacts:pharmacy_today"}:
        return w.pharmacist
    if name.startswith(("dashboards:", "api-dashboard", "spc:", "api-spc")) or name in {
        "outcomes:import",
        "cohorts:create",
    }:
        return w.manager_mh
    if name.startswith(("organisation", "handover_")) or name in {
        "people_merge",
        "contacts:rules_home",
        "linkworkers:appoint",
        "directory:kept",
        "directory:create",
        "directory:import",
    }:
        return w.orgadmin_mh
    if name.startswith("linkworkers:") or name.startswith("link-"):
        return w.linkworker_mh
    return w.keyworker_mh


def _refusers(viewer, w, index: int) -> list:
    """Two who may not see what the viewer sees: staff of another organisation (or, for the
    person's and carer's own pages, a key worker), and a service user or carer, taken in turn
    route by route so both kinds of login meet the staff routes."""
    staff = w.outsider if viewer.kind == User.Kind.STAFF else w.keyworker_mh
    turn = [w.service_user_login, w.carer] if index % 2 else [w.carer, w.service_user_login]
    return [staff, next(user for user in turn if user != viewer)]


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"%PDF"):
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    return body.decode("utf-8", "replace")


def _shown(text: str, people, *, api: bool) -> list:
    """The people whose full name or NHS number the response shows (and, in the API, whose id:
    a record's `service_user` is the person to the system reading it)."""
    shown = []
    for person in people:
        digits = person.nhs_number
        marks = [
            f"{person.given_name} {person.family_name}",
            f"{person.family_name}, {person.given_name}",
            digits,
            f"{digits[:3]} {digits[3:6]} {digits[6:]}",
            *([str(person.pk)] if api else []),
        ]
        if any(mark in text for mark in marks):
            shown.append(person)
    return shown


@pytest.fixture
def _no_second_factor(settings):
    settings.REQUIRE_STAFF_2FA = False


@pytest.mark.usefixtures("_no_second_factor")
def test_every_route_audits_the_people_it_shows_and_every_refusal(db, client):
    w = _sweep_world()
    people = [w.service_user, w.mh_only, w.sm_only, w.south_only]
    holes = []
    for index, (name, kwargs_names) in enumerate(_routes()):
        if name in ALLOWLIST:
            continue
        if kwargs_names:
            kwargs, viewer, about = _params(name, w)
        else:
            kwargs, viewer, about = {}, _viewer_without_params(name, w), None
        url = reverse(name, kwargs={key: value for key, value in kwargs.items() if key in kwargs_names})
        for user in [viewer, *_refusers(viewer, w, index)]:
            client.force_login(user)
            started = timezone.now()
            response = client.get(url, HTTP_ACCEPT="text/html,application/json")
            written = AuditEvent.objects.filter(actor=user, at__gte=started)
            who = f"{name} as {user.username} ({response.status_code})"
            if response.status_code in (403, 404):
                denied = written.filter(outcome=AuditEvent.Outcome.DENIED)
                if not denied.exists():
                    holes.append(f"{who}: refused without a denied audit row")
                elif about is not None and not denied.filter(service_user=about).exists():
                    holes.append(f"{who}: the denied row does not name the person in the URL")
                continue
            if not 200 <= response.status_code < 300:
                continue
            own = {w.service_user.pk} if user == w.service_user_login else set()
            for person in _shown(_text(response), people, api=url.startswith("/api/")):
                if person.pk in own:
                    continue  # the person's own name heads every page they open
                if not written.filter(service_user=person, outcome=AuditEvent.Outcome.ALLOWED).exists():
                    holes.append(f"{who}: shows {person.given_name} with no audit row naming them")
    assert not holes, "Audit holes:\n" + "\n".join(holes)


def test_the_allowlist_names_only_routes_that_exist():
    """A stale entry would hide nothing today but could excuse a new route reusing its name."""
    assert not set(ALLOWLIST) - {name for name, _ in _routes()}
