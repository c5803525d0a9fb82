from django.template import Context, Template
from django.urls import reverse

from dualcare.people.models import Scope
from dualcare.people.selectors import plain_action
from dualcare.templatetags.dualcare_tags import nhs_number


class TemplateHelperTests:
    def test_it_formats_nhs_numbers_3_3_4_and_leaves_anything_else_alone(self):
        assert nhs_number("9434765919") == "943 476 5919"
        assert nhs_number("943 476 5919") == "943 476 5919"
        assert nhs_number("12345") == "12345"
        assert nhs_number(None) == ""
        rendered = Template("{% load dualcare_tags %}{{ n|nhs_number }}").render(Context({"n": "9990001234"}))
        assert rendered == "999 000 1234"

    def test_it_describes_audit_actions_in_plain_words(self):
        assert plain_action("service_user.view") == "Looked at your record"
        assert plain_action("consent.withdraw") == "Recorded that you withdrew consent to share"
        # Actions of apps added later still read as something true.
        assert plain_action("careplan.pdf") == "Looked at your record"
        assert plain_action("careplan.publish") == "Changed your record"
        # A list or export writes a row for each person it showed: a list that included them,
        # however many parts the action has.
        assert plain_action("outcomes.honos.list") == "Looked at a list that included you"
        assert plain_action("outcomes.top.export") == "Looked at a list that included you"
        assert plain_action("contacts.pharmacy.list") == "Looked at a list that included you"


class MessagesTests:
    def test_it_shows_a_success_banner_after_a_change(self, world, client):
        client.force_login(world.keyworker_mh)
        response = client.post(
            reverse("consent_record", args=[world.service_user.pk]),
            {"organisation": world.charity.pk, "scope": Scope.RISK, "method": "verbal"},
            follow=True,
        )
        html = response.content.decode()
        assert "nhsuk-notification-banner--success" in html
        assert "Consent recorded: Risk to Test Recovery Charity." in html
