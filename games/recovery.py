"""Minutes from the play-by-play: corrections of the scoreboard's minutes, and gap recovery.

The scoreboard is sampled once a poll; the play-by-play has every basket. Once a game's
plays are stored (``games.play_services.follow_games``), the closed minutes they are
checked on (``correct_minutes``: the new and the last ones) and disagree with are
rewritten from them (``correct_minutes_from_plays``): plays are
authoritative, and the rewritten row is flagged ``reconciled=True, imputed=False``.
A minute-18 forecast already made is not redone: it keeps the pattern it used
(``Prediction.input_pattern``), and the game page shows what the plays corrected since.

Gap recovery, before the minute-18 forecast (``reconcile_minutes``): a minute no poll
observed is filled from the last state before it and flagged ``imputed`` (see
``games.minutes``). Before the forecast its closed minutes are recomputed with the
training definition (``minute_scores`` over the play-by-play's score states, exactly
as the historical dataset is built): from the stored plays where the game has some,
else from one fetch of the live play-by-play endpoint. Without either (the endpoint
fails, or a feed without one) recovery is skipped with a logged reason and the
forecast uses the imputed values, which the prediction records in
``input_imputed_minutes``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from nba_api.live.nba.endpoints.playbyplay import PlayByPlay

from games.feed.live import FeedError, live_headers, request_json
from games.minutes import closed_minute_scores, running_max_states, states_from_live_playbyplay
from games.models import Game, MinuteDifferential
from games.plays import Play

logger = logging.getLogger(__name__)


def fetch_live_playbyplay(game_id: str, timeout: float) -> list[Mapping[str, Any]]:
    """The game's live play-by-play actions (same headers and timeout as the live feed)."""
    endpoint = PlayByPlay(game_id, headers=live_headers(), timeout=timeout, get_request=False)
    game = request_json(endpoint, "play-by-play", timeout).get("game")
    actions = game.get("actions") if isinstance(game, Mapping) else None
    if not isinstance(actions, list):
        raise FeedError("play-by-play has no 'game.actions' list")
    return actions


def minutes_from_playbyplay(actions: Sequence[Mapping[str, Any]]) -> dict[int, tuple[int, int]]:
    """(home, away) of every minute the play-by-play has closed, by training semantics (as
    ``minutes_from_stored_plays``: a period end does not close its minute, the game end does)."""
    states = states_from_live_playbyplay(actions)
    over = any(a.get("actionType") == "game" and a.get("subType") == "end" for a in actions)
    return closed_minute_scores(states, sealed=over)


def minutes_from_stored_plays(
    game_id: str, since_elapsed: float = 0.0
) -> dict[int, tuple[int, int]]:
    """(home, away) of every minute the game's stored plays have closed, by training
    semantics: the present plays with a clock, by game time then actionNumber, running
    maximum of the scores (as ``states_from_live_playbyplay`` reads the feed). A minute
    closes once a play after its end is in, or the game is over: a period's end does not
    close the minute it ends, because the next period's first plays share its instant (a
    technical free throw at 12:00 of the fourth is minute 36's, as in the training data).

    Only the minutes from the one holding ``since_elapsed`` on (a fetch's new plays
    change none before it): from the plays after the minute before it, starting from the
    running maximum up to there (one aggregate), so the work stays that of the new
    plays, not of the whole game."""
    first = max(1, math.ceil(since_elapsed / 60))
    start = 60.0 * (first - 1)
    present = Play.objects.filter(game_id=game_id, removed=False).exclude(clock_seconds=None)
    before = present.filter(elapsed_seconds__lte=start).aggregate(
        home=Max("score_home"), away=Max("score_away")
    )
    base = (before["home"] or 0, before["away"] or 0)
    rows = sorted(
        present.filter(elapsed_seconds__gt=start).values_list(
            "elapsed_seconds",
            "action_number",
            "score_home",
            "score_away",
            "action_type",
            "sub_type",
        ),
        key=lambda row: (row[0], row[1]),
    )
    if not rows:
        return {}
    states = running_max_states(
        ((elapsed, home, away) for elapsed, _, home, away, _, _ in rows), base
    )
    over = any(kind == "game" and sub == "end" for _, _, _, _, kind, sub in rows)
    return closed_minute_scores(states, over, first, base)


