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


class LiveFeed:
    name = "live"

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def fetch(self) -> dict[str, Any]:
        board = ScoreBoard(headers=live_headers(), timeout=self.timeout, get_request=False)
        try:
            board.get_request()
        except requests.Timeout as exc:
            raise FeedError(f"timed out after {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise FeedError(f"request failed: {exc.__class__.__name__}: {exc}") from exc
        except ValueError as exc:  # the body is not JSON (HTML error page, empty body)
            raise FeedError(f"{_describe(board)} body is not JSON: {exc}") from exc
        status = getattr(board.nba_response, "_status_code", None)
        if status != 200:
            raise FeedError(f"{_describe(board)} refused")
        payload = board.get_dict()
        if not isinstance(payload, dict):
            raise FeedError(f"payload is {type(payload).__name__}, not an object")
        return payload


def _describe(board: ScoreBoard) -> str:
    status = getattr(board.nba_response, "_status_code", None)
    return f"HTTP {status}" if status is not None else "response"
