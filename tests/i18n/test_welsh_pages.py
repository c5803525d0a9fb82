"""The person's and carer's pages in Welsh leave no English behind (issue 20 items 6 and 9).

Each page is rendered twice for the same data, in English and in Welsh. A piece of visible text
(a text node, or a label a screen reader reads) that comes out the same in both is English left
untranslated, unless it is the data itself: names, services, what staff wrote (read back from
the database, since DualCare does not translate what people write), numbers and the few words
that are the same in both languages. The pages are found, not listed: every route under /my/
and every page in the person's and the carer's menus (and the carer's pages each menu page
links to), so a page added later is checked as soon as it exists.
"""

import json
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models, transaction
from django.urls import reverse

from dualcare.people import services as people_services
from dualcare.people.models import Consent, User
from dualcare.templatetags.dualcare_tags import _CARER_NAV, _SERVICE_USER_NAV
from tests.audit.test_audit_sweep import _routes, _sweep_world

# The same in both languages: the service's name, the NHS's acronyms and the languages' own names.
SAME_IN_BOTH = {"DualCare", "NHS", "PDF", "TOP", "Cymraeg", "English", "Testshire"}

# Pages whose words are not marked for translation yet, each with who is to mark them. An entry
# whose page is now all Welsh fails the test, so the list only shrinks.
NOT_YET_TRANSLATED = {
    "outcomes:mine": "How you are getting on (outcomes/mine.html, the TOP chart's words)",
    "conversations:mine": "Messages with your care team (conversations/mine*.html)",
    "messages:list": "Reminders and updates (notifications/my_messages.html)",
    "outcomes:person": "the carer's view of progress (outcomes/carer_progress.html)",
    "directory:mine": (
        "Services near you (directory/mine.html and the directory's search form and results, "
        "shared with staff's search; the needs' names are rows)"
    ),
}


class _Visible(HTMLParser):
    """Visible text nodes, and the labels screen readers read (aria-label, alt, title)."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "alt", "title", "placeholder") and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.texts


def data_strings() -> list[str]:
    """Every piece of text the database holds (the world is small), longest first."""
    found = set()
    for model in apps.get_models():
        fields = [
            f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)
        ]
        json_fields = [f.name for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
        for row in model.objects.values_list(*fields, *json_fields):
            for value in row:
                if isinstance(value, dict | list):
                    found.update(re.findall(r'"((?:[^"\\]|\\.)*)"', json.dumps(value, ensure_ascii=False)))
                elif isinstance(value, str) and value:
                    found.add(value)
    # Codes (choice values, usernames, slugs) are never shown, and would excuse English words.
    words = {text for text in found if len(text) > 1 and not re.fullmatch(r"[a-z0-9_.\-]+", text)}
    return sorted(words, key=len, reverse=True)


def _data_pattern(data: list[str]) -> re.Pattern:
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(value) for value in data) + r")(?!\w)")


def english_left(english_html: str, welsh_html: str, data: list[str]) -> list[str]:
    """Text the Welsh page shows exactly as the English one does, less the data and the numbers."""
    english = set(visible_texts(english_html))
    pattern = _data_pattern(data)
    left = []
    for text in visible_texts(welsh_html):
        if text not in english:
            continue
        rest = pattern.sub(" ", text)
        words = [w for w in re.findall(r"[A-Za-z]{2,}", rest) if w not in SAME_IN_BOTH and w != "s"]
        if words:
            left.append(text)
    return left


def person_pages(w) -> list[tuple[str, str, User]]:
    """(route name, URL, who opens it): every route under /my/, every menu page, and what the
    carer's home page links to."""
    menu = {name for _text, name in _SERVICE_USER_NAV}
    carer_menu = {name for _text, name in _CARER_NAV}
    active_consent = Consent.objects.filter(service_user=w.service_user, withdrawn_at__isnull=True).first()
    fill = {"consent_pk": active_consent.pk, "service_user_pk": w.service_user.pk, "pk": w.service_user.pk}
    pages = []
    for name, params in _routes():
        if name in carer_menu:
            pages.append((name, reverse(name), w.carer))
            continue
        try:
            url = reverse(name, kwargs={key: fill[key] for key in params})
        except KeyError:
            continue  # a parameter no page of the person's takes (staff routes)
        except Exception:  # noqa: BLE001 - a parameter of another type: not one of theirs
            continue
        if name in menu or url.startswith("/my/"):
            pages.append((name, url, w.service_user_login))
    from dualcare.people.carer_sharing import carer_links

    for scope_url in [
        url for _words, url in carer_links(["care_plan", "appointments", "outcomes"], w.service_user)
    ]:
        pages.append((_route_name(scope_url), scope_url, w.carer))
    return pages


def _route_name(url: str) -> str:
    from django.urls import resolve

    match = resolve(url)
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


