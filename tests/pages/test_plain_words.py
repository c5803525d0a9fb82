"""Every page a service user or carer sees speaks to them in plain words (issue 13, item 9).

PERSON_PAGES and CARER_PAGES list every page they can open; a new person-facing page must be
added to a table (test_every_person_facing_route_is_in_a_table fails otherwise). Each page is
rendered with a plan, an appointment, outcomes and messages in place, and its visible text is
read for staff words.
"""

import html as htmllib
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conversations import services as conversation_services
from dualcare.people import services
from dualcare.people.models import CarerPermission
from tests.careplans.helpers import publish, shared_plan
from tests.contacts.helpers import appointment
from tests.outcomes.helpers import days_ago, make_honos, make_top

pytestmark = pytest.mark.django_db

# (URL name, takes the person's pk, or "conversation": a conversation's, or "consent": one of
# their consents to share). What the person opens.
PERSON_PAGES = [
    ("my_home", False),
    ("my_record_views", False),
    ("my_carers", False),
    ("my_sharing", False),
    ("my_sharing_stop", "consent"),  # stop sharing one thing: the confirmation page
    ("my_care_plan:plan", False),
    # Issue 20: their own goals and words for the plan.
    ("my_care_plan:goals", False),
    ("my_care_plan:goal_new", False),
    ("my_care_plan:goal_rate", False),
    ("my_care_plan:words", False),
    ("my_care_plan:words_new", False),
    ("contacts:mine", False),
    ("outcomes:mine", False),
    ("outcomes:my_feedback", False),
    ("referrals:mine", False),
    ("messages:list", False),
    ("conversations:mine", False),
    ("conversations:mine_new", False),
    ("conversations:mine_detail", "conversation"),  # a conversation staff asked them into
    ("directory:mine", False),
    ("directory:mine_detail", "directory"),  # an entry of "Services near you"
    ("directory:my_signposting", False),  # issue 18: where they were pointed
]
# What the carer opens: their home, their messages, and the pages of what Sam shares.
CARER_PAGES = [
    ("carer_home", False),
    ("careplans:carer_list", False),
    ("careplans:carer", True),
    ("contacts:carer", True),
    ("outcomes:person", True),
    ("messages:list", False),
    ("carers:mine", "carer_link"),  # their own needs and experience as a carer (issue 20)
]
# Pages anyone signed in can reach whatever their role: the page-not-found page.
EVERYONE_PAGES = ["/no-such-page/"]

# Staff words and third-person wording, each with what to say instead.
FORBIDDEN = {
    "service user": "you / the person's name",
    "service_user": "a code, not words",
    "involvement": "working with you",
    "scope": "what you share",
    "quadrant": "staff's grouping of needs",
    "honos": "a staff rating; say what it is or leave it out",
    "in their words": "in your words",
    "their goal": "your goal",
    "life area": "part of your life",
    "the person": "you / the person's name",
    "owner_kind": "a code",
    "the organisation": "the service's name, or 'the service that wrote this'",
    "a named worker": "a worker from your care team",
    "None": "an empty value shown as Python's None",
}
# Words that may stand, and why.
ALLOWED = {
    # "TOP" is named in full once on the page before the short form.
    "top": "outcomes:mine says 'Treatment Outcomes Profile (TOP)'",
}
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
KEY_WORKER_EXPLAINED = "worker who arranges"


def visible_text(content: str) -> str:
    content = re.sub(r"(?s)<(script|style|svg)[^>]*>.*?</\1>", " ", content)
    content = re.sub(r"(?s)<[^>]+>", " ", content)
    return re.sub(r"\s+", " ", htmllib.unescape(content))


def staff_words(text: str, *, speaking_to_person: bool) -> list[str]:
    lowered = text.lower()
    found = [word for word in FORBIDDEN if word.lower() in lowered and word != "None"]
    if re.search(r"\bNone\b", text):
        found.append("None")
    if re.search(r"\bhonos\b", lowered):
        found.append("HoNOS")
    if re.search(r"\bTOP\b", text) and "Treatment Outcomes Profile (TOP)" not in text:
        found.append("TOP unexplained")
    if "key worker" in lowered and KEY_WORKER_EXPLAINED not in lowered:
        found.append("key worker unexplained")
    if speaking_to_person and re.search(r"\b(their|they|them)\b (care|plan|record|goal|words)", lowered):
        found.append("third person to the person")
    found += ISO_DATE.findall(text)
    return found


@pytest.fixture
def full_world(world):
    shared_plan(world)
    publish(world)
    appointment(world, hours=30)
    make_honos(world)
    make_top(world)
    for scope in CarerPermission.Scope.values:
        services.carer_permission_grant(carer=world.carer_link, scope=scope, by=world.service_user_login)
    world.conversation = conversation_services.conversation_start(
        service_user=world.service_user,
        by=world.keyworker_mh,
        kind="care_plan",
        subject="Your depot on Friday",
        text="Is Friday at 10:00 still good for you?",
        staff=[world.keyworker_sm],
        includes_service_user=True,
    )
    return world


