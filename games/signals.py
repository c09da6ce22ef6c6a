"""What the live pipeline announces; other apps subscribe in their ``AppConfig.ready``.

``games`` never imports the apps above it: it sends these signals and whoever cares
(``predictions``) connects a receiver. They are sent after the poll's transaction
commits (``announce_on_commit``), so a receiver only ever sees rows that are there for
good, and a receiver that fails is logged, never undoes or repeats the poll.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

# After commit. ``closed``: {game_id: [minute, ...]} for every game whose minutes a poll
# closed (one signal per poll, so a receiver can queue one task for the whole slate).
minutes_closed = Signal()
# After commit. ``game_id``: minute 18 closed while halftime was still ahead, and this
# poll claimed the game's halftime forecast (exactly one poll ever does).
halftime_forecast_due = Signal()
# After commit. ``outcomes``: {game_id: (halftime differential | None, final margin |
# None)} a poll just observed (the halftime minute closed, the game went final).
outcomes_known = Signal()


def announce_on_commit(signal: Signal, **kwargs: Any) -> None:
    """Send ``signal`` once the current transaction commits; receivers' errors are logged."""

    def send() -> None:
        for receiver, result in signal.send_robust(sender=None, **kwargs):
            if isinstance(result, Exception):
                logger.error(
                    "receiver %r of a games signal failed: %r",
                    receiver,
                    result,
                    exc_info=(type(result), result, result.__traceback__),
                )

    transaction.on_commit(send)
