"""The HTTP history API (api/): who may read it, what it answers, 304s, its OpenAPI.

The night is the shipped replay (games.feed.replay) polled through the real ingest
with the forecast tasks run inline, so every answer is built from real rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from games.feed.select import build_replay_feed
from games.models import Game
from games.services import poll_scoreboard
from predictions.models import LiveForecast
from realtime.consumer import read_subscription
from support.schemas import _registry

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
COMMON = "https://livescores.invalid/schemas/common.json#/$defs/"
POLLS = 24  # past minute 18 in the early games: minutes, forecasts and a prediction


def assert_matches(definition: str, value: Any) -> None:
    """``value`` is valid against docs/schemas/common.json's ``definition``."""
    registry, _ = _registry()
    validator = Draft202012Validator({"$ref": COMMON + definition}, registry=registry)
    errors = sorted(validator.iter_errors(value), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def staff_client(username: str = "api-staff", *, staff: bool = True) -> Client:
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": staff, "is_active": True}
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def feed(eager_celery: None, redis_client: Any) -> Iterator[Any]:
    feed = build_replay_feed()
    feed.reset()
    for _ in range(POLLS):
        poll_scoreboard(feed)
    yield feed


@pytest.fixture
def staff() -> Client:
    return staff_client()


PATHS = [
    "/api/v1/",
    "/api/v1/nights",
    "/api/v1/nights/2025-02-10",
    "/api/v1/games/0022400755",
    "/api/v1/games/0022400755/forecasts",
    "/api/v1/games/0022400755/plays",
    "/api/v1/games/0022400755/boxscore",
    "/api/v1/openapi.json",
]


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_clients_get_401_and_non_staff_403_with_a_code(path: str) -> None:
    anonymous = Client().get(path)
    assert anonymous.status_code == 401, anonymous.content
    assert anonymous.json()["code"] == "unauthorized"
    fan = staff_client("api-fan", staff=False).get(path)
    assert fan.status_code == 403
    assert fan.json() == {"code": "forbidden", "detail": "staff only", "game_id": None}


def test_nights_are_listed_newest_first_with_their_counts_and_paginated(
    feed: Any, staff: Client
) -> None:
    Game.objects.create(
        game_id="0022400001", game_date="2024-10-22", home_team_id=1, away_team_id=2
    )
    body = staff.get("/api/v1/nights").json()
    night_games = Game.objects.filter(game_date="2025-02-10").count()
    assert body["count"] == 2 and (body["limit"], body["offset"]) == (50, 0)
    assert body["items"] == [
        {"date": "2025-02-10", "games": night_games, "final": 0},
        {"date": "2024-10-22", "games": 1, "final": 0},
    ]
    second = staff.get("/api/v1/nights?limit=1&offset=1").json()
    assert second["count"] == 2 and second["items"] == body["items"][1:]
    assert staff.get("/api/v1/nights?limit=0").json()["code"] == "invalid_request"
    assert staff.get("/api/v1/nights?limit=101").status_code == 422


def test_a_nights_games_are_the_sockets_game_objects(feed: Any, staff: Client) -> None:
    body = staff.get("/api/v1/nights/2025-02-10").json()
    games = Game.objects.filter(game_date="2025-02-10")
    assert body["date"] == "2025-02-10"
    assert sorted(g["game_id"] for g in body["games"]) == sorted(g.pk for g in games)
    for game in body["games"]:
        assert_matches("game_with_history", game)
        assert len(game["win_probability"]) <= 24  # bounded, as in a snapshot
    assert any(game["prediction"] for game in body["games"])
    assert staff.get("/api/v1/nights/2025-02-11").json()["games"] == []
    bad = staff.get("/api/v1/nights/yesterday")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"


async def subscription(game_id: str) -> dict[str, Any]:
    frame = await read_subscription(game_id)
    assert frame is not None
    return json.loads(frame)  # type: ignore[no-any-return]


def test_a_game_is_what_a_subscribed_message_carries(feed: Any, staff: Client) -> None:
    from asgiref.sync import async_to_sync

    game_id = feed.board.night.games[0].game_id
    body = staff.get(f"/api/v1/games/{game_id}").json()
    subscribed = async_to_sync(subscription)(game_id)
    assert body == {k: subscribed[k] for k in ("game_id", "seq", "game", "minutes")}
    assert_matches("game_with_history", body["game"])
    for minute in body["minutes"]:
        assert_matches("minute", minute)
    assert len(body["minutes"]) >= 18 and body["game"]["prediction"] is not None
    assert body["seq"] == Game.objects.get(pk=game_id).seq


def test_an_unknown_game_is_a_404_naming_it(staff: Client) -> None:
    for path in (
        "/api/v1/games/0099999999",
        "/api/v1/games/0099999999/forecasts",
        "/api/v1/games/0099999999/plays",
        "/api/v1/games/0099999999/boxscore",
    ):
        response = staff.get(path)
        assert response.status_code == 404
        body = response.json()
        assert (body["code"], body["game_id"]) == ("unknown_game", "0099999999")
        assert "0099999999" in body["detail"]


def test_forecasts_are_every_stored_row_paginated(feed: Any, staff: Client) -> None:
    game_id = feed.board.night.games[0].game_id
    stored = LiveForecast.objects.filter(game_id=game_id).order_by(
        "elapsed_seconds", "home_score", "away_score", "model_version", "id"
    )
    assert stored.count() > 10
    body = staff.get(f"/api/v1/games/{game_id}/forecasts?limit=10").json()
    assert body["count"] == stored.count() and len(body["items"]) == 10
    rest = staff.get(f"/api/v1/games/{game_id}/forecasts?limit=100&offset=10").json()
    rows = body["items"] + rest["items"]
    assert [(r["elapsed_seconds"], r["home_score"], r["model_version"]) for r in rows] == [
        (f.elapsed_seconds, f.home_score, f.model_version) for f in stored
    ]
    for row in rows:
        assert_matches("live_forecast", {k: v for k, v in row.items() if k != "created_at"})


def test_a_game_answers_304_until_its_seq_moves(feed: Any, staff: Client) -> None:
    game_id = feed.board.night.games[0].game_id
    path = f"/api/v1/games/{game_id}"
    first = staff.get(path)
    etag = first["ETag"]
    assert "Last-Modified" not in first  # a forecast moves the version, not the state's time
    assert first["Cache-Control"] == "private, no-cache"
    again = staff.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert staff.get(path, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    seq = Game.objects.get(pk=game_id).seq
    Game.next_seq(game_id)  # a new version (as a forecast or an outcome makes)
    changed = staff.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["seq"] == seq + 1
    # a 304 is for a reader only
    assert Client().get(path, HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 401


def test_a_night_and_the_nights_answer_304_until_a_game_changes(feed: Any, staff: Client) -> None:
    for path in ("/api/v1/nights/2025-02-10", "/api/v1/nights", "/api/v1/nights?limit=1"):
        etag = staff.get(path)["ETag"]
        assert staff.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    pages = {staff.get(p)["ETag"] for p in ("/api/v1/nights", "/api/v1/nights?limit=1")}
    assert len(pages) == 2  # each page is its own representation
    etag = staff.get("/api/v1/nights/2025-02-10")["ETag"]
    poll_scoreboard(feed)
    assert staff.get("/api/v1/nights/2025-02-10", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_openapi_document_is_valid_3_1_and_the_committed_copy_is_current(
    staff: Client,
) -> None:
    served = staff.get("/api/v1/openapi.json").json()
    assert served["openapi"].startswith("3.1")
    validate_openapi(served)
    assert set(served["paths"]) >= {
        "/api/v1/nights",
        "/api/v1/nights/{day}",
        "/api/v1/games/{game_id}",
        "/api/v1/games/{game_id}/forecasts",
        "/api/v1/games/{game_id}/plays",
        "/api/v1/games/{game_id}/boxscore",
    }
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert committed == served, "regenerate: python manage.py write_openapi"


def test_an_api_key_reads_the_api_from_the_origins_it_allows(feed: Any) -> None:
    from apikeys.models import ApiKey

    key, token = ApiKey.objects.issue("front-end", allowed_origins=["https://app.example.org"])
    game_id = feed.board.night.games[0].game_id
    path = f"/api/v1/games/{game_id}"
    client = Client()
    assert client.get(path, HTTP_X_API_KEY=token).status_code == 200  # no Origin: a server
    browser = client.get(path, HTTP_X_API_KEY=token, HTTP_ORIGIN="https://app.example.org")
    assert browser.status_code == 200 and browser.json()["game_id"] == game_id
    foreign = client.get(path, HTTP_X_API_KEY=token, HTTP_ORIGIN="https://evil.example")
    assert foreign.status_code == 403 and foreign.json()["code"] == "forbidden"
    assert client.get(path, HTTP_X_API_KEY=token[:-2] + "xx").status_code == 401
    key.revoke()
    revoked = client.get(path, HTTP_X_API_KEY=token)
    assert revoked.status_code == 401 and revoked.json()["code"] == "unauthorized"


def test_cors_lets_a_keys_origin_call_the_api_from_a_browser(feed: Any) -> None:
    from apikeys.models import ApiKey

    _, token = ApiKey.objects.issue("front-end", allowed_origins=["https://app.example.org"])
    path = f"/api/v1/games/{feed.board.night.games[0].game_id}"
    preflight = Client().options(
        path,
        HTTP_ORIGIN="https://app.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-api-key",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "X-API-Key" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight
    answer = Client().get(path, HTTP_X_API_KEY=token, HTTP_ORIGIN="https://app.example.org")
    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "ETag" in answer["Access-Control-Expose-Headers"] and "Origin" in answer["Vary"]
    foreign = Client().options(
        path, HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert foreign.status_code == 403 and "Access-Control-Allow-Origin" not in foreign
    page = Client().get("/accounts/login/", HTTP_ORIGIN="https://app.example.org")
    assert "Access-Control-Allow-Origin" not in page  # only the API


@pytest.fixture
def followed(feed: Any) -> Any:
    """The replayed night's plays and box scores, as the follow-up after each poll stores
    them (games.play_services.follow_games on the replayed endpoints)."""
    from games.feed.game_feed import ReplayGameFeed
    from games.play_services import follow_games

    result = follow_games(ReplayGameFeed(feed.night))
    assert result.failures == {} and result.changed
    return feed


def test_a_games_plays_are_the_sockets_pages_in_game_order(followed: Any, staff: Client) -> None:
    from games.models import Play
    from realtime.payloads import plays_after

    game_id = Play.objects.values_list("game_id", flat=True).order_by("game_id").first()
    assert game_id is not None
    stored = list(Play.objects.filter(game_id=game_id).present())
    assert len(stored) > 30
    first = staff.get(f"/api/v1/games/{game_id}/plays?limit=20").json()
    assert (first["after"], first["more"], len(first["plays"])) == (0, True, 20)
    assert first["plays"] == plays_after(game_id, 0, 20)[0]  # the socket's own builder
    seen = first["plays"]
    after = first["next_after"]
    while after is not None:
        page = staff.get(f"/api/v1/games/{game_id}/plays?after={after}&limit=20").json()
        seen += page["plays"]
        after = page["next_after"]
    assert [p["action_number"] for p in seen] == [p.action_number for p in stored]
    for play in seen:
        assert_matches("play", play)
    assert staff.get(f"/api/v1/games/{game_id}/plays?limit=501").status_code == 422


def test_a_games_box_score_is_what_the_socket_sends(followed: Any, staff: Client) -> None:
    from games.models import TeamBoxLine
    from realtime.payloads import boxscore_of

    game_id = TeamBoxLine.objects.values_list("game_id", flat=True).order_by("game_id").first()
    assert game_id is not None
    body = staff.get(f"/api/v1/games/{game_id}/boxscore").json()
    assert body == {"game_id": game_id, **boxscore_of(game_id)}
    assert_matches("boxscore", {k: v for k, v in body.items() if k != "game_id"})
    assert {t["side"] for t in body["teams"]} == {"home", "away"} and body["players"]


def test_plays_and_box_score_answer_304_until_new_plays_arrive(
    followed: Any, staff: Client
) -> None:
    from games.feed.game_feed import ReplayGameFeed
    from games.feed.types import GameStatus
    from games.models import Play
    from games.play_services import follow_games

    live = Play.objects.filter(game__status=GameStatus.LIVE)
    game_id = live.values_list("game_id", flat=True).order_by("game_id").first()
    assert game_id is not None
    paths = (f"/api/v1/games/{game_id}/plays", f"/api/v1/games/{game_id}/boxscore")
    tags = {path: staff.get(path)["ETag"] for path in paths}
    for path, etag in tags.items():
        assert staff.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    for _ in range(2):  # the scoreboard moves on; the follow-up stores the new plays
        poll_scoreboard(followed)
    follow_games(ReplayGameFeed(followed.night))
    for path, etag in tags.items():
        again = staff.get(path, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 200 and again["ETag"] != etag, path
