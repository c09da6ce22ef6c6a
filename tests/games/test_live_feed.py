from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses

from games.feed.live import FeedError, LiveFeed
from games.feed.parser import parse_scoreboard

URL = "https://cdn.nba.com/static/json/liveData/scoreboard/todaysScoreboard_00.json"


@responses.activate
def test_it_fetches_the_scoreboard_with_the_referer_merged_into_the_defaults(
    scoreboard_payload: dict[str, Any],
) -> None:
    responses.get(URL, body=json.dumps(scoreboard_payload))

    payload = LiveFeed(timeout=3.5).fetch()

    assert parse_scoreboard(payload).games[0].game_id == "0042200163"
    sent = responses.calls[0].request
    assert sent.headers["Referer"] == "https://www.nba.com/"
    assert sent.headers["Host"] == "cdn.nba.com"  # nba_api's defaults are kept
    assert "Firefox" in sent.headers["User-Agent"]
    assert sent.req_kwargs["timeout"] == 3.5  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (403, "<html>Access Denied</html>", "HTTP 403 body is not JSON"),
        (429, '{"Message": "slow down"}', "HTTP 429 refused"),
        (503, "", "HTTP 503 body is not JSON"),
        (200, "<html>maintenance</html>", "HTTP 200 body is not JSON"),
        (200, '{"scoreboard": ', "HTTP 200 body is not JSON"),
        (200, "[]", "payload is list"),
    ],
)
@responses.activate
def test_a_bad_response_is_a_feed_error(status: int, body: str, message: str) -> None:
    responses.get(URL, body=body, status=status)
    with pytest.raises(FeedError, match=message):
        LiveFeed(timeout=1).fetch()


@responses.activate
def test_a_timeout_is_a_feed_error() -> None:
    responses.get(URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(FeedError, match="timed out after 1 s"):
        LiveFeed(timeout=1).fetch()
