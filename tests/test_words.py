"""The words of messages: "an urgent referral", dates without a leading zero."""

import datetime as dt
import re

import pytest

from dualcare.words import with_article
from outcomes.schedules import KIND_WORDS
from referrals import services as referral_services
from tests.referrals.helpers import make_referral

pytestmark = pytest.mark.django_db


def test_the_article_follows_the_sound_of_the_phrase():
    assert with_article("urgent referral") == "an urgent referral"
    assert with_article("emergency referral") == "an emergency referral"
    assert with_article("routine referral") == "a routine referral"
    assert with_article("exit TOP") == "an exit TOP"
    assert with_article("HoNOS review") == "a HoNOS review"


def test_every_outcome_measure_reads_as_english_after_its_article():
    phrases = [with_article(words) for kinds in KIND_WORDS.values() for words in kinds.values()]
    assert "a start TOP" not in phrases and "a assessment HoNOS" not in phrases
    assert {"a starting TOP", "a first HoNOS", "an exit TOP", "a discharge HoNOS"} <= set(phrases)


def test_an_overdue_urgent_referral_reads_an_urgent_referral(world):
    from dualcare.notifications.models import Notification

    referral = make_referral(world, urgency="urgent")
    referral_services.referrals_raise_overdue_alerts(
        now=referral.acknowledge_due_at + dt.timedelta(minutes=1)
    )
    bodies = set(
        Notification.objects.filter(kind="referral.acknowledge_overdue").values_list("body", flat=True)
    )
    assert bodies and all(body.startswith("An urgent referral to North CMHT") for body in bodies)
    assert not any(re.search(r"by 0\d", body) for body in bodies)  # "by 4 Dec 2026", not "by 04 Dec"
