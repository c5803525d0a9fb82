"""Deadlines in working days (England and Wales bank holidays) and clock hours."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from referrals import sla

LONDON = ZoneInfo("Europe/London")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


class WorkingDayTests:
    def test_it_knows_weekends_and_bank_holidays_are_not_working_days(self):
        assert not sla.is_working_day(dt.date(2026, 12, 25))  # Christmas Day, Friday
        assert not sla.is_working_day(dt.date(2026, 12, 26))  # Saturday
        assert not sla.is_working_day(dt.date(2026, 12, 28))  # Boxing Day (substitute), Monday
        assert not sla.is_working_day(dt.date(2027, 3, 26))  # Good Friday
        assert not sla.is_working_day(dt.date(2027, 3, 29))  # Easter Monday
        assert sla.is_working_day(dt.date(2026, 12, 29))
        assert sla.is_working_day(dt.date(2027, 3, 30))

    def test_it_counts_one_working_day_across_christmas(self):
        # Christmas Eve 2026 is a Thursday; Friday, the weekend and the substitute Monday are off.
        assert sla.add_working_days(at(2026, 12, 24, 10, 0), 1) == at(2026, 12, 29, 10, 0)

    def test_it_counts_three_working_days_across_easter(self):
        # Thursday before Good Friday 2027 -> Tuesday, Wednesday, Thursday after Easter Monday.
        assert sla.add_working_days(at(2027, 3, 25, 16, 30), 3) == at(2027, 4, 1, 16, 30)

    def test_it_counts_across_an_ordinary_weekend(self):
        assert sla.add_working_days(at(2026, 11, 20, 15, 0), 1) == at(2026, 11, 23, 15, 0)  # Fri -> Mon

    def test_it_starts_the_clock_on_the_next_working_day_when_sent_on_a_holiday(self):
        # Sent on Christmas Day: the clock starts on Tuesday 29th, one working day ends with it.
        assert sla.add_working_days(at(2026, 12, 25, 11, 0), 1) == at(2026, 12, 30, 0, 0)
        # Sent on a Saturday, three working days: Monday, Tuesday, Wednesday.
        assert sla.add_working_days(at(2026, 11, 21, 9, 0), 3) == at(2026, 11, 26, 0, 0)

    def test_it_counts_ten_working_days_over_new_year(self):
        # Mon 21 Dec 2026 + 10 working days: 22, 23, 24, 29, 30, 31 Dec, 4, 5, 6, 7 Jan.
        assert sla.add_working_days(at(2026, 12, 21, 9, 0), 10) == at(2027, 1, 7, 9, 0)


class DueTests:
    def test_it_gives_each_urgency_its_deadlines(self):
        sent = at(2026, 12, 24, 10, 0)
        assert sla.due_at(sent, "emergency", "acknowledge") == sent + dt.timedelta(hours=4)
        assert sla.due_at(sent, "emergency", "decide") == sent + dt.timedelta(hours=24)
        assert sla.due_at(sent, "urgent", "acknowledge") == at(2026, 12, 29, 10, 0)
        assert sla.due_at(sent, "urgent", "decide") == at(2027, 1, 5, 10, 0)
        assert sla.due_at(sent, "routine", "acknowledge") == at(2026, 12, 31, 10, 0)
        assert sla.due_at(sent, "routine", "decide") == at(2027, 1, 12, 10, 0)

    @override_settings(REFERRAL_SLA={"routine": {"acknowledge": ("working_days", 2)}})
    def test_it_reads_deadlines_from_settings_and_keeps_defaults_for_the_rest(self):
        sent = at(2026, 11, 23, 9, 0)  # Monday
        assert sla.due_at(sent, "routine", "acknowledge") == at(2026, 11, 25, 9, 0)
        assert sla.due_at(sent, "routine", "decide") == at(2026, 12, 7, 9, 0)

    @override_settings(REFERRAL_SLA={"urgent": {"decide": ("weeks", 1)}})
    def test_it_refuses_a_unit_it_does_not_know(self):
        with pytest.raises(ValueError):
            sla.due_at(at(2026, 11, 23, 9, 0), "urgent", "decide")
