"""The HTTP history API (django-ninja, OpenAPI 3.1 at /api/v1/openapi.json).

Read-only JSON about every night the database holds: the nights, a night's games, a
game with its minutes and prediction, its live forecasts. Game objects are the
WebSocket API's (``realtime.payloads``). Every answer carries an ``ETag`` (from the
games' ``seq``); ``If-None-Match`` gets
``304 Not Modified``. docs/http-api.md is the prose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import BaseModel, Field

from api import selectors
from api.auth import KeyHeader, StaffSession
from api.schemas import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    PLAYS_MAX_LIMIT,
    BoxScoreDetail,
    Error,
    ForecastRow,
    GameDetail,
    NightGames,
    NightSummary,
    Page,
    PlayPage,
)
from games.models import Game
from realtime.messages import API_VERSION, PLAYS_PAGE

AUTH = [KeyHeader(), StaffSession()]
# A cache (the browser's, a proxy's) may keep an answer but must ask again each time:
# a 304 costs one small query.
CACHE_CONTROL = "private, no-cache"
VARY = "Cookie, Authorization, X-API-Key"


def require_reader(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The API's own auth in front of the OpenAPI document (not a ninja operation)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        for scheme in AUTH:
            try:
                if scheme(request):
                    return view(request, *args, **kwargs)
            except HttpError as exc:
                return api.on_exception(request, exc)
        return api.on_exception(request, AuthenticationError())

    return guarded


api = NinjaAPI(
    title="livescores history API",
    version=f"{API_VERSION}.0",
    description=(
        "Read-only JSON about every night in the database: the nights, a night's games, "
        "a game with its minutes, prediction and win-probability curve, its live "
        "forecasts. Game objects are the WebSocket API's (docs/websocket-api.md, "
        "docs/schemas/common.json). Every answer has an ETag (from the games' seq) and "
        "send it back as If-None-Match to get 304 Not Modified. Errors are "
        "{code, detail, game_id}."
    ),
    auth=AUTH,
    urls_namespace="api",
    docs_url=None,  # no Swagger UI from a CDN (the content security policy); the JSON only
    openapi_url="/openapi.json",
    docs_decorator=require_reader,
)


def error(
    request: HttpRequest, status: int, code: str, detail: str, game_id: str | None = None
) -> HttpResponse:
    body: Error = {"code": code, "detail": detail, "game_id": game_id}
    return api.create_response(request, body, status=status)


class GameNotFound(Http404):
    def __init__(self, game_id: str) -> None:
        super().__init__(f"no game {game_id!r}")
        self.game_id = game_id


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 401, "unauthorized", "sign in as staff, or send an API key")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {403: "forbidden", 422: "invalid_request", 429: "too_many_requests"}.get(
        exc.status_code, "error"
    )
    return error(request, exc.status_code, code, str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    game_id = getattr(exc, "game_id", None)
    return error(request, 404, "unknown_game" if game_id else "not_found", str(exc), game_id)


@api.exception_handler(ValidationError)
def on_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors
    )
    return error(request, 422, "invalid_request", problems)


class Paging(BaseModel):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="items per page")
    offset: int = Field(0, ge=0, description="how many items to skip")


def answer(
    request: HttpRequest,
    response: HttpResponse,
    validators: selectors.Validators,
    build: Callable[[], Any],
) -> Any:
    """304 when the client's copy is current, else the body with its validators."""
    modified = validators.last_modified
    stamp = int(modified.timestamp()) if modified is not None else None
    headers = {"ETag": validators.etag, "Cache-Control": CACHE_CONTROL, "Vary": VARY}
    if modified is not None:
        headers["Last-Modified"] = http_date(stamp)
    not_modified = get_conditional_response(request, etag=validators.etag, last_modified=stamp)
    if not_modified is not None:
        for name, value in headers.items():
            not_modified[name] = value
        return not_modified
    for name, value in headers.items():
        response[name] = value
    return build()


def parse_day(day: str) -> dt.date:
    try:
        return dt.date.fromisoformat(day)
    except ValueError as exc:
        raise HttpError(422, f"{day!r} is not a date YYYY-MM-DD") from exc


COMMON = {401: Error, 403: Error, 422: Error}


