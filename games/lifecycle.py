"""A game's life on tonight's board: when a game that left the board unfinished is stale.

The board (``Game.objects.on_board``) holds the night's games and games still live from
the night before. A game that is neither on the board nor final -- a game of another
night left unfinished (a replay stopped mid-night, then another night started), or a
game live across the rollover that the scoreboard dropped -- is followed while the feed
still shows it; once the feed has not given it a new state for
``GAME_STALE_AFTER_SECONDS`` it is marked ``GameStatus.STALE``: never counted live or
scheduled, never scored, shown as such. A poll that sees it again takes it back
(``Game.observe`` accepts any feed status over ``STALE``).

Starting a replay of another night marks the previous replay's unfinished games stale
at once (``abandon_other_replays``): that night will not be polled any more.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from games import signals
from games.feed.types import GameStatus
from games.models import Game, ReplayCursor

logger = logging.getLogger(__name__)

UNFINISHED = (GameStatus.SCHEDULED, GameStatus.LIVE)


def mark_stale(games: QuerySet[Game], reason: str) -> list[str]:
    """Mark ``games`` (those still scheduled or live) stale, each with a new version,
    announced after commit like any other change of a game. Returns their ids."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(games.filter(status__in=UNFINISHED).select_for_update().order_by("pk"))
        for game in rows:
            game.status, game.seq, game.updated_at = GameStatus.STALE, game.seq + 1, now
        Game.objects.bulk_update(rows, ["status", "seq", "updated_at"])
        if rows:
            signals.announce_on_commit(
                signals.games_changed, changes=[signals.GameChange(game) for game in rows]
            )
    ids = [game.pk for game in rows]
    if ids:
        logger.warning("marked %d games stale (%s): %s", len(ids), reason, ", ".join(ids))
    return ids


def mark_vanished_games_stale(day: dt.date, seen: Collection[str]) -> list[str]:
    """After a poll of the scoreboard of ``day`` that showed the games ``seen``: mark
    stale every unfinished game off the board of ``day`` (another date) that this poll
    did not show and that had no new state for ``GAME_STALE_AFTER_SECONDS``."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.GAME_STALE_AFTER_SECONDS)
    games = (
        Game.objects.filter(status__in=UNFINISHED, updated_at__lt=cutoff)
        .exclude(game_date=day)
        .exclude(pk__in=list(seen))
    )
    return mark_stale(
        games, f"not on the {day} scoreboard for {settings.GAME_STALE_AFTER_SECONDS:.0f} s"
    )


def abandon_other_replays(night: dt.date) -> list[str]:
    """A replay of ``night`` has just started: the unfinished games of every other night
    a replay began (a ``ReplayCursor``) are marked stale at once. Their cursors stay, so
    replaying that night again resumes it (and its games come back)."""
    others = list(ReplayCursor.objects.exclude(night=night).values_list("night", flat=True))
    if not others:
        return []
    return mark_stale(Game.objects.filter(game_date__in=others), f"the replay moved on to {night}")
