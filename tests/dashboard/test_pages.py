"""Staff pages: login, the dashboard, a game page, system status, model cards, admin."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from dashboard import services
from games.feed.select import build_replay_feed
from games.models import Board, Game, PollOutcome, PollRun
from games.services import poll_scoreboard
from predictions.models import Prediction

pytestmark = pytest.mark.django_db(transaction=True)  # forecasts are queued on commit


@pytest.fixture
def staff(client: Client) -> Client:
    user = get_user_model().objects.create_user("boss", password="pw-for-tests", is_staff=True)
    client.force_login(user)
    return client


@pytest.fixture
def replayed(redis_client: Any, eager_celery: None) -> list[Game]:
    """The replay night polled to just past minute 24 of the first games."""
    feed = build_replay_feed()
    feed.reset()
    for _ in range(30):
        poll_scoreboard(feed)
    return list(Game.objects.order_by("game_id"))


@pytest.mark.parametrize("path", ["/", "/games/0022400001/", "/status.json", "/models/"])
def test_every_staff_page_sends_anonymous_visitors_to_the_login(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_a_signed_in_user_who_is_not_staff_is_sent_to_the_login_too(client: Client) -> None:
    client.force_login(get_user_model().objects.create_user("fan", password="x"))
    assert client.get("/").status_code == 302


def test_staff_log_in_with_the_login_form_and_land_on_the_dashboard(client: Client) -> None:
    get_user_model().objects.create_user("boss", password="pw-for-tests", is_staff=True)
    page = client.get("/accounts/login/?next=/")
    assert b"Staff login" in page.content
    response = client.post("/accounts/login/", {"username": "boss", "password": "pw-for-tests"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_dashboard_starts_from_the_real_board_and_loads_chartjs_from_npm(
    staff: Client, replayed: list[Game]
) -> None:
    response = staff.get("/")
    html = response.content.decode()
    assert "/static/vendor/chart.js/chart.umd.js" in html
    assert finders.find("vendor/chart.js/chart.umd.js"), "run npm ci (bin/test does)"
    board = response.context["board"]
    assert {g["game_id"] for g in board["games"]} == {g.game_id for g in replayed}
    predicted = [g for g in board["games"] if g["prediction"]]
    assert predicted, "30 polls pass minute 18 of the first games"
    first = predicted[0]["game_id"]
    assert [m["minute"] for m in board["minutes"][first]][:18] == list(range(1, 19))
    assert 'id="initial-board"' in html and 'id="initial-status"' in html


def test_a_game_page_shows_its_minutes_snapshots_and_prediction(
    staff: Client, replayed: list[Game]
) -> None:
    game = Game.objects.filter(prediction__isnull=False).first()
    assert game is not None
    response = staff.get(f"/games/{game.game_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert game.home_name in html and game.away_name in html
    timeline = response.context["timeline"]
    assert len(timeline) == game.snapshots.count() > 0
    assert timeline[0]["observed_at"] >= timeline[-1]["observed_at"]  # newest first
    assert 'id="timeline"' in html
    [payload] = response.context["board"]["games"]
    assert payload["prediction"]["halftime"]["interval90"]
    assert len(response.context["board"]["minutes"][game.game_id]) == game.minutes.count()
    assert staff.get("/games/0000000000/").status_code == 404


def test_system_status_reports_poll_times_errors_feed_and_model(
    staff: Client, replayed: list[Game]
) -> None:
    PollRun.objects.create(
        started_at=timezone.now(), feed="replay", outcome=PollOutcome.FETCH_ERROR, error="timeout"
    )
    status = staff.get("/status.json").json()
    polls = status["polls"]
    assert polls["runs"] == 31 and polls["errors"] == 1
    assert polls["last"]["outcome"] == "fetch_error"
    assert polls["recent_errors"][0]["error"] == "timeout"
    assert polls["total_ms"]["min"] <= polls["total_ms"]["avg"] <= polls["total_ms"]["max"]
    assert status["feed"] == "replay"
    assert status["model"]["last_forecast"]["version"]


def _prediction(game: Game, point: float, lo90: int, hi90: int, actual: int | None) -> None:
    Prediction.objects.create(
        game=game,
        model_name="test",
        model_version="t1",
        input_pattern=[0] * 18,
        halftime_point=point,
        halftime_lo90=lo90,
        halftime_hi90=hi90,
        halftime_lo95=lo90 - 2,
        halftime_hi95=hi90 + 2,
        latency_ms=1.0,
        actual_halftime=actual,
    )


def test_live_accuracy_is_the_mae_and_coverage_of_forecasts_with_a_known_halftime() -> None:
    day1, day2 = dt.date(2025, 2, 10), dt.date(2025, 2, 11)
    games = [
        Game.objects.create(
            game_id=f"00224000{i:02d}",
            game_date=day,
            home_team_id=1,
            away_team_id=2,
            home_tricode="AAA",
            away_tricode="BBB",
        )
        for i, day in enumerate([day1, day1, day2, day2])
    ]
    _prediction(games[0], 2.0, -5, 9, 4)  # error 2, covered
    _prediction(games[1], 0.0, -8, 8, 10)  # error 10, not covered (95%: -10..10 covers)
    _prediction(games[2], -3.0, -10, 4, -4)  # error 1, covered
    _prediction(games[3], 1.0, -7, 9, None)  # pending
    accuracy = services.live_accuracy()
    overall = accuracy["overall"]
    assert overall["halftime_n"] == 3
    assert overall["halftime_mae"] == pytest.approx(13 / 3)
    assert overall["coverage90"] == pytest.approx(200 / 3)
    assert overall["coverage95"] == pytest.approx(100.0)
    assert [row["label"] for row in accuracy["by_date"]] == ["2025-02-11", "2025-02-10"]
    assert accuracy["by_date"][1]["halftime_mae"] == pytest.approx(6.0)
    assert accuracy["pending"] == 1


def test_the_model_page_shows_the_served_model_card(staff: Client) -> None:
    cards = services.model_cards()
    html = staff.get("/models/").content.decode()
    for card in cards:
        assert card.version in html
    served = [c for c in cards if c.served]
    if served:  # the artifact this checkout serves
        assert "served" in html and "Test metrics" in html


def test_the_model_page_says_so_when_no_model_card_exists(
    staff: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("dashboard.services.ARTIFACTS_DIR", tmp_path)
    monkeypatch.setattr(services.model_cards, "__defaults__", (tmp_path,))
    html = staff.get("/models/").content.decode()
    assert "No model card yet" in html


def test_a_broken_model_card_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2" / "model.json").write_text("{oops")
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "model.json").write_text(json.dumps({"version": "v1", "data": {"n": 3}}))
    (tmp_path / "LATEST").write_text("v1\n")
    cards = services.model_cards(tmp_path)
    assert [(c.version, c.served) for c in cards] == [("v1", True), ("v2", False)]
    assert cards[0].data == [("n", "3")]
    assert cards[1].error.startswith("unreadable")


def test_the_poll_run_admin_shows_the_last_100_runs_statistics(
    admin_client: Client, replayed: list[Game]
) -> None:
    html = admin_client.get("/admin/games/pollrun/").content.decode()
    assert "Last 30 poll runs" in html and "processing" in html


def test_the_prediction_admin_shows_intervals_outcome_and_error(
    admin_client: Client, replayed: list[Game]
) -> None:
    prediction = Prediction.objects.exclude(actual_halftime=None).first()
    assert prediction is not None, "30 polls pass halftime of the first games"
    listing = admin_client.get("/admin/predictions/prediction/").content.decode()
    assert f"{prediction.halftime_error:+.1f}" in listing
    detail = admin_client.get(f"/admin/predictions/prediction/{prediction.pk}/change/")
    html = detail.content.decode()
    assert detail.status_code == 200
    assert f"[{prediction.halftime_lo90}, {prediction.halftime_hi90}]" in html
    assert "historical games it leans on" in html.lower()


def test_the_game_admin_filters_by_date_and_status_and_searches_teams(
    admin_client: Client, replayed: list[Game]
) -> None:
    game = replayed[0]
    response = admin_client.get(
        "/admin/games/game/",
        {
            "game_date": game.game_date.isoformat(),
            "status__exact": str(game.status),
            "q": game.home_tricode,
        },
    )
    assert response.status_code == 200
    assert game.game_id in response.content.decode()
    change = admin_client.get(f"/admin/games/game/{game.game_id}/change/").content.decode()
    assert "Minute differentials" in change


# --- Nights, favicon, postponed games ------------------------------------------------


def _game(game_id: str, day: dt.date, **fields: Any) -> Game:
    return Game.objects.create(
        game_id=game_id,
        game_date=day,
        home_team_id=1,
        away_team_id=2,
        home_tricode="AAA",
        away_tricode="BBB",
        **fields,
    )


def test_the_dashboard_names_the_replayed_night_from_the_polled_scoreboard(
    staff: Client, replayed: list[Game]
) -> None:
    html = staff.get("/").content.decode()
    night = replayed[0].game_date
    assert f"replay of {night.isoformat()}" in html
    assert night.strftime("%A") in html  # the night's weekday, in the title


def test_a_night_page_shows_that_nights_games_with_links_to_the_nearest_nights(
    staff: Client,
) -> None:
    days = [dt.date(2025, 1, 2), dt.date(2025, 1, 5), dt.date(2025, 1, 9)]
    for i, day in enumerate(days):
        _game(f"00224001{i:02d}", day)
    PollRun.objects.create(
        started_at=timezone.now(), feed="replay", board_date=days[2], outcome=PollOutcome.OK
    )
    Board.objects.create(date=days[2])  # what that poll recorded: tonight's board
    response = staff.get("/nights/2025-01-05/")
    assert response.status_code == 200
    assert [g["game_id"] for g in response.context["board"]["games"]] == ["0022400101"]
    html = response.content.decode()
    assert 'href="/nights/2025-01-02/"' in html  # the nearest earlier night with games
    assert 'href="/nights/2025-01-09/"' in html  # the nearest later one, skipping empty days
    assert 'type="date"' in html and 'action="/nights/"' in html
    assert response.context["live"] is False and 'id="connection"' not in html
    # The first night has no earlier one; a night without games is shown empty.
    first = staff.get("/nights/2025-01-02/").content.decode()
    assert "no earlier night" in first
    assert staff.get("/nights/2025-01-03/").context["board"]["games"] == []
    # The date picker's GET, the current night, and a bad date.
    picked = staff.get("/nights/", {"date": "2025-01-05"})
    assert picked.status_code == 302 and picked["Location"] == "/nights/2025-01-05/"
    assert staff.get("/nights/", {"date": "soon"})["Location"] == "/"
    assert staff.get("/nights/2025-01-09/")["Location"] == "/"  # the current night is live
    assert staff.get("/nights/2025-13-40/").status_code == 404


def test_nights_need_a_staff_session(client: Client) -> None:
    response = client.get("/nights/2025-01-05/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_favicon_is_linked_and_favicon_ico_does_not_404(staff: Client) -> None:
    html = staff.get("/models/").content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg"' in html
    assert finders.find("img/favicon.svg")
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/img/favicon.svg"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("PPD", "postponed"),
        ("Postponed", "postponed"),
        ("Cancelled", "cancelled"),
        ("7:30 pm ET", "scheduled"),
    ],
)
def test_a_postponed_or_cancelled_game_says_so_and_is_never_scheduled_or_live(
    text: str, label: str
) -> None:
    from games.feed.parser import parse_game
    from realtime.payloads import game_payload

    def team(tricode: str, team_id: int) -> dict[str, Any]:
        return {"teamId": team_id, "teamTricode": tricode, "wins": 3, "losses": 2, "score": 0}

    state = parse_game(
        {
            "gameId": "0022400900",
            "gameStatus": 1,  # nba_api leaves a postponed game "scheduled"
            "gameStatusText": text,
            "period": 0,
            "gameClock": "",
            "gameTimeUTC": "2025-02-11T00:30:00Z",
            "homeTeam": team("BOS", 1),
            "awayTeam": team("NYK", 2),
        }
    )
    game = Game.from_state(state, dt.date(2025, 2, 10))
    game.observe(state)
    game.save()
    game.refresh_from_db()
    assert game_payload(game)["status"] == label
    assert game.called_off == ("" if label == "scheduled" else label)
    assert not game.observed and game.last_closed_minute == 0  # never live
