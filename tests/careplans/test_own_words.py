"""The person as co-author (issue 20 item 1): their own goals rated 1-10 over time, and their words
for the plan, accepted into it ("in their words") or answered, never silently dropped."""

import datetime as dt

import pytest
from django.urls import reverse

from careplans import services
from careplans.models import GoalRating, OwnWords, PlanEntry
from dualcare import access
from dualcare.audit.models import AuditEvent
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.notifications.models import Notification

from .helpers import publish, shared_plan

pytestmark = pytest.mark.django_db


def _goal(world, text="I want to get back to work.", domain="job"):
    return services.own_words_propose(
        service_user=world.service_user, by=world.service_user_login, kind="goal", text=text, domain=domain
    )


def _words(world, kind="what_helps", text="Walking by the river."):
    return services.own_words_propose(
        service_user=world.service_user, by=world.service_user_login, kind=kind, text=text
    )


class OwnWordsServiceTests:
    def test_it_lets_only_the_person_write_their_words(self, world):
        for user in (world.keyworker_mh, world.carer, world.mh_only.user or world.outsider):
            with pytest.raises(access.Hidden):
                services.own_words_propose(
                    service_user=world.service_user, by=user, kind="what_matters", text="Not theirs."
                )
        assert not OwnWords.objects.exists()

    def test_it_names_the_field_at_fault_and_writes_nothing(self, world):
        cases = [
            ({"kind": "goal", "text": "", "domain": "job"}, "text"),
            ({"kind": "goal", "text": "A goal", "domain": "nowhere"}, "domain"),
            ({"kind": "poem", "text": "A goal"}, "kind"),
            ({"kind": "what_matters", "text": "x" * 5001}, "text"),
        ]
        for fields, field in cases:
            with pytest.raises(ApplicationError) as error:
                services.own_words_propose(
                    service_user=world.service_user, by=world.service_user_login, **fields
                )
            assert error.value.field == field
        assert not OwnWords.objects.exists()

    def test_it_tells_the_key_worker_once_with_no_words_in_the_alert(self, world):
        words = _words(world)
        alerts = Notification.objects.filter(event_key=f"careplan:own_words:{words.pk}:proposed")
        # Sam's key workers at the CMHT and at the drug and alcohol service, one alert each.
        assert sorted(alerts.values_list("recipient", flat=True)) == sorted(
            [world.keyworker_mh.pk, world.keyworker_sm.pk]
        )
        assert all("river" not in alert.body + alert.subject for alert in alerts)
        services.notify(
            event_key=f"careplan:own_words:{words.pk}:proposed",
            recipients=[world.keyworker_mh],
            kind="careplan.own_words",
            subject="again",
            channels=("in_app",),
            service_user=world.service_user,
        )
        assert alerts.count() == 2
        assert AuditEvent.objects.filter(
            action="careplan.own_words_propose", service_user=world.service_user
        ).exists()

    def test_it_keeps_each_rating_of_a_goal_as_history(self, world):
        goal = _goal(world)
        services.goal_rate(
            goal=goal, by=world.service_user_login, score=3, rated_on=world.today - dt.timedelta(days=30)
        )
        services.goal_rate(goal=goal, by=world.service_user_login, score=6)
        assert list(goal.ratings.order_by("rated_on").values_list("score", flat=True)) == [3, 6]

    @pytest.mark.parametrize("score", [0, 11, "seven", None, 10**30])
    def test_it_refuses_a_score_outside_one_to_ten(self, world, score):
        goal = _goal(world)
        with pytest.raises(ApplicationError) as error:
            services.goal_rate(goal=goal, by=world.service_user_login, score=score)
        assert error.value.field == "score"
        assert not GoalRating.objects.exists()

    def test_it_lets_nobody_else_rate_the_persons_goal(self, world):
        goal = _goal(world)
        for user in (world.keyworker_mh, world.carer):
            with pytest.raises(access.Hidden):
                services.goal_rate(goal=goal, by=user, score=5)

    def test_it_accepts_words_into_the_plan_as_the_persons_own(self, world):
        words = _words(world, kind="early_signs", text="I stop answering my phone.")
        services.own_words_accept(own_words=words, by=world.keyworker_mh)
        words.refresh_from_db()
        assert words.state == "accepted"
        entry = words.plan_entry
        assert (entry.section, entry.warning_signs, entry.in_person_words) == (
            "crisis",
            "I stop answering my phone.",
            True,
        )
        assert entry.organisation == world.mh
        version = publish(world)
        (crisis,) = version.entries("crisis")
        assert crisis["in_person_words"] is True
        assert version.content["own_words_waiting"] == []
        # The person is told, once.
        assert Notification.objects.filter(event_key=f"careplan:own_words:{words.pk}:accepted").count() == 1

    def test_it_needs_a_reply_to_answer_and_answers_once(self, world):
        words = _words(world)
        with pytest.raises(ApplicationError) as error:
            services.own_words_answer(own_words=words, by=world.keyworker_mh, reply="  ")
        assert error.value.field == "reply"
        services.own_words_answer(
            own_words=words, by=world.keyworker_mh, reply="We talked: it is in your diary."
        )
        with pytest.raises(StateConflict):
            services.own_words_accept(own_words=words, by=world.keyworker_sm)
        words.refresh_from_db()
        assert (words.state, words.answered_by, words.plan_entry) == ("answered", world.keyworker_mh, None)

    def test_it_lets_only_involved_teams_accept_or_answer(self, world):
        words = _words(world)
        with pytest.raises(access.Refused):
            services.own_words_accept(own_words=words, by=world.manager_mh)
        for user in (world.outsider, world.keyworker_mh_south, world.carer):
            with pytest.raises(access.Hidden):
                services.own_words_answer(own_words=words, by=user, reply="No.")
        assert OwnWords.objects.get().state == "proposed"

    def test_no_words_are_dropped_when_a_version_is_published(self, world):
        """Every proposal made before publishing is accepted, answered, or listed in the version
        as waiting (and still waits on the working plan)."""
        shared_plan(world)
        accepted, answered, waiting = (
            _words(world),
            _goal(world),
            _words(world, kind="what_matters", text="My dog."),
        )
        services.own_words_accept(own_words=accepted, by=world.keyworker_mh)
        services.own_words_answer(own_words=answered, by=world.keyworker_sm, reply="Let us talk on Tuesday.")
        version = publish(world)
        listed = {row["id"] for row in version.content["own_words_waiting"]}
        in_plan = {entry["id"] for section in version.content["sections"].values() for entry in section}
        for words in OwnWords.objects.filter(created_at__lte=version.published_at):
            assert (
                (words.state == "accepted" and str(words.plan_entry_id) in in_plan)
                or (words.state == "answered" and words.reply)
                or str(words.pk) in listed
            ), words.kind
        assert listed == {str(waiting.pk)}
        # Carried over: it waits for the next version, too, until someone answers it.
        services.entry_add(
            service_user=world.service_user, section="what_matters", by=world.keyworker_mh, text="x"
        )
        assert {row["id"] for row in publish(world).content["own_words_waiting"]} == {str(waiting.pk)}


