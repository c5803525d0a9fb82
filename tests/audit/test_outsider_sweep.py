"""Outsiders open nothing (issue 14, item 8): a sweep of every URL pattern with a named outsider
of each role.

The world is the audit sweep's (tests/audit/test_audit_sweep.py): one of everything a route can
name, about people of the mental health trust, the drug and alcohol service and the pharmacy.
The outsiders are of organisations with no part in those people's care: a key worker, a link
worker (not appointed), a team manager and an organisation admin of the charity, a pharmacist of
another pharmacy, a service user who is someone else and that person's carer, and nobody signed
in. Each route, its path filled by the audit sweep's parameter builders, is requested with GET
and with POST by each outsider, and must answer 403 or 404, 405 for a method it lacks, a 302 to
sign-in (or 401 from the API) for nobody signed in, or a 400 identical to the one for an unknown
id. A route without parameters may answer anything but must name none of the world's people
(name, NHS number, id). OUTSIDERS_MAY_OPEN lists the (route, role) pairs an outsider may open,
each with its reason; what they show must name nobody of the world either, and an entry that is
refused is stale and fails. A route the builders cannot fill fails, so no route goes unswept.
Every API list is also asked for the world's person by id (`?service_user=`) and must list
nothing of theirs.

That each refusal writes a denied audit row naming the person is test_audit_sweep's job.
"""

import json
import uuid

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from dualcare.accounts.views import _INVITATION_URL_TOKEN
from dualcare.audit import middleware as audit_middleware
from dualcare.dashboards import services as dashboard_services
from dualcare.dashboards.selectors import period_for
from dualcare.people import services as people_services
from dualcare.people.models import Organisation, StaffInvitation, StaffRole
from outcomes import services as outcome_services
from tests.audit.test_audit_sweep import ALLOWLIST, _params, _routes, _shown, _sweep_world, _text
from tests.factories import TeamFactory, person, staff

Role = StaffRole.Role
ROLES = (
    "key_worker",
    "link_worker",
    "manager",
    "pharmacist",
    "org_admin",
    "service_user",
    "carer",
    "anonymous",
)
STAFF = ("key_worker", "link_worker", "manager", "pharmacist", "org_admin")
LINK_SYSTEM = ("link_worker", "manager")  # see every meeting and the register (access.py)


# (route, role) -> why an outsider of that role may open it. What they see must still name nobody.
OUTSIDERS_MAY_OPEN: dict[tuple[str, str], str] = {}


def _allow(names, roles, reason: str) -> None:
    for name in names:
        for role in roles:
            OUTSIDERS_MAY_OPEN[(name, role)] = reason


_allow(
    ["organisation-detail", "team-detail"],
    STAFF,
    "the directory every member of staff can read (API contract)",
)
_allow(
    ["directory:detail", "directory-service-detail", "directory-organization-detail"],
    STAFF,
    "the service directory names services, never a person: every member of staff reads every entry, "
    "an outside organisation's included (issue 18; access.directory_can_read)",
)
_allow(
    ["directory:leaflet", "directory:pack", "directory:pack_pdf", "directory:document"],
    STAFF,
    "leaflets, information packs and their documents name no person: every member of staff of a "
    "participating organisation reads and prints them (issue 18 item 6; access.directory_packs)",
)
_allow(
    ["directory:add_to_pack"],
    STAFF,
    "any member of staff may add any entry to a pack of their own organisation: the page offers "
    "only their organisation's packs and names no person",
)
_allow(
    ["directory:mine_detail"],
    ["service_user"],
    "an entry of 'Services near you' names a service, never a person: every service user may read it",
)
_allow(
    ["password_reset_confirm", "invitation_accept", "sign_in_link_open"],
    ROLES,
    "a link without its secret: the same 'this link does not work' page whoever opens it",
)
_allow(
    ["link-worker-detail"],
    (*LINK_SYSTEM, "org_admin"),
    "the link-worker register is the locality's: its link workers, managers and organisation "
    "admins read it (access.linkworkers_can_view_register); it names staff, never a service user",
)
_allow(
    ["link-meeting-detail", "linkworkers:meeting", "linkworkers:agenda_pdf", "linkworkers:ics"],
    LINK_SYSTEM,
    "link meetings are the locality's: every link worker and manager may read them; a case is "
    "named only to an organisation holding the person's consent, so an outsider reads it de-identified "
    "(access.linkworkers_identified_case_ids)",
)
_allow(
    ["linkworkers:notify"],
    ("key_worker", "link_worker"),
    "link meetings are the locality's: a key worker may present a person of their own caseload "
    "to any of them (the form offers only their caseload)",
)

