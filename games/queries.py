"""Read-only selections of games that several workflows share."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from games.models import Game, GameStatus, PollOutcome, PollRun


def current_games() -> QuerySet[Game]:
    """Today's games: the latest polled scoreboard date, plus games still live from the
    day before (a game live across the rollover; an older "live" one vanished unfinished)."""
    last = PollRun.objects.filter(outcome=PollOutcome.OK, board_date__isnull=False).first()
    day = last.board_date if last and last.board_date else timezone.localdate()
    carried = Q(status=GameStatus.LIVE, game_date__gte=day - dt.timedelta(days=1))
    return Game.objects.filter(Q(game_date=day) | carried).select_related("prediction")