def rewrite_minutes(
    game_id: str, values: Mapping[int, tuple[int, int]]
) -> list[MinuteDifferential]:
    """Rewrite the game's stored minutes that are imputed or differ from ``values``
    (minute -> (home, away)); returns the rewritten rows. Minutes not stored yet are
    left to the poll that closes them. The game row is locked first, as polls lock it."""
    if not values:
        return []

    def differs(minute: int, home: int, away: int, imputed: bool) -> bool:
        return imputed or (home, away) != values[minute]

    stored = MinuteDifferential.objects.filter(game_id=game_id, minute__in=list(values))
    if not any(  # the usual case: the plays agree, and no lock is taken
        differs(*row) for row in stored.values_list("minute", "home_score", "away_score", "imputed")
    ):
        return []
    rewritten: list[MinuteDifferential] = []
    with transaction.atomic():
        Game.objects.select_for_update().filter(pk=game_id).values_list("pk").first()
        rows = MinuteDifferential.objects.select_for_update().filter(
            game_id=game_id, minute__in=list(values)
        )
        for row in rows.order_by("minute"):
            if not differs(row.minute, row.home_score, row.away_score, row.imputed):
                continue
            home, away = values[row.minute]
            row.home_score, row.away_score, row.differential = home, away, home - away
            row.imputed, row.reconciled = False, True
            rewritten.append(row)
        MinuteDifferential.objects.bulk_update(
            rewritten, ["home_score", "away_score", "differential", "imputed", "reconciled"]
        )
    return rewritten


def correct_minutes_from_plays(
    game_id: str, since_elapsed: float = 0.0
) -> list[MinuteDifferential]:
    """Rewrite every closed minute the game's stored plays say otherwise, from the one
    holding ``since_elapsed`` on (0: the whole game); returns the rewritten rows."""
    rewritten = rewrite_minutes(game_id, minutes_from_stored_plays(game_id, since_elapsed))
    if rewritten:
        logger.info(
            "game %s: minutes %s rewritten from the plays",
            game_id,
            ", ".join(f"{row.minute} ({row.differential:+d})" for row in rewritten),
        )
    return rewritten


def reconcile_minutes(game_id: str) -> int:
    """Rewrite the game's imputed (and disagreeing) closed minutes from the play-by-play:
    the stored plays where the game has some, else one fetch of the live endpoint.

    Returns how many rows were reconciled; 0 when nothing was imputed or recovery
    is unavailable (logged with the reason).
    """
    imputed = list(
        MinuteDifferential.objects.filter(game_id=game_id, imputed=True).values_list(
            "minute", flat=True
        )
    )
    if not imputed:
        return 0
    values = minutes_from_stored_plays(game_id)
    if set(imputed) - set(values) and settings.FEED == "live":  # the plays stop short
        try:
            values = minutes_from_playbyplay(
                fetch_live_playbyplay(game_id, settings.FEED_TIMEOUT_SECONDS)
            )
        except (FeedError, KeyError, ValueError, TypeError) as exc:
            left = "the stored plays reconcile what they reach" if values else "they stay imputed"
            logger.warning(
                "%s: gap recovery failed (%s) for minutes %s; %s", game_id, exc, imputed, left
            )
    elif not values:
        logger.info(
            "%s: gap recovery skipped for %d imputed minutes: no stored plays, and the %s"
            " feed has no play-by-play endpoint",
            game_id,
            len(imputed),
            settings.FEED,
        )
    if not values:
        return 0
    reconciled = rewrite_minutes(game_id, values)
    still = sorted(set(imputed) - {row.minute for row in reconciled})
    logger.info(
        "%s: gap recovery reconciled %d minutes from the play-by-play%s",
        game_id,
        len(reconciled),
        f" ({len(still)} not yet in it: {still})" if still else "",
    )
    return len(reconciled)
