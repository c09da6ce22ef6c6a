"""The dashboard's screens read like a sports product (issue 19, Why 7): night labels,
styled 404s, the sort and team filter stored per user, the bounded accuracy panel, the
replay's clock explained."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from alerts.models import BoardSort, Preferences
from dashboard import services
from dashboard.accuracy import live_accuracy
from games.models import Board, Game
from predictions.models import Prediction

pytestmark = pytest.mark.django_db

TONIGHT = dt.date(2025, 2, 10)


@pytest.fixture
def staff(client: Client) -> Client:
    user = get_user_model().objects.create_user("boss", password="pw-for-tests", is_staff=True)
    client.force_login(user)
    return client


def game(game_id: str, day: dt.date) -> Game:
    return Game.objects.create(
        game_id=game_id,
        game_date=day,
        home_team_id=1,
        away_team_id=2,
        home_tricode="CLE",
        away_tricode="MIN",
    )


def predict(target: Game, point: float, actual: float | None) -> None:
    Prediction.objects.create(
        game=target,
        model_name="m",
        model_version="v",
        input_pattern=[0] * 18,
        halftime_point=point,
        halftime_lo90=point - 10,
        halftime_hi90=point + 10,
        halftime_lo95=point - 12,
        halftime_hi95=point + 12,
        latency_ms=1.0,
        actual_halftime=actual,
    )


def test_a_night_says_past_or_upcoming_against_tonight(staff: Client) -> None:
    for i, day in enumerate([TONIGHT - dt.timedelta(days=1), TONIGHT, TONIGHT + dt.timedelta(1)]):
        game(f"00224000{i:02d}", day)
    Board.objects.create(date=TONIGHT)
    before = staff.get("/nights/2025-02-09/")
    after = staff.get("/nights/2025-02-11/")
    assert before.context["when"] == "past" and ">past night<" in before.content.decode()
    assert after.context["when"] == "upcoming" and ">upcoming night<" in after.content.decode()
    assert "past night" not in after.content.decode()


def test_an_empty_night_has_no_chart_legend_and_a_night_with_games_has_one(staff: Client) -> None:
    game("0022400001", TONIGHT)
    Board.objects.create(date=TONIGHT + dt.timedelta(days=5))
    empty = staff.get("/nights/2025-02-12/").content.decode()
    full = staff.get("/nights/2025-02-10/").content.decode()
    assert 'id="chart-legend" aria-label="chart legend" hidden' in empty
    assert "No games on this night" in empty
    assert 'id="chart-legend" aria-label="chart legend">' in full
    assert "final-margin forecast" in full  # the legend names every band


@pytest.mark.parametrize(
    ("path", "says"),
    [("/nights/2025-13-40/", "2025-13-40 is not a date"), ("/games/0099999999/", "no game")],
)
def test_unknown_nights_and_games_get_the_styled_404(staff: Client, path: str, says: str) -> None:
    response = staff.get(path)
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-page="not-found"' in html and says in html
    assert "livescores.css" in html and "technical_404" not in html and "Django" not in html


def test_the_500_page_is_styled_and_needs_no_context() -> None:
    from django.template.loader import get_template

    html = get_template("500.html").render()
    assert 'data-page="server-error"' in html and "livescores.css" in html


def test_the_sort_and_team_filter_are_stored_in_the_users_preferences(staff: Client) -> None:
    response = staff.post(
        "/preferences/board/",
        {"board_sort": "closest", "team": "cle"},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"board_sort": "closest", "team_filter": ["CLE"]}
    user = get_user_model().objects.get(username="boss")
    preferences = Preferences.objects.get(user=user)
    assert (preferences.board_sort, preferences.team_filter) == (BoardSort.CLOSEST, ["CLE"])
    html = staff.get("/").content.decode()  # the page comes back with them chosen
    assert '<option value="closest" selected>' in html and 'data-selected="CLE"' in html
    # A plain form post (no JS) goes back to the page; a bad value changes nothing.
    back = staff.post("/preferences/board/", {"board_sort": "start_time", "next": "/"})
    assert back.status_code == 302 and back["Location"] == "/"
    assert staff.post("/preferences/board/", {"board_sort": "random"}).status_code == 400
    away = staff.post("/preferences/board/", {"next": "https://evil.example/"})
    assert away["Location"] == "/"  # never off-site
    assert Preferences.objects.get(user=user).board_sort == BoardSort.START_TIME
    assert staff.get("/preferences/board/").status_code == 405


def test_the_live_accuracy_panel_is_tonight_and_the_seven_nights_before(staff: Client) -> None:
    for i in range(12):  # twelve nights with a known halftime, the last one tonight
        day = TONIGHT - dt.timedelta(days=11 - i)
        predict(game(f"00224001{i:02d}", day), 2.0, 4.0)
    predict(game("0022400200", TONIGHT), 1.0, None)  # tonight's, still waiting
    Board.objects.create(date=TONIGHT)
    panel = services.system_status()["accuracy"]
    assert [row["label"] for row in panel["by_date"]] == [
        (TONIGHT - dt.timedelta(days=d)).isoformat() for d in range(8)
    ]
    assert panel["overall"]["halftime_n"] == 8  # the total is of the rows shown
    assert panel["pending"] == 1
    assert panel["window"] == {"start": "2025-02-03", "end": "2025-02-10", "nights": 8}
    assert live_accuracy(TONIGHT - dt.timedelta(days=20))["by_date"] == []
    assert 'href="/accuracy/"' in staff.get("/").content.decode()


def test_the_replays_retimed_clock_is_explained_where_times_are_shown(
    staff: Client, settings: Any
) -> None:
    settings.FEED = "replay"
    target = game("0022400001", TONIGHT)  # the shipped replay night
    Board.objects.create(date=TONIGHT)
    for path in ("/", f"/games/{target.pk}/"):
        html = staff.get(path).content.decode()
        assert 'id="replay-clock"' in html and "re-timed" in html and "10 February 2025" in html
    settings.FEED = "live"
    assert 'id="replay-clock"' not in staff.get("/").content.decode()


def test_a_past_night_has_a_one_line_summary(staff: Client) -> None:
    for i, actual in enumerate([4.0, 30.0]):  # one inside its 90 % range, one outside
        target = game(f"00224003{i:02d}", TONIGHT - dt.timedelta(days=1))
        Game.objects.filter(pk=target.pk).update(status=3)
        predict(target, 2.0, actual)
    Board.objects.create(date=TONIGHT)
    html = staff.get("/nights/2025-02-09/").content.decode()
    summary = html.split('id="night-summary">')[1].split("</p>")[0]
    assert summary.startswith("2 games, 2 final · 2 halftime forecasts: 1 inside the 90 % range")
    assert "1 outside; off by 15.0 points on average" in summary
