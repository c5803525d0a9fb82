"""The analyst's page: paste or upload a series, read the chart and table, download the CSV."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dualcare.spc.forms import parse_series
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/spc/"
DOWNLOAD = "/spc/download/"
# 20 weekly values with a jump at the end: 14 points around 10, then 6 at 20
WEEKS = [f"2026-{(i // 4) + 1:02d}-{(i % 4) * 7 + 1:02d}" for i in range(20)]
VALUES = [10, 11, 9, 10, 12, 8, 10, 11, 9, 10, 11, 9, 10, 10, 20, 21, 19, 20, 22, 20]
PASTED = "date,value\n" + "\n".join(f"{d},{v}" for d, v in zip(WEEKS, VALUES, strict=True))


def post(client, **data):
    return client.post(URL, {"improvement": "up", **data})


class AccessTests:
    @pytest.mark.parametrize("who", ["keyworker_mh", "manager_mh", "pharmacist", "orgadmin_mh"])
    def test_any_staff_role_may_chart(self, client, world, who):
        client.force_login(getattr(world, who))
        response = client.get(URL)
        assert response.status_code == 200
        assert b"Chart your own data" in response.content

    @pytest.mark.parametrize("who", ["service_user_login", "carer"])
    def test_service_users_and_carers_get_a_404(self, client, world, who):
        client.force_login(getattr(world, who))
        assert client.get(URL).status_code == 404
        assert client.post(DOWNLOAD, {"data": "1\n2", "improvement": "up"}).status_code == 404

    def test_staff_without_a_role_get_a_403(self, client, world):
        client.force_login(UserFactory(username="no.role"))
        assert client.get(URL).status_code == 403

    def test_signing_in_is_required(self, client, world):
        response = client.get(URL)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_the_link_is_in_the_managers_menu_only(self, client, world):
        client.force_login(world.manager_mh)
        assert b'href="/spc/"' in client.get("/alerts/").content
        client.force_login(world.keyworker_mh)
        assert b'href="/spc/"' not in client.get("/alerts/").content


class ChartTests:
    def test_pasted_dates_and_values_give_a_control_chart_table_and_download_form(self, client, world):
        client.force_login(world.manager_mh)
        response = post(client, data=PASTED)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Control chart" in page and 'role="img"' in page
        assert "Control chart (XmR) of 20 points." in page
        assert "<caption" in page and "The points on the chart" in page
        assert ">1 Mar 2026<" in page  # dates written for people (2026-03-01 is point 9)
        # the jump: the last six points are above the upper limit 18.42 (see the download test)
        assert "Special cause: improvement" in page
        assert 'action="/spc/download/"' in page
        assert response.context["analysis"].kind == "xmr"

    def test_under_15_values_give_a_run_chart_and_say_a_baseline_was_not_used(self, client, world):
        client.force_login(world.keyworker_mh)
        response = post(client, data="\n".join(str(v) for v in VALUES[:10]), baseline="4")
        assert response.status_code == 200
        assert response.context["analysis"].kind == "run"
        page = response.content.decode()
        assert "Run chart of 10 points. Median 10." in page
        assert "The baseline was not used" in page
        assert "Point 1" in page  # values alone are numbered

    def test_a_baseline_and_screening_are_applied(self, client, world):
        client.force_login(world.keyworker_mh)
        response = post(client, data=PASTED, baseline="14", screen="on")
        analysis = response.context["analysis"]
        assert analysis.baseline == (0, 14) and analysis.screened
        # baseline: mean of the first 14 = 140/14 = 10
        assert analysis.mean == pytest.approx(10)
        assert "worked out from points 1 to 14" in response.content.decode()

    def test_recalculating_from_a_point_gives_each_period_its_own_limits(self, client, world):
        # from point 15 (the jump): 14 points round 10, then 6 round 20.3; none is a special cause
        # in its own period, where one period flags the last six above the limit
        client.force_login(world.keyworker_mh)
        response = post(client, data=PASTED, recalculate="15")
        analysis = response.context["analysis"]
        assert analysis.rebase == (14,)
        assert analysis.periods[0].mean == pytest.approx(10)
        assert analysis.mean == pytest.approx(122 / 6)
        page = response.content.decode()
        assert "in 2 periods, the limits recalculated from point 15" in page
        assert not any(p.special_cause for p in analysis.points)
        assert '<input type="hidden" name="recalculate" value="15">' in page

    @pytest.mark.parametrize(
        "recalculate, message",
        [
            ("fifteen", "Give the point numbers as whole numbers separated by commas, like 20, 41."),
            ("1", "A new period starts at point 2 or later: point 1 starts the first."),
            ("21", "The data has 20 points: a new period must start within them."),
            ("20", "Each period needs at least 2 points."),
        ],
    )
    def test_a_bad_recalculation_is_explained(self, client, world, recalculate, message):
        client.force_login(world.keyworker_mh)
        response = post(client, data=PASTED, recalculate=recalculate)
        assert response.status_code == 400
        assert response.context["form"].errors["recalculate"] == [message]

    def test_a_csv_file_can_be_uploaded(self, client, world):
        client.force_login(world.keyworker_mh)
        upload = SimpleUploadedFile("series.csv", PASTED.encode("utf-8-sig"), content_type="text/csv")
        response = client.post(URL, {"improvement": "down", "file": upload})
        assert response.status_code == 200
        assert response.context["analysis"].improvement == "down"
        assert "Special cause: concern" in response.content.decode()

    def test_tab_separated_columns_pasted_from_a_spreadsheet_are_read(self, client, world):
        client.force_login(world.keyworker_mh)
        text = "\n".join(f"{d}\t{v}" for d, v in zip(WEEKS, VALUES, strict=True))
        assert post(client, data=text).context["analysis"].kind == "xmr"


class QueryTests:
    def test_the_chart_page_runs_the_same_queries_for_20_points_or_1000(
        self, client, world, django_assert_num_queries
    ):
        client.force_login(world.keyworker_mh)
        post(client, data=PASTED)  # warm up: the session and the user
        with django_assert_num_queries(8) as captured:  # session, user, roles, unread count, session save
            assert post(client, data=PASTED).status_code == 200
        many = "\n".join(str(10 + (i % 7)) for i in range(1000))
        with django_assert_num_queries(len(captured)):
            assert post(client, data=many).status_code == 200


class ErrorTests:
    def errors(self, response):
        assert response.status_code == 400
        return response.context["form"].errors

    def test_a_bad_line_is_named(self, client, world):
        client.force_login(world.keyworker_mh)
        lines = PASTED.splitlines()
        lines[6] = "2026-02-15,abc"
        response = post(client, data="\n".join(lines))
        assert self.errors(response)["data"] == ["Line 7: 'abc' is not a number."]
        page = response.content.decode()
        assert "There is a problem" in page and 'href="#data"' in page
        assert "Line 7: &#x27;abc&#x27; is not a number." in page
        assert "Error: Chart your own data" in page

    def test_a_date_that_does_not_exist_is_named_like_a_bad_number(self, client, world):
        client.force_login(world.keyworker_mh)
        text = "2026-01-05,3\n2026-13-45,4\n31/02/2026,5\n2026-01-26,6\nWeek 5,7"
        assert self.errors(post(client, data=text))["data"] == [
            "Line 2: '2026-13-45' is not a date. Write it like 2026-03-31 or 31/03/2026.",
            "Line 3: '31/02/2026' is not a date. Write it like 2026-03-31 or 31/03/2026.",
        ]

    def test_several_bad_lines_are_each_named(self, client, world):
        client.force_login(world.keyworker_mh)
        text = "1\n2\nx\n4\n5,6,7\n2026-01-01,\nnan\n8"
        assert self.errors(post(client, data=text))["data"] == [
            "Line 3: 'x' is not a number.",
            "Line 5 has 3 columns: give a date and a value, or a value alone.",
            "Line 6: the value is missing.",
            "Line 7: 'nan' is not a number.",
        ]

    def test_lines_after_the_heading_that_cannot_be_read_are_named_not_skipped(self, client, world):
        client.force_login(world.keyworker_mh)
        text = "date,value\n2026-01-05,n/a\nJan,\n2026-01-19,4\n2026-01-26,5"
        assert self.errors(post(client, data=text))["data"] == [
            "Line 2: 'n/a' is not a number.",
            "Line 3: the value is missing.",
        ]

    def test_only_the_first_line_may_be_a_heading(self, client, world):
        client.force_login(world.keyworker_mh)
        assert self.errors(post(client, data="week\ncount\n1\n2"))["data"] == [
            "Line 2: 'count' is not a number."
        ]

    def test_nothing_entered(self, client, world):
        client.force_login(world.keyworker_mh)
        errors = self.errors(client.post(URL, {}))
        assert errors["data"] == ["Paste your data or choose a CSV file."]
        assert errors["improvement"] == ["Select which way is better."]

    def test_one_value_is_too_few(self, client, world):
        client.force_login(world.keyworker_mh)
        assert self.errors(post(client, data="5"))["data"] == [
            "Enter at least 2 values to chart; you entered 1."
        ]

    def test_pasting_and_uploading_together_is_refused(self, client, world):
        client.force_login(world.keyworker_mh)
        upload = SimpleUploadedFile("s.csv", b"1\n2\n3")
        errors = self.errors(client.post(URL, {"improvement": "up", "data": "1\n2", "file": upload}))
        assert errors["file"] == ["Paste your data or upload a file, not both."]

    def test_a_bad_file_is_named_by_line(self, client, world):
        client.force_login(world.keyworker_mh)
        upload = SimpleUploadedFile("s.csv", b"date,value\n2026-01-01,1\n2026-01-08,lots\n")
        errors = self.errors(client.post(URL, {"improvement": "up", "file": upload}))
        assert errors["file"] == ["Line 3: 'lots' is not a number."]

    def test_a_file_that_is_not_text_is_refused(self, client, world):
        client.force_login(world.keyworker_mh)
        upload = SimpleUploadedFile("s.csv", b"\xff\xfe\x00\x81")
        errors = self.errors(client.post(URL, {"improvement": "up", "file": upload}))
        assert errors["file"] == ["The file must be a CSV file saved as text (UTF-8)."]

    @pytest.mark.parametrize(
        "baseline, message",
        [
            ("1", "The baseline needs at least 2 points."),
            ("twelve", "The number of baseline points must be a whole number, like 12."),
            ("21", "The baseline cannot be more points than the data has (20)."),
        ],
    )
    def test_a_bad_baseline_is_explained(self, client, world, baseline, message):
        client.force_login(world.keyworker_mh)
        assert self.errors(post(client, data=PASTED, baseline=baseline))["baseline"] == [message]

    def test_an_unknown_direction_is_refused(self, client, world):
        client.force_login(world.keyworker_mh)
        assert "improvement" in self.errors(post(client, data=PASTED, improvement="sideways"))


class DownloadTests:
    def test_the_analysed_points_download_as_csv(self, client, world):
        client.force_login(world.keyworker_mh)
        carried = post(client, data=PASTED).context["carried"]
        response = client.post(DOWNLOAD, {"data": carried, "improvement": "up"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"] == 'attachment; filename="spc-chart.csv"'
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert len(rows) == 20
        assert rows[0]["date"] == "1 Jan 2026" and float(rows[0]["value"]) == 10
        assert float(rows[0]["mean"]) == pytest.approx(sum(VALUES) / 20)
        last = rows[-1]
        # mean 262/20 = 13.1, mean mR 38/19 = 2 → upper limit 18.42: the last six are above it
        assert last["special_cause"] == "yes" and last["rules"] == "outside_limits"
        assert last["variation"] == "improvement" and last["in_baseline"] == "yes"

    def test_each_row_has_the_limits_in_force_for_it(self, client, world):
        client.force_login(world.keyworker_mh)
        carried = post(client, data=PASTED, recalculate="15").context["carried"]
        response = client.post(DOWNLOAD, {"data": carried, "improvement": "up", "recalculate": "15"})
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert float(rows[13]["mean"]) == pytest.approx(10)
        assert float(rows[14]["mean"]) == pytest.approx(122 / 6)
        assert float(rows[13]["upper_limit"]) < float(rows[14]["lower_limit"])
        assert {row["special_cause"] for row in rows} == {"no"}

    def test_a_run_chart_downloads_with_its_median(self, client, world):
        client.force_login(world.keyworker_mh)
        response = client.post(DOWNLOAD, {"data": "1\n2\n3", "improvement": "neither"})
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert [r["median"] for r in rows] == ["2.0"] * 3
        assert rows[0]["date"] == "Point 1"

    def test_a_label_that_looks_like_a_formula_is_quoted(self, client, world):
        client.force_login(world.keyworker_mh)
        response = client.post(DOWNLOAD, {"data": "=HYPERLINK(1),1\n+x,2\nok,3", "improvement": "up"})
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[1][0] == "'=HYPERLINK(1)" and rows[2][0] == "'+x"

    def test_the_download_needs_post_and_valid_data(self, client, world):
        client.force_login(world.keyworker_mh)
        assert client.get(DOWNLOAD).status_code == 405
        assert client.post(DOWNLOAD, {"data": "a\nb,c", "improvement": "up"}).status_code == 400


class ParseTests:
    def test_values_may_carry_a_percent_sign_and_quotes(self):
        series = parse_series('Week,Percent\n"Week 1","45%"\nWeek 2,50.5\n')
        assert series.values == (45.0, 50.5)
        assert series.labels == ("Week 1", "Week 2")

    def test_dates_in_british_order_are_read(self):
        assert parse_series("02/03/2026,1\n09/03/2026,2").labels == ("2 Mar 2026", "9 Mar 2026")

    def test_a_heading_after_blank_lines_is_still_skipped(self):
        assert parse_series("\n\nweek,count\nw1,3\nw2,4").values == (3.0, 4.0)

    def test_blank_lines_and_trailing_commas_are_skipped(self):
        assert parse_series("1,\n\n2,\n").values == (1.0, 2.0)

    def test_more_than_ten_bad_lines_are_summed_up(self):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as raised:
            parse_series("1\n" + "x\n" * 12)
        assert len(raised.value.messages) == 11
        assert raised.value.messages[-1] == "And 2 more lines with errors."