_allow(
    ["fhir:Organization-read"],
    STAFF,
    "FHIR's Organization is the directory every member of staff can read, as the API's",
)
_allow(
    ["fhir:Questionnaire-read"],
    STAFF,
    "a Questionnaire is an outcome measure's blank form (HoNOS, TOP, DIALOG), about nobody",
)

# Routes built from the code alone, the same for everyone: not requested (the schema takes ~0.7 s).
READS_NO_RECORD = {"api-schema": "the OpenAPI schema, generated from the code"}


def _extra_params(name: str, w) -> dict | None:
    """Path parameters for the audit sweep's allowlisted routes that take some, and for those it
    fills with an id of nothing (a 404 for everyone, which would test nothing here)."""
    if name == "outcome-satisfaction-detail":
        return {"pk": w.satisfaction.pk}
    if name in ("dashboards:pdf", "dashboards:pdf_file"):
        return {"pk": w.dashboard_pdf.pk}
    if name == "password_reset_confirm":  # a world member of staff's link, without its token
        return {"uidb64": urlsafe_base64_encode(force_bytes(w.keyworker_mh.pk)), "token": "set-password"}
    if name == "invitation_accept":
        return {"invitation_pk": w.invitation.pk, "token": _INVITATION_URL_TOKEN}
    if name == "contacts:cannot_come":  # a reminder's reply link without a real token: a 404
        return {"token": "not-a-reminder-token"}
    if name == "sign_in_link_open":  # the page a link reloads to, with no link's token in the session
        return {"token": "continue"}
    return None


def _outsider_world():
    """The audit sweep's world, an invitation to a new starter, and the outsiders."""
    w = _sweep_world()
    people_services.staff_user_create(
        username="nia.newstarter",
        first_name="Nia",
        last_name="Newstarter",
        email="nia.newstarter@example.invalid",
        team=w.cmht_north,
        role=Role.KEY_WORKER,
        by=w.orgadmin_mh,
    )
    w.invitation = StaffInvitation.objects.get(user__username="nia.newstarter")
    w.satisfaction = outcome_services.satisfaction_record(
        service_user=w.service_user, by=w.keyworker_mh, answer="good"
    )
    w.dashboard_pdf = dashboard_services.pdf_request(
        kind="organisation", organisation=w.mh, period=period_for(), by=w.manager_mh
    )
    charity_admin = TeamFactory(organisation=w.charity, name="Charity administration")
    other_pharmacy = people_services.organisation_create(
        name="Other Street Pharmacy", kind=Organisation.Kind.PHARMACY
    )
    lee = person(w.charity_team, key_worker=w.outsider, given_name="Lee", family_name="Otherperson")
    lee_login = people_services.portal_login_create(
        service_user=lee, username="outsider.person", email="lee@example.invalid", by=w.outsider
    )
    lee_carer = people_services.carer_add(
        service_user=lee,
        relationship="Brother",
        by=lee_login,
        username="outsider.carer",
        email="lee.carer@example.invalid",
        first_name="Ray",
        last_name="Otherperson",
    )
    people_services.carer_permission_grant(carer=lee_carer, scope="care_plan", by=lee_login)
    w.outsiders = {
        "key_worker": w.outsider,
        "link_worker": staff("outsider.link", w.charity_team, Role.LINK_WORKER),
        "manager": staff("outsider.manager", w.charity_team, Role.TEAM_MANAGER),
        "pharmacist": staff("outsider.pharmacist", TeamFactory(organisation=other_pharmacy), Role.PHARMACIST),
        "org_admin": staff("outsider.admin", charity_admin, Role.ORG_ADMIN),
        "service_user": lee_login,
        "carer": lee_carer.user,
        "anonymous": None,
    }
    w.people = [w.service_user, w.mh_only, w.sm_only, w.south_only]
    return w


