"""What the live pipeline announces; the apps above subscribe in their ``AppConfig.ready``.

``games`` never imports the apps above it: it sends these signals and whoever cares
connects a receiver (``realtime`` turns changes into client messages, ``predictions``
queues forecasts). They are sent after the poll's transaction commits
(``announce_on_commit``), so a receiver only ever sees rows that are there for good,
and a receiver that fails is logged, never undoes or repeats the poll. A poll announces
in this order: the games' new versions, their new states (for the live forecast), then
what they closed, the forecasts due and the outcomes observed (so clients get a version
before the forecasts it queues).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from games.models import Game, MinuteDifferential

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GameChange:
    """One game's new version, as a poll committed it."""

    game: Game  # as it is at its new ``seq``
    became_final: bool = False
    minutes: list[MinuteDifferential] = field(default_factory=list)  # closed by this version


# After commit. ``changes``: [GameChange, ...], every game a poll gave a new version.
games_changed = Signal()
# After commit, after ``games_changed`` (so every client has a version before the live
# forecast it queues). ``games``: [Game, ...], the same games at their new versions.
game_states_changed = Signal()
# After commit. ``board``: the Board row, whose version grew (its set of games changed).
board_changed = Signal()
# After commit. ``closed``: {game_id: [minute, ...]} for every game whose minutes a poll
# closed (one signal per poll, so a receiver can queue one task for the whole slate).
minutes_closed = Signal()
# After commit. ``game_id``: minute 18 closed while halftime was still ahead, and this
# poll claimed the game's halftime forecast (exactly one poll ever does).
halftime_forecast_due = Signal()
# After commit. ``change``: a PlaysChange, one game's new and edited plays and changed
# box-score lines of one follow-up fetch (``games.play_services.follow_games``). Plays
# belong to the game's current version: they never take a new ``seq``.
plays_changed = Signal()
# After commit. ``outcomes``: {game_id: (halftime differential | None, final margin |
# None)} a poll just observed (the halftime minute closed, the game went final).
outcomes_known = Signal()


@dataclass(frozen=True)
class PlaysChange:
    """One game's play-by-play and box-score changes of one fetch."""

    game_id: str
    seq: int  # the game's version the plays belong to
    previous: int = 0  # orderNumber of the game's newest play before this fetch (0: none)
    plays: list[Any] = field(default_factory=list)  # new and edited Play rows, orderNumber order
    removed: list[int] = field(default_factory=list)  # action numbers marked removed
    teams: list[Any] = field(default_factory=list)  # changed TeamBoxLine rows
    players: list[Any] = field(default_factory=list)  # changed PlayerBoxLine rows
    # Closed minutes the plays rewrote (``games.recovery.correct_minutes_from_plays``),
    # and the game's pattern progress they go out with.
    minutes: list[MinuteDifferential] = field(default_factory=list)
    pattern_progress: int = 0


_silenced: contextvars.ContextVar[bool] = contextvars.ContextVar("silenced", default=False)


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """Announce nothing inside the block (``load_nights``: history nobody follows live
    must never reach tonight's sockets, nor queue tasks)."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def announce_on_commit(signal: Signal, **kwargs: Any) -> None:
    """Send ``signal`` once the current transaction commits; receivers' errors are logged.
    Inside ``silenced()`` nothing is sent."""
    if _silenced.get():
        return

    def send() -> None:
        for receiver, result in signal.send_robust(sender=None, **kwargs):
            if isinstance(result, Exception):
                logger.error(
                    "receiver %r of %s failed: %r",
                    receiver,
                    signal,
                    result,
                    exc_info=(type(result), result, result.__traceback__),
                )

    transaction.on_commit(send)
