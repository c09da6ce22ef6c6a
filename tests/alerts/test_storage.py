"""Alerts are stored once per (game, rule, key): evaluated after the poll's commit, by a
task that may be retried, run twice or race another worker."""

from __future__ import annotations

import threading
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext

from alerts import receivers, services, signals, tasks
from alerts.models import Alert, AlertSettings, Rule
from alerts.rules import Candidate, Moment
from games.feed.parser import parse_scoreboard
from games.models import Game, PollOutcome, PollRun
from games.services import ingest_scoreboard
from predictions.models import LiveForecast
from support.payloads import at_minute, board

GAME = "0042200163"


def poll(minute: float, home: int, away: int) -> None:
    ingest_scoreboard(parse_scoreboard(board(at_minute(minute, home, away))))


@pytest.fixture
def raised() -> Any:
    seen: list[Alert] = []

    def receive(sender: Any, alert: Alert, **kwargs: Any) -> None:
        seen.append(alert)

    signals.alert_raised.connect(receive, dispatch_uid="test")
    yield seen
    signals.alert_raised.disconnect(dispatch_uid="test")


@pytest.mark.django_db
def test_the_evaluation_is_queued_after_the_polls_commit_and_raises_once(
    django_capture_on_commit_callbacks: Any, eager_celery: None, raised: list[Alert]
) -> None:
    with mock.patch.object(receivers.evaluate_alerts, "delay") as delay:
        with django_capture_on_commit_callbacks() as callbacks:
            poll(44, 100, 97)  # 4:00 left in the 4th, a 3-point game
        delay.assert_not_called()  # nothing before the commit
        for callback in callbacks:
            callback()
        delay.assert_called_once_with([GAME])
    with django_capture_on_commit_callbacks(execute=True):
        tasks.evaluate_alerts.delay([GAME])
        tasks.evaluate_alerts.delay([GAME])  # a duplicated task
    with django_capture_on_commit_callbacks(execute=True):
        poll(44, 100, 97)  # a replayed poll (changes nothing)
        poll(45, 102, 97)  # a later one in the same clutch period
    # The live forecast runs too (eager): the away team, the better record, trails with
    # 4:00 left, so an upset is raised beside the clutch alert; each exactly once.
    alerts = list(Alert.objects.filter(rule=Rule.CLUTCH))
    assert [(a.rule, a.key, a.seq, a.period, a.clock_seconds) for a in alerts] == [
        (Rule.CLUTCH, "P4", 1, 4, 240.0)
    ]
    home = Game.objects.get().home_tricode
    assert alerts[0].text.endswith(f"97 @ {home} 100, 4:00 left in Q4")
    assert sorted(Alert.objects.values_list("rule", flat=True)) == [Rule.CLUTCH, Rule.UPSET]
    clutch = [a.pk for a in raised if a.rule == Rule.CLUTCH]
    assert clutch == [alerts[0].pk]  # announced once, after its commit


@pytest.mark.django_db
def test_the_active_flag_follows_the_condition(
    django_capture_on_commit_callbacks: Any,
) -> None:
    poll(44, 100, 97)
    services.evaluate_game(GAME)
    assert Alert.objects.get().active
    poll(45, 108, 97)  # an 11-point game: no longer clutch
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.evaluate_game(GAME)
    assert not Alert.objects.get(rule=Rule.CLUTCH).active
    assert callbacks  # alerts_changed announced


