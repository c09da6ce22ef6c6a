"""What following every game's plays costs: a 15-game night, poll by poll.

    .venv/bin/python -m benchmarks.plays            # --quick: the first 40 polls

Replays the 15-game night of 2025-02-12 (``REPLAY_DATE``; the scoreboard from
``data/timelines_2024-25``, the plays and box scores from ``data/plays_2024-25``, both
derived from the MIT-licensed archive) through the production path, as a worker runs
it: ``poll_scoreboard`` (parse, store, push), then ``follow_games`` (every live game's
play-by-play and, when its plays changed, its box score: parse, upsert, minutes from the
plays, push to subscribers). Times each poll's two halves, the follow-up per game
fetched, and counts the requests each poll makes, twice in the same run:

* **skipping unchanged bodies** (production: a play-by-play body equal to the last one
  stored is not parsed, and the box score is asked for only when the plays changed);
* **without skipping** (every play-by-play body parsed again; the box score still only
  when the plays changed). A follower that skipped nothing would also ask for every
  live game's box score every poll: two requests per live game per poll
  (``naive_requests`` below, counted from the same polls).

Its own database (livescores_bench) and Redis DB 14. Writes
``benchmarks/results/plays.json``. Figures, not tests: nothing here asserts a target.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import sys
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

from benchmarks.common import ROOT, bench_args, no_forecast_queue, reset_data, summary

NIGHT = dt.date(2025, 2, 12)  # 15 games, the most of any night of 2024-25
RESULT = ROOT / "benchmarks" / "results" / "plays.json"


@contextlib.contextmanager
def without_skipping() -> Iterator[None]:
    """No stored fingerprints: every play-by-play body parsed again (the box score is
    still asked for only when the plays changed)."""
    from games import play_services

    with mock.patch.object(play_services, "_stored_fingerprints", lambda game_ids: {}):
        yield


def follow_night(skip: bool, polls: int | None) -> dict[str, Any]:
    from django.conf import settings

    from games.feed.game_feed import BOXSCORE, PLAYBYPLAY, ReplayGameFeed
    from games.feed.select import build_replay_feed
    from games.models import Game
    from games.play_services import follow_games
    from games.plays import Play
    from games.redis_client import get_redis
    from games.services import poll_scoreboard

    settings.REPLAY_DATE = NIGHT
    reset_data()
    get_redis().flushdb()
    feed = build_replay_feed()
    feed.reset()
    plays_feed = ReplayGameFeed(NIGHT)
    last = feed.board.last_tick() + 1
    ticks = min(last, polls) if polls else last
    poll_ms: list[float] = []
    follow_ms: list[float] = []
    per_game_ms: list[float] = []
    requests: list[int] = []
    by_endpoint = {PLAYBYPLAY: 0, BOXSCORE: 0}
    unchanged = {PLAYBYPLAY: 0, BOXSCORE: 0}
    followed = 0
    with contextlib.nullcontext() if skip else without_skipping():
        for _ in range(ticks):
            start = time.perf_counter()
            poll_scoreboard(feed)
            polled = time.perf_counter()
            result = follow_games(plays_feed)
            done = time.perf_counter()
            poll_ms.append((polled - start) * 1000)
            if not result.games:
                continue
            assert not result.failures, result.failures
            follow_ms.append((done - polled) * 1000)
            per_game_ms.append((done - polled) * 1000 / result.games)
            requests.append(sum(result.requests.values()))
            followed += result.games
            for endpoint in by_endpoint:
                by_endpoint[endpoint] += result.requests[endpoint]
                unchanged[endpoint] += result.unchanged[endpoint]
    return {
        "games": Game.objects.count(),
        "polls": ticks,
        "polls_with_live_games": len(follow_ms),
        "game_fetches": followed,
        "plays_stored": Play.objects.count(),
        "scoreboard_poll_ms": summary(poll_ms),
        "follow_up_ms_per_poll": summary(follow_ms),
        "follow_up_ms_per_game": summary(per_game_ms),
        # Does a game cost more as its plays pile up? The first and the last ten polls
        # with live games (tip-off waves and finals change the mix: per game, not per poll).
        "follow_up_ms_per_game_first_10_polls": summary(per_game_ms[:10]),
        "follow_up_ms_per_game_last_10_polls": summary(per_game_ms[-10:]),
        "requests_per_poll": summary([float(n) for n in requests]),
        "requests": by_endpoint,
        "naive_requests": 2 * followed,
        "unchanged_bodies_skipped": unchanged,
    }


def main() -> None:
    args = bench_args(__doc__ or "", "the first 40 polls only")
    no_forecast_queue()
    polls = 40 if args.quick else None
    follow_night(True, 10)  # warm-up: connections, code paths, the night's files
    arms: dict[str, list[dict[str, Any]]] = {"skipping": [], "without_skipping": []}
    for _ in range(2):  # alternately, so the machine's drift touches both alike
        arms["skipping"].append(follow_night(True, polls))
        arms["without_skipping"].append(follow_night(False, polls))
    result = {
        "meta": {
            "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} "
            f"{platform.python_version()}",
            "command": "python -m benchmarks.plays" + (" --quick" if args.quick else ""),
            "night": NIGHT.isoformat(),
        },
        **arms,
    }
    print(json.dumps(result, indent=2))
    if not args.no_write:
        RESULT.parent.mkdir(parents=True, exist_ok=True)
        RESULT.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {RESULT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
