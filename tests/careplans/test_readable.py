import datetime as dt

from careplans.selectors import readable


class ReadableTests:
    def test_it_writes_dates_as_people_do_from_a_date_or_a_snapshot_string(self):
        assert readable(dt.date(2027, 2, 22)) == "22 February 2027"
        assert readable("2027-02-22") == "22 February 2027"

    def test_it_leaves_other_words_alone(self):
        assert readable("Cut down to drinking only at weekends") == "Cut down to drinking only at weekends"
        assert readable("2027-13-45") == "2027-13-45"
