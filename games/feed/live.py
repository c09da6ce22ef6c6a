"""NBA's live scoreboard through nba_api, with a timeout and the Referer header."""

from __future__ import annotations

import logging
from typing import Any

import requests
from nba_api.live.nba.endpoints.scoreboard import ScoreBoard
from nba_api.live.nba.library.http import NBALiveHTTP

logger = logging.getLogger(__name__)

NBA_REFERER = "https://www.nba.com/"


class FeedError(Exception):
    """The feed could not give a usable payload this time (transient: retry later)."""


def live_headers() -> dict[str, str]:
    """nba_api's default headers with the Referer merged in.

    NBA's CDN has refused requests without a Referer since May 2026, and nba_api's
    ``headers=`` argument replaces its defaults instead of merging, so merge here.
    """
    return {**NBALiveHTTP.headers, "Referer": NBA_REFERER}


def request_json(endpoint: Any, what: str, timeout: float) -> dict[str, Any]:
    """Run an nba_api live endpoint's request; any failure becomes a FeedError."""
    try:
        endpoint.get_request()
    except requests.Timeout as exc:
        raise FeedError(f"{what} timed out after {timeout:g} s") from exc
    except requests.RequestException as exc:
        raise FeedError(f"{what} request failed: {exc.__class__.__name__}: {exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:  # not JSON, or not the expected object
        raise FeedError(f"{what} {_describe(endpoint)} body is not JSON: {exc}") from exc
    if getattr(endpoint.nba_response, "_status_code", None) != 200:
        raise FeedError(f"{what} {_describe(endpoint)} refused")
    payload = endpoint.get_dict()
    if not isinstance(payload, dict):
        raise FeedError(f"{what} payload is {type(payload).__name__}, not an object")
    return payload


class LiveFeed:
    name = "live"

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def fetch(self) -> dict[str, Any]:
        board = ScoreBoard(headers=live_headers(), timeout=self.timeout, get_request=False)
        return request_json(board, "scoreboard", self.timeout)


def _describe(endpoint: Any) -> str:
    status = getattr(getattr(endpoint, "nba_response", None), "_status_code", None)
    return f"HTTP {status}" if status is not None else "response"
