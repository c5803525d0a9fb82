"""Choosing English or Welsh (issue 20 item 6): kept on the user, applied at every sign-in, and
remembered in the browser before sign-in and after signing out."""

import pytest
from django.conf import settings
from django.urls import reverse

from dualcare.audit.models import AuditEvent
from dualcare.people.models import User

pytestmark = pytest.mark.django_db


def _choose(client, language, next_url=""):
    return client.post(reverse("language"), {"language": language, "next": next_url})


class LanguageChoiceTests:
    def test_it_keeps_the_persons_choice_and_answers_in_welsh(self, world, client):
        client.force_login(world.service_user_login)
        response = _choose(client, "cy", reverse("my_home"))
        assert response.status_code == 302
        assert response["Location"] == reverse("my_home")
        world.service_user_login.refresh_from_db()
        assert world.service_user_login.language == "cy"
        assert (
            AuditEvent.objects.filter(actor=world.service_user_login, action="account.language_set").count()
            == 1
        )
        page = client.get(reverse("my_home"))
        assert page["Content-Language"] == "cy"
        assert '<html lang="cy">' in page.content.decode()
        assert "Eich tîm gofal" in page.content.decode()

    def test_it_applies_the_choice_at_the_next_sign_in_in_another_browser(self, world, client):
        User.objects.filter(pk=world.carer.pk).update(language="cy")
        response = client.post(
            reverse("login"), {"username": "carer", "password": world.password}, follow=True
        )
        assert '<html lang="cy">' in response.content.decode()
        assert "Y bobl rydych chi’n eu cefnogi" in response.content.decode()
        assert response.client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "cy"

    def test_it_stays_in_welsh_after_signing_out(self, world, client):
        client.force_login(world.service_user_login)
        _choose(client, "cy")
        client.post(reverse("logout"))
        page = client.get(reverse("login"))
        assert '<html lang="cy">' in page.content.decode()
        assert "Mewngofnodi" in page.content.decode()

    def test_it_remembers_a_choice_before_sign_in_in_the_cookie_only(self, client):
        response = _choose(client, "cy", reverse("login"))
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "cy"
        assert '<html lang="cy">' in client.get(reverse("login")).content.decode()
        assert not AuditEvent.objects.filter(action="account.language_set").exists()

    def test_it_refuses_a_language_it_does_not_ship_with_a_field_error(self, world, client):
        client.force_login(world.service_user_login)
        response = _choose(client, "fr")
        assert response.status_code == 200
        assert response.context["form"].errors["language"]
        world.service_user_login.refresh_from_db()
        assert world.service_user_login.language == ""

    def test_it_goes_nowhere_outside_the_site(self, world, client):
        client.force_login(world.service_user_login)
        response = _choose(client, "cy", "https://elsewhere.example/")
        assert response["Location"] == reverse("home")

    def test_staff_choose_on_the_same_page_and_their_pages_say_lang_cy(self, world, client):
        client.force_login(world.keyworker_mh)
        _choose(client, "cy")
        world.keyworker_mh.refresh_from_db()
        assert world.keyworker_mh.language == "cy"
        page = client.get(reverse("caseload"))
        assert '<html lang="cy">' in page.content.decode()

    def test_english_is_the_default_and_the_footer_offers_welsh(self, world, client):
        client.force_login(world.service_user_login)
        page = client.get(reverse("my_home")).content.decode()
        assert '<html lang="en-GB">' in page
        assert '<span lang="cy">Cymraeg</span>' in page


class LanguageLinkTests:
    def test_the_footer_link_returns_to_the_page_it_was_on(self, world, client):
        client.force_login(world.service_user_login)
        page = client.get(reverse("language"), HTTP_REFERER=f"http://testserver{reverse('my_sharing')}")
        assert page.context["form"]["next"].value() == f"http://testserver{reverse('my_sharing')}"
        response = _choose(client, "cy", page.context["form"]["next"].value())
        assert response["Location"] == f"http://testserver{reverse('my_sharing')}"


class WelshClockTests:
    def test_times_say_yb_and_yh_in_welsh(self):
        import datetime as dt

        from django.utils import translation

        from dualcare.templatetags.dualcare_tags import clock

        with translation.override("cy"):
            assert clock(dt.time(9, 5)) == "9:05yb" and clock(dt.time(15, 30)) == "3:30yh"
        with translation.override("en-gb"):
            assert clock(dt.time(15, 30)) == "3:30pm"


class LanguageResetTests:
    def test_a_welsh_request_leaves_the_thread_in_english(self, world, client):
        from django.utils import translation

        User.objects.filter(pk=world.carer.pk).update(language="cy")
        client.force_login(User.objects.get(pk=world.carer.pk))
        assert '<html lang="cy">' in client.get(reverse("carer_home")).content.decode()
        assert translation.get_language() == settings.LANGUAGE_CODE