class OwnWordsAccessTests:
    def test_staff_who_see_the_record_see_the_words_and_carers_do_not(self, world):
        _words(world)
        _goal(world)
        rows = OwnWords.objects.all()
        for user in (world.keyworker_mh, world.keyworker_sm, world.manager_mh, world.service_user_login):
            assert access.own_words_visible_to(user, rows).count() == 2, user.username
        for user in (
            world.outsider,
            world.keyworker_mh_south,
            world.pharmacist,
            world.carer,
            world.orgadmin_mh,
        ):
            assert access.own_words_visible_to(user, rows).count() == 0, user.username


class OwnWordsPageTests:
    def test_the_person_writes_a_goal_and_rates_it_on_their_pages(self, world, client):
        client.force_login(world.service_user_login)
        response = client.post(
            reverse("my_care_plan:goal_new"), {"text": "Cook a meal each week.", "domain": "leisure"}
        )
        assert response.status_code == 302
        goal = OwnWords.objects.get(kind="goal")
        response = client.post(reverse("my_care_plan:goal_rate"), {"goal": goal.pk, "score": "11"})
        assert response.status_code == 200 and "Choose a number from 1 to 10." in response.content.decode()
        assert (
            client.post(reverse("my_care_plan:goal_rate"), {"goal": goal.pk, "score": "4"}).status_code == 302
        )
        page = client.get(reverse("my_care_plan:goals")).content.decode()
        assert "Cook a meal each week." in page and "4 out of 10" in page
        assert "<svg" in page and "<table" in page  # the chart and the same figures as a table
        assert AuditEvent.objects.filter(
            action="careplan.goals_view_own", actor=world.service_user_login
        ).exists()

    def test_the_person_reads_the_answer_beside_their_words(self, world, client):
        words = _words(world)
        services.own_words_answer(own_words=words, by=world.keyworker_mh, reply="Let us plan walks together.")
        client.force_login(world.service_user_login)
        page = client.get(reverse("my_care_plan:words")).content.decode()
        assert (
            "Walking by the river." in page and "Let us plan walks together." in page and "Answered" in page
        )

    def test_a_worker_accepts_the_words_on_the_page(self, world, client):
        words = _words(world)
        client.force_login(world.keyworker_mh)
        url = reverse("careplans:their_words_answer", kwargs={"service_user_pk": world.service_user.pk})
        response = client.post(url, {"words": words.pk, "decision": "answer", "reply": ""})
        assert response.status_code == 200 and "Write your answer to the person." in response.content.decode()
        assert client.post(url, {"words": words.pk, "decision": "accept"}).status_code == 302
        assert PlanEntry.objects.get(section="crisis").in_person_words
        plan_page = client.get(reverse("careplans:plan", kwargs={"service_user_pk": world.service_user.pk}))
        assert "In Sam&rsquo;s words</strong>" in plan_page.content.decode()

    @pytest.mark.parametrize(
        "role,expected",
        [
            ("keyworker_mh", 200),
            ("keyworker_sm", 200),
            ("outsider", 404),
            ("carer", 404),
            ("service_user_login", 404),
        ],
    )
    def test_it_shows_their_words_to_the_staff_who_see_the_record(self, world, client, role, expected):
        _words(world)
        client.force_login(getattr(world, role))
        url = reverse("careplans:their_words", kwargs={"service_user_pk": world.service_user.pk})
        assert client.get(url).status_code == expected

    def test_the_alert_links_by_the_words_id_and_opens_only_for_those_who_see_the_record(self, world, client):
        words = _words(world)
        alert = Notification.objects.filter(recipient=world.keyworker_mh, kind="careplan.own_words").get()
        assert str(world.service_user.pk) not in alert.url
        client.force_login(world.keyworker_mh)
        response = client.get(alert.url)
        assert response.status_code == 302 and response.url.endswith(f"/their-words/answer/?words={words.pk}")
        client.force_login(world.outsider)
        assert client.get(alert.url).status_code == 404

    def test_carers_and_staff_have_no_goals_page_of_their_own(self, world, client):
        for user in (world.carer, world.keyworker_mh):
            client.force_login(user)
            assert client.get(reverse("my_care_plan:goals")).status_code == 404

    def test_the_pages_query_count_does_not_grow_with_rows(
        self, world, client, django_assert_max_num_queries
    ):
        def grow():
            goal = _goal(world)
            services.goal_rate(goal=goal, by=world.service_user_login, score=5)
            services.goal_rate(goal=goal, by=world.service_user_login, score=7)
            _words(world)

        grow()
        pages = [
            (world.service_user_login, reverse("my_care_plan:goals")),
            (world.service_user_login, reverse("my_care_plan:words")),
            (
                world.keyworker_mh,
                reverse("careplans:their_words", kwargs={"service_user_pk": world.service_user.pk}),
            ),
            (
                world.keyworker_mh,
                reverse("careplans:plan", kwargs={"service_user_pk": world.service_user.pk}),
            ),
        ]
        counts = {}
        for user, url in pages:
            client.force_login(user)
            with django_assert_max_num_queries(60) as captured:
                assert client.get(url).status_code == 200
            counts[url] = len(captured.captured_queries)
        for _ in range(3):
            grow()
        for user, url in pages:
            client.force_login(user)
            with django_assert_max_num_queries(counts[url]):
                assert client.get(url).status_code == 200


class OwnWordsDemoTests:
    def test_sam_has_written_what_matters_and_two_goals_with_progress(self, demo_live):
        sam = demo_live.demo.people["Sam Testwell"]
        words = OwnWords.objects.filter(service_user=sam)
        assert words.get(kind="what_matters").plan_entry.in_person_words
        goals = words.filter(kind="goal")
        assert goals.count() == 2
        assert all(goal.ratings.count() >= 3 for goal in goals)
        assert words.filter(state="proposed").exists()  # one waiting, for the key worker to answer