def _render(client, user, url, language):
    User.objects.filter(pk=user.pk).update(language=language)
    client.force_login(User.objects.get(pk=user.pk))
    return client.get(url, follow=True)


@pytest.fixture(scope="module")
def welsh_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            w = _sweep_world()
            for scope in ("appointments", "outcomes"):
                people_services.carer_permission_grant(
                    carer=w.carer_link, scope=scope, by=w.service_user_login
                )
            w.data = data_strings()
            yield w
        finally:
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REQUIRE_STAFF_2FA = False


@pytest.mark.django_db
class WelshPagesTests:
    def test_it_finds_the_persons_and_the_carers_pages(self, welsh_world):
        names = {name for name, _url, _user in person_pages(welsh_world)}
        assert {"my_home", "my_care_plan:plan", "my_sharing", "my_sharing_stop", "carer_home"} <= names
        assert {"careplans:carer", "contacts:carer", "outcomes:person"} <= names

    def test_every_page_the_person_and_carer_see_is_all_welsh(self, welsh_world, client):
        problems, stale, checked = [], [], []
        for name, url, user in person_pages(welsh_world):
            english = _render(client, user, url, "en-gb")
            if english.status_code != 200 or not english["Content-Type"].startswith("text/html"):
                continue
            welsh = _render(client, user, url, "cy")
            assert welsh.status_code == 200, f"{name} in Welsh: {welsh.status_code}"
            html = welsh.content.decode()
            assert '<html lang="cy">' in html, name
            left = english_left(english.content.decode(), html, welsh_world.data)
            checked.append(name)
            if name in NOT_YET_TRANSLATED:
                if not left:
                    stale.append(name)
            elif left:
                problems.append(f"{name} ({url}): {left[:8]}")
        assert len(checked) >= 10, checked
        assert not stale, f"Now all Welsh: take them out of NOT_YET_TRANSLATED: {stale}"
        assert not problems, "English left on the Welsh pages:\n" + "\n".join(problems)

    def test_the_sign_in_and_error_pages_are_all_welsh(self, welsh_world, client):
        client.cookies["django_language"] = "en-gb"
        pages = [reverse("login"), reverse("sign_in_link"), reverse("language"), "/no-such-page/"]
        for url in pages:
            client.cookies["django_language"] = "en-gb"
            english = client.get(url).content.decode()
            client.cookies["django_language"] = "cy"
            welsh = client.get(url)
            assert '<html lang="cy">' in welsh.content.decode(), url
            left = english_left(english, welsh.content.decode(), welsh_world.data)
            assert not left, f"{url}: {left}"

    def test_the_check_catches_an_english_sentence_left_on_a_page(self, welsh_world):
        english = "<p>Your care plan</p><p>Sam Testwell</p><p>What matters to you</p>"
        welsh = "<p>Eich cynllun gofal</p><p>Sam Testwell</p><p>What matters to you</p>"
        assert english_left(english, welsh, welsh_world.data) == ["What matters to you"]


# Flesch-Kincaid grade 6 is a reading age of about 11 (the person's pages aim at 9 to 11).
READING_GRADE_AT_MOST = 6.0


def _main_text(html: str) -> str:
    """The words of the page's main part (not the header's menu): each paragraph, list item,
    heading or table cell one sentence, as a reader meets them."""
    import html as html_module

    main = html.split('id="maincontent"', 1)[-1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    main = re.sub(r"</(p|li|h[1-6]|dt|dd|td|th|legend|label|button|a)>", "\n", main)
    lines = [
        " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", line)).split()) for line in main.split("\n")
    ]
    lines = [line for line in lines if re.search(r"[A-Za-z]{2}", line)]
    return " ".join(line if line.endswith((".", "?", "!", ":")) else f"{line}." for line in lines)


@pytest.mark.django_db
class ReadabilityTests:
    def test_the_persons_pages_read_at_age_eleven_or_younger(self, welsh_world, client):
        import textstat

        textstat.set_lang("en_GB")
        grades, hard = {}, []
        for name, url, user in person_pages(welsh_world):
            if name in NOT_YET_TRANSLATED:
                continue
            response = _render(client, user, url, "en-gb")
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            text = _main_text(response.content.decode())
            grades[name] = textstat.flesch_kincaid_grade(text)
            if grades[name] > READING_GRADE_AT_MOST:
                hard.append(f"{name}: grade {grades[name]}")
        assert len(grades) >= 8, grades
        assert not hard, f"Harder than a reading age of 11: {hard} (all: {grades})"

    def test_the_measure_tells_plain_words_from_hard_ones(self):
        import textstat

        plain = "You decide what your carer can see. You can change this at any time."
        hard = (
            "Notwithstanding the aforementioned considerations, interorganisational information-governance "
            "arrangements necessitate comprehensive documentation of authorisation."
        )
        assert (
            textstat.flesch_kincaid_grade(plain)
            <= READING_GRADE_AT_MOST
            < textstat.flesch_kincaid_grade(hard)
        )