@api.get("/", response={200: dict[str, str], **COMMON}, summary="What this API serves")
def index(request: HttpRequest) -> dict[str, str]:
    return {
        "nights": "/api/v1/nights",
        "night": "/api/v1/nights/{date}",
        "game": "/api/v1/games/{game_id}",
        "forecasts": "/api/v1/games/{game_id}/forecasts",
        "plays": "/api/v1/games/{game_id}/plays",
        "boxscore": "/api/v1/games/{game_id}/boxscore",
        "openapi": "/api/v1/openapi.json",
    }


@api.get(
    "/nights",
    response={200: Page[NightSummary], 304: None, **COMMON},
    summary="Every night with games, newest first",
)
def list_nights(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> Any:
    rows = selectors.nights()
    validators = selectors.collection_validators(
        Game.objects.all(), "nights", paging.limit, paging.offset
    )

    def build() -> dict[str, Any]:
        page = rows[paging.offset : paging.offset + paging.limit]
        return {
            "count": rows.count(),
            "limit": paging.limit,
            "offset": paging.offset,
            "items": [selectors.night_summary(row) for row in page],
        }

    return answer(request, response, validators, build)


@api.get(
    "/nights/{day}",
    response={200: NightGames, 304: None, 404: Error, **COMMON},
    summary="One night's games, each as a WebSocket snapshot carries it",
)
def night(request: HttpRequest, response: HttpResponse, day: str) -> Any:
    date = parse_day(day)
    games = selectors.night_games(date)
    validators = selectors.collection_validators(games, "night", date)
    return answer(request, response, validators, lambda: selectors.night_payload(date, games))


def game_or_404(game_id: str) -> Game:
    game = selectors.find_game(game_id)
    if game is None:
        raise GameNotFound(game_id)
    return game


@api.get(
    "/games/{game_id}",
    response={200: GameDetail, 304: None, 404: Error, **COMMON},
    summary="One game: its state, prediction, whole curve and every closed minute",
)
def game(request: HttpRequest, response: HttpResponse, game_id: str) -> Any:
    found = game_or_404(game_id)
    validators = selectors.game_validators(found, "game")
    return answer(request, response, validators, lambda: selectors.game_detail(found))


@api.get(
    "/games/{game_id}/forecasts",
    response={200: Page[ForecastRow], 304: None, 404: Error, **COMMON},
    summary="Every stored live forecast of a game (each state and model version), in game order",
)
def game_forecasts(
    request: HttpRequest, response: HttpResponse, game_id: str, paging: Query[Paging]
) -> Any:
    found = game_or_404(game_id)
    validators = selectors.game_validators(found, "forecasts", paging.limit, paging.offset)
    rows = selectors.forecasts(found)

    def build() -> dict[str, Any]:
        page = rows[paging.offset : paging.offset + paging.limit]
        return {
            "count": rows.count(),
            "limit": paging.limit,
            "offset": paging.offset,
            "items": [selectors.forecast_row(row) for row in page],
        }

    return answer(request, response, validators, build)


class PlayPaging(BaseModel):
    after: int = Field(0, ge=0, description="plays with an order_number above this one")
    limit: int = Field(PLAYS_PAGE, ge=1, le=PLAYS_MAX_LIMIT, description="plays per page")


@api.get(
    "/games/{game_id}/plays",
    response={200: PlayPage, 304: None, 404: Error, **COMMON},
    summary="A game's plays in game order, a page at a time (as the socket's play_page)",
)
def game_plays(
    request: HttpRequest, response: HttpResponse, game_id: str, paging: Query[PlayPaging]
) -> Any:
    found = game_or_404(game_id)
    validators = selectors.plays_validators(found, paging.after, paging.limit)
    return answer(
        request,
        response,
        validators,
        lambda: selectors.play_page(found, paging.after, paging.limit),
    )


@api.get(
    "/games/{game_id}/boxscore",
    response={200: BoxScoreDetail, 304: None, 404: Error, **COMMON},
    summary="A game's box score and game flow (as the socket's boxscore)",
)
def game_boxscore(request: HttpRequest, response: HttpResponse, game_id: str) -> Any:
    found = game_or_404(game_id)
    validators = selectors.boxscore_validators(found)
    return answer(request, response, validators, lambda: selectors.boxscore_detail(found))
