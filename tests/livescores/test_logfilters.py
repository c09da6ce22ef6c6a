"""A broker outage's "Couldn't ack" is a warning without a traceback; other records pass."""

from __future__ import annotations

import logging
import sys

from redis.exceptions import ConnectionError as RedisConnectionError

from livescores.logfilters import BrokerOutageFilter


def record(name: str, message: str, exc: BaseException | None) -> logging.LogRecord:
    info = None
    if exc is not None:
        try:
            raise exc
        except BaseException:
            info = sys.exc_info()
    return logging.LogRecord(name, logging.CRITICAL, __file__, 1, message, (), info)


def test_a_failed_ack_while_redis_is_away_is_one_warning_line() -> None:
    outage = record(
        "celery.worker.request", "Couldn't ack 'x', reason:network", RedisConnectionError("refused")
    )
    assert BrokerOutageFilter().filter(outage)
    assert (outage.levelname, outage.exc_info) == ("WARNING", None)
    assert (
        outage.getMessage()
        == "Couldn't ack 'x', reason:network (ConnectionError: refused; redelivered)"
    )


def test_anything_else_keeps_its_level_and_traceback() -> None:
    for other in (
        record("celery.worker.request", "Couldn't ack 'x'", ValueError("a bug")),
        record("celery.app.trace", "Couldn't ack 'x'", RedisConnectionError("refused")),
        record("celery.worker.request", "Task failed", RedisConnectionError("refused")),
    ):
        assert BrokerOutageFilter().filter(other)
        assert other.levelname == "CRITICAL" and other.exc_info is not None