def _url(world, name, with_pk):
    if name.startswith("/"):
        return name
    if with_pk == "conversation":
        return reverse(name, args=[world.conversation.pk])
    if with_pk == "consent":
        from dualcare.people.models import Consent

        consent = Consent.objects.filter(service_user=world.service_user, withdrawn_at__isnull=True).first()
        return reverse(name, args=[consent.pk])
    if with_pk == "carer_link":
        return reverse(name, args=[world.carer_link.pk])
    if with_pk == "directory":
        from tests.directory.helpers import ident, import_services, oruk_service

        import_services(world.mh, oruk_service("plain"))
        return reverse(name, args=[ident("service", "plain")])
    return reverse(name, args=[world.service_user.pk] if with_pk else [])


class PlainWordsTests:
    @pytest.mark.parametrize("name,with_pk", PERSON_PAGES + [(n, False) for n in EVERYONE_PAGES])
    def test_it_speaks_to_the_person_without_staff_words(self, full_world, client, name, with_pk):
        client.force_login(full_world.service_user_login)
        response = client.get(_url(full_world, name, with_pk), follow=True)
        assert response.status_code in (200, 404)
        text = visible_text(response.content.decode())
        assert staff_words(text, speaking_to_person=True) == [], text

    @pytest.mark.parametrize("name,with_pk", CARER_PAGES + [(n, False) for n in EVERYONE_PAGES])
    def test_it_speaks_to_the_carer_without_staff_words(self, full_world, client, name, with_pk):
        client.force_login(full_world.carer)
        response = client.get(_url(full_world, name, with_pk), follow=True)
        assert response.status_code in (200, 404)
        text = visible_text(response.content.decode())
        assert staff_words(text, speaking_to_person=False) == [], text

    def test_the_carer_reads_about_the_person_by_name(self, full_world, client):
        client.force_login(full_world.carer)
        text = visible_text(client.get(reverse("carer_home")).content.decode())
        assert "Sam's crisis and relapse-prevention plan" in text and "Sam's appointments" in text
        assert "Their " not in text

    def test_the_person_chooses_what_to_share_in_their_own_terms(self, full_world, client):
        client.force_login(full_world.service_user_login)
        text = visible_text(client.get(reverse("my_carers")).content.decode())
        assert "Your crisis and relapse-prevention plan" in text and "My appointments" not in text

    def test_it_catches_the_words_it_is_meant_to(self):
        assert "in their words" in staff_words("The goal, in their words", speaking_to_person=True)
        assert staff_words("Ask your key worker", speaking_to_person=True) == ["key worker unexplained"]
        assert staff_words("Rated on 2026-01-02", speaking_to_person=True) == ["2026-01-02"]

    def test_every_person_facing_route_is_in_a_table(self):
        listed = {name for name, _ in PERSON_PAGES + CARER_PAGES}
        person_facing = set()

        def walk(patterns, prefix="", namespace=""):
            for p in patterns:
                if isinstance(p, URLResolver):
                    ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                    walk(p.url_patterns, prefix + str(p.pattern), ns)
                elif isinstance(p, URLPattern) and p.name:
                    route = prefix + str(p.pattern)
                    if route.startswith("my/") or "carer" in route or "mine" in route or route == "messages/":
                        person_facing.add(namespace + p.name)

        walk(get_resolver().url_patterns)
        # POST-only or file answers, read elsewhere: the PDF (tests/careplans), marking read.
        not_pages = {"my_care_plan:pdf", "my_care_plan:easy_read_pdf", "messages:read"}
        # Staff pages of the carers app (issue 20), whose URLs say "carers".
        not_pages |= {"carers:for_person", "carers:add", "carers:detail"}
        assert person_facing - not_pages - listed == set()


class CarerProgressTests:
    def test_it_tells_the_carer_how_sam_is_getting_on_in_plain_words(self, world, client):
        services.carer_permission_grant(carer=world.carer_link, scope="outcomes", by=world.service_user_login)
        make_top(world, completed_on=days_ago(180), quality_of_life=4)
        make_top(world, stage="review", quality_of_life=11)
        client.force_login(world.carer)
        text = visible_text(
            client.get(reverse("outcomes:person", args=[world.service_user.pk])).content.decode()
        )
        assert "How Sam is getting on" in text and "Sam's quality of life overall" in text
        assert "This has gone up from 4 to 11 since Sam's first form." in text
        assert "11 out of 20 (in the middle)" in text

    def test_it_renders_in_a_constant_number_of_queries(self, world, client, django_assert_num_queries):
        services.carer_permission_grant(carer=world.carer_link, scope="outcomes", by=world.service_user_login)
        make_top(world, completed_on=days_ago(180))
        client.force_login(world.carer)
        url = reverse("outcomes:person", args=[world.service_user.pk])
        client.get(url)
        make_top(world, completed_on=days_ago(90))
        make_top(world, stage="review")
        # Session, user, the person cared for, the carer's grants, the audit row, the TOP forms,
        # the unread-message count, and the session save (savepoint, update, release): the same
        # however many forms there are.
        with django_assert_num_queries(10):
            assert client.get(url).status_code == 200