@pytest.fixture(scope="module")
def outsider_world(django_db_setup, django_db_blocker):
    """One world for the module, rolled back at its end (each test's own writes roll back too)."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield _outsider_world()
        finally:
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.REQUIRE_STAFF_2FA = False
    # The idle timeout rewrites the session on every request: 3 of a refusal's 12 queries, and
    # nothing this sweep looks at.
    settings.SESSION_SAVE_EVERY_REQUEST = False


@pytest.fixture(autouse=True)
def _refusals_name_no_one(monkeypatch):
    """The refusal audit looks for the person a URL's ids lead to, one query per kind of record
    (up to ~30 a refusal, half this sweep's queries). It runs after the answer is made, so it
    cannot change what is checked here; that its row names the person is test_audit_sweep's."""
    monkeypatch.setattr(audit_middleware, "person_named_by", lambda url_kwargs: None)


def _path_kwargs(name: str, names: list, w) -> dict:
    if not names:
        return {}
    kwargs = _extra_params(name, w)
    if kwargs is None:
        try:
            kwargs, _viewer, _about = _params(name, w)
        except AssertionError:
            pytest.fail(f"{name}: fill its path in test_audit_sweep._params (or _extra_params here)")
    return {key: value for key, value in kwargs.items() if key in names}


def _unknown(kwargs: dict) -> dict:
    """The same path with every id replaced by one that names nothing."""
    return {key: uuid.uuid4() if hasattr(value, "hex") else value for key, value in kwargs.items()}


def _is_sign_in(response) -> bool:
    if response.status_code == 401:
        return True
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def _request(client, method: str, url: str):
    return getattr(client, method)(url, HTTP_ACCEPT="text/html,application/json")


def _mentions(value, pk: str) -> bool:
    if isinstance(value, dict):
        return any(_mentions(item, pk) for item in value.values())
    if isinstance(value, list):
        return any(_mentions(item, pk) for item in value)
    return str(value) == pk


def _filtered_list_leaks(client, url: str, name: str, role: str, w) -> list[str]:
    """An API list asked for the world's person by id (`?service_user=`, the contract's filter)
    lists nothing of theirs: refused, or results that neither name them nor carry their id."""
    person = w.service_user
    response = client.get(url, {"service_user": str(person.pk)}, HTTP_ACCEPT="application/json")
    if response.status_code in (400, 403, 404):
        return []
    assert response.status_code == 200, f"{name}?service_user as the {role} outsider"
    body = response.json()
    results = body.get("results", body) if isinstance(body, dict) else body
    shown = _shown(json.dumps(results), w.people, api=True)
    if shown or _mentions(results, str(person.pk)):
        return [f"GET {name}?service_user=<{person.given_name}> as the {role} outsider lists them"]
    return []


@pytest.mark.parametrize("role", ROLES)
def test_an_outsider_opens_nothing_of_the_world(role, outsider_world, client, db):
    w = outsider_world
    user = w.outsiders[role]
    if user is not None:
        client.force_login(user)
    leaks, opened = [], set()
    for name, names in _routes():
        if name in READS_NO_RECORD:
            continue
        kwargs = _path_kwargs(name, names, w)
        url = reverse(name, kwargs=kwargs)
        may_open = (name, role) in OUTSIDERS_MAY_OPEN
        for method in ("get", "post"):
            response = _request(client, method, url)
            if name in ALLOWLIST and user is not None:
                client.force_login(user)  # signing in and out: stay signed in for the rest
            status = response.status_code
            who = f"{method.upper()} {name} as the {role} outsider ({status})"
            shown = _shown(_text(response), w.people, api=True)
            if shown:
                leaks.append(f"{who}: names {', '.join(p.given_name for p in shown)}")
            refused = status in (403, 404, 405) or (user is None and _is_sign_in(response))
            if not refused:
                opened.add(name)
            if not names or may_open or refused:
                continue
            if status == 400:
                twin = _request(client, method, reverse(name, kwargs=_unknown(kwargs)))
                if (twin.status_code, twin.content) == (400, response.content):
                    continue
            leaks.append(f"{who}: not refused")
        if name.endswith("-list") and user is not None:
            leaks += _filtered_list_leaks(client, url, name, role, w)
    stale = sorted(
        name for name, entry_role in OUTSIDERS_MAY_OPEN if entry_role == role and name not in opened
    )
    assert not leaks, f"The {role} outsider:\n" + "\n".join(leaks)
    assert not stale, f"OUTSIDERS_MAY_OPEN entries refused to the {role} outsider: {stale}"


def test_the_table_names_only_routes_and_roles_that_exist():
    """A stale entry would excuse a new route reusing its name."""
    routes = {name for name, _ in _routes()}
    assert not {name for name, _ in OUTSIDERS_MAY_OPEN} - routes
    assert not {role for _, role in OUTSIDERS_MAY_OPEN} - set(ROLES)


def test_a_route_nobody_has_filled_fails_the_sweep(outsider_world, db):
    with pytest.raises(pytest.fail.Exception, match="new-route: fill its path"):
        _path_kwargs("new-route", ["pk"], outsider_world)
