"""The request budget for NBA's per-game endpoints, shared by every worker.

NBA publishes no rate limit for its live CDN; users of nba_api report being cut off
after a few hundred calls in a short time. The play-by-play and box-score follow-up
spends from one token bucket in Redis (a Lua script: atomic across workers, on Redis's
own clock): ``PLAYS_BUDGET_PER_MINUTE`` tokens a minute (default 120: two a second,
whatever the number of workers), at most ``PLAYS_BUDGET_BURST`` saved up (default 40).
A full slate of 15 live games spends 90 a minute on play-by-play at one request per game
every 10 s before unchanged bodies and box scores only on change; past the budget the
follow-up fetches fewer games (close and late ones first) and the scoreboard carries on
alone. The scoreboard poll itself never spends from it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from redis.exceptions import RedisError

from games.redis_client import get_redis

logger = logging.getLogger(__name__)

BUDGET_KEY = "livescores:plays:budget"
TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local granted = math.min(want, math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
return granted
"""


def take_requests(wanted: int) -> int:
    """Take up to ``wanted`` requests from the shared budget; how many were granted.

    Without Redis the budget cannot be shared, and every request is granted (logged):
    the follow-up goes on rather than stopping the plays for a Redis restart.
    """
    if wanted <= 0:
        return 0
    rate = settings.PLAYS_BUDGET_PER_MINUTE / 60
    try:
        granted = get_redis().eval(TAKE, 1, BUDGET_KEY, rate, settings.PLAYS_BUDGET_BURST, wanted)
    except RedisError as exc:
        logger.warning("request budget unavailable (Redis: %s); not limiting", exc)
        return wanted
    return int(granted)


def remaining() -> float | None:
    """Tokens left in the budget at the last take (None: never taken, or no Redis)."""
    try:
        value = get_redis().hget(BUDGET_KEY, "tokens")
    except RedisError:
        return None
    return None if value is None else float(value)