@pytest.mark.django_db
def test_a_task_retried_mid_way_stores_each_alert_once(
    django_capture_on_commit_callbacks: Any, raised: list[Alert]
) -> None:
    for minute, home, away in ((1, 0, 2), (2, 0, 7), (3, 0, 12), (44, 90, 88)):
        poll(minute, home, away)  # a 12-0 run, then clutch time
    real = services.raise_alert
    calls: list[str] = []

    def flaky(game: Game | None, candidate: Candidate, conflicts: Any = None) -> Any:
        calls.append(candidate.rule)
        alert = real(game, candidate, conflicts)
        if len(calls) == 1:  # the first alert is committed, then the database drops
            raise OperationalError("server closed the connection unexpectedly")
        return alert

    with (
        mock.patch.object(services, "raise_alert", flaky),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = tasks.evaluate_alerts.apply(args=[[GAME]])  # its retry runs in place
    assert result.successful()
    # The first run stored clutch time and died; the retry found it stored and raised
    # only the run.
    assert calls == [Rule.CLUTCH, Rule.RUN]
    stored = sorted((a.rule, a.key) for a in Alert.objects.all())
    assert stored == [(Rule.CLUTCH, "P4"), (Rule.RUN, "away@60")]
    assert sorted(a.rule for a in raised) == [Rule.CLUTCH, Rule.RUN]
    assert sorted(Alert.objects.values_list("seq", flat=True)) == [1, 2]  # no gap


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_the_same_alert_store_it_once() -> None:
    poll(44, 100, 97)
    game = Game.objects.get()
    candidate = Candidate(Rule.CLUTCH, "P4", "clutch", Moment(4, 240, 2640, 100, 97))
    barrier = threading.Barrier(4)
    results: list[Any] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(services.raise_alert(game, candidate))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and sum(r is not None for r in results) == 1
    assert Alert.objects.filter(rule=Rule.CLUTCH).count() == 1


@pytest.mark.django_db
def test_the_unique_constraint_is_the_backstop_even_without_the_check() -> None:
    poll(44, 100, 97)
    game = Game.objects.get()
    candidate = Candidate(Rule.CLUTCH, "P4", "clutch", Moment(4, 240, 2640, 100, 97))
    assert services.raise_alert(game, candidate) is not None
    with mock.patch.object(Alert.objects, "filter") as filtered:
        filtered.return_value.exists.return_value = False  # a check that saw nothing
        assert services.raise_alert(game, candidate) is None
    feed = Candidate(Rule.FEED_TROUBLE, "k", "feed")
    assert services.raise_alert(None, feed) is not None
    assert services.raise_alert(None, feed) is None  # no game: still once per key
    assert Alert.objects.count() == 2


@pytest.mark.django_db
def test_the_thresholds_are_the_admins_settings() -> None:
    poll(44, 100, 94)  # a 6-point game
    assert services.evaluate_game(GAME) == []
    AlertSettings.objects.filter(pk=1).update(clutch_margin=6)
    assert [a.key for a in services.evaluate_game(GAME)] == ["P4"]
    AlertSettings.objects.filter(pk=1).update(rules_off=[Rule.RUN, Rule.CLUTCH])
    poll(45, 100, 94)
    with CaptureQueriesContext(connection) as queries:
        services.evaluate_game(GAME)
    assert not any("games_snapshot" in q["sql"] for q in queries)  # off: not even read


@pytest.mark.django_db
def test_a_big_swing_keeps_its_cooldown_across_evaluations() -> None:
    for minute in range(1, 9):
        poll(minute, 2 * minute, 2 * minute)  # both score every minute: no run

    def forecast(minute: int, probability: float) -> None:
        LiveForecast.objects.create(
            game_id=GAME,
            elapsed_seconds=60.0 * minute,
            period=1,
            home_score=2 * minute,
            away_score=2 * minute,
            model_version="t",
            home_win_prob=probability,
            final_margin=0,
            lo90=-1,
            hi90=1,
            lo95=-2,
            hi95=2,
        )

    for minute, probability in ((1, 0.5), (2, 0.5), (3, 0.8)):
        forecast(minute, probability)
    assert [a.key for a in services.evaluate_game(GAME)] == ["m3"]
    forecast(4, 0.5)  # no m2 + 25 points: 0.5 -> 0.5
    forecast(5, 0.2)  # 0.8 -> 0.2 two minutes after m3: cooling down
    forecast(7, 0.6)  # 0.2 -> 0.6, 4 minutes after m3: a second swing
    assert [a.key for a in services.evaluate_game(GAME)] == ["m7"]
    assert services.evaluate_game(GAME) == []


@pytest.mark.django_db
def test_feed_trouble_after_a_minute_of_failing_polls_and_its_end() -> None:
    import datetime as dt

    from django.utils import timezone

    start = timezone.now() - dt.timedelta(seconds=90)
    PollRun.objects.create(started_at=start - dt.timedelta(seconds=10), feed="t", outcome="ok")
    for offset in (0, 30, 60):
        PollRun.objects.create(
            started_at=start + dt.timedelta(seconds=offset),
            feed="t",
            outcome=PollOutcome.FETCH_ERROR,
        )
    assert services.evaluate_feed(start + dt.timedelta(seconds=59)) == []
    [alert] = services.evaluate_feed(start + dt.timedelta(seconds=61))
    assert (alert.game, alert.rule, alert.active) == (None, Rule.FEED_TROUBLE, True)
    assert tasks.check_feed.apply().get() == 0  # still failing: the same occurrence
    PollRun.objects.create(started_at=timezone.now(), feed="t", outcome=PollOutcome.OK)
    services.evaluate_feed()
    assert not Alert.objects.get().active


@pytest.mark.django_db
def test_the_alert_admin_is_read_only_and_the_settings_editable(admin_client: Any) -> None:
    poll(44, 100, 97)
    services.evaluate_game(GAME)
    alert = Alert.objects.get()
    assert admin_client.get("/admin/alerts/alert/").status_code == 200
    assert admin_client.get(f"/admin/alerts/alert/{alert.pk}/change/").status_code == 200
    page = admin_client.get("/admin/alerts/alertsettings/1/change/")
    assert page.status_code == 200 and b"clutch_margin" in page.content


@pytest.mark.django_db
def test_the_favourite_is_the_better_record_then_the_better_margin() -> None:
    poll(13, 30, 20)
    game = Game.objects.get()
    game.home_wins, game.home_losses, game.away_wins, game.away_losses = 9, 43, 22, 28
    assert services.favourite_of(game) == "away"
    game.home_wins, game.home_losses, game.away_wins, game.away_losses = 30, 20, 20, 30
    assert services.favourite_of(game) == "home"
    game.home_wins = game.home_losses = game.away_wins = game.away_losses = 10
    assert services.favourite_of(game) == ""  # no stored games either: no favourite
