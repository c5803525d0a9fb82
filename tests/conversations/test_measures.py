"""The conversation measures for the dashboards: started across organisations, median time to first
reply, share answered by the reply-by date; a constant number of queries."""

import datetime as dt

import pytest

from conversations import measures, services
from dualcare.dashboards.measures import definitions, week_of
from referrals.sla import next_working_day

pytestmark = pytest.mark.django_db


class MeasureTests:
    def test_it_counts_the_weeks_conversations_of_the_starting_team(
        self, world, ask, django_assert_num_queries
    ):
        answered = ask(reply_by=next_working_day(world.today))
        services.message_reply(conversation=answered, by=world.keyworker_mh, text="Yes.")
        ask(
            subject="Within the trust",
            by=world.keyworker_mh,
            staff=[],
            teams=[world.cmht_north],
        )
        ask(subject="Not answered yet")
        week = week_of(world.today)
        with django_assert_num_queries(2):
            values = measures.weekly_measures([world.sm_team.pk], week, week)
        key = (None, week)
        assert values["conversations.started_across"][key].value == 2
        assert values["conversations.hours_to_first_reply"][key].n == 1
        assert values["conversations.hours_to_first_reply"][key].value >= 0
        # Answered in time, of the one with a reply-by date.
        assert values["conversations.answered_by_reply_by"][key].value == 100.0
        by_team = measures.weekly_measures([world.cmht_north.pk], week, week, group="team")
        assert by_team["conversations.started_across"] == {}  # within one organisation only
        assert "conversations.started_across" in definitions()

    def test_it_leaves_out_a_week_with_nothing(self, world):
        week = week_of(world.today) - dt.timedelta(days=7)
        values = measures.weekly_measures([world.sm_team.pk], week, week)
        assert all(cells == {} for cells in values.values())
