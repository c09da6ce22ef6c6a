"""The broker (Redis) being away while a task is queued: one rule for every sender.

``.delay``/``.apply_async`` raise one of ``BROKER_AWAY`` while Redis restarts. Every task
queued from another's work is one the next poll queues again (forecasts, alert
evaluations, the plays' follow-up), so a sender logs a warning and goes on rather than
failing the work already committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger(__name__)

BROKER_AWAY = (KombuOperationalError, RedisConnectionError, ConnectionError)


def queue_or_skip(send: Callable[[], object], what: str, again: str) -> bool:
    """Call ``send`` (a task's ``.delay``); if the broker is away, log that ``what`` was
    not queued and when it will be (``again``), and return False."""
    try:
        send()
    except BROKER_AWAY as exc:
        logger.warning("%s not queued (%s); %s", what, exc, again)
        return False
    return True
