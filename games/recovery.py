"""Gap recovery: reconcile imputed minutes from NBA's live play-by-play before a forecast.

A minute no poll observed is filled from the last state before it and flagged
``imputed`` (see ``games.minutes``). Before the minute-18 forecast, the game's live
play-by-play (every scoring event) is fetched once and the closed minutes are
recomputed with the training definition (``minute_scores`` over
``states_from_live_playbyplay``, exactly as the historical dataset is built). Rows
that were imputed, or whose value differs from the play-by-play, are rewritten and
flagged ``reconciled=True, imputed=False``.

Only the live feed has a play-by-play endpoint. With the replay feed (and when the
endpoint fails) recovery is skipped with a logged reason and the forecast uses the
imputed values, which the prediction records in ``input_imputed_minutes``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from nba_api.live.nba.endpoints.playbyplay import PlayByPlay

from games.clock import period_end
from games.feed.live import FeedError, live_headers, request_json
from games.minutes import last_closed_minute, minute_scores, states_from_live_playbyplay
from games.models import MinuteDifferential

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
    """(home, away) of every minute the play-by-play has closed, by training semantics."""
    states = states_from_live_playbyplay(actions)
    if not states:
        return {}
    last = states[-1].elapsed
    period_ends = {
        float(period_end(int(a["period"])))
        for a in actions
        if a.get("actionType") == "period" and a.get("subType") == "end"
    }
    upto = last_closed_minute(last, sealed=last in period_ends)
    if upto < 1:
        return {}
    return dict(enumerate(minute_scores(states, 60 * upto), start=1))


def reconcile_minutes(game_id: str) -> int:
    """Rewrite the game's imputed (and disagreeing) closed minutes from the play-by-play.

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
    if settings.FEED != "live":
        logger.info(
            "%s: gap recovery skipped for %d imputed minutes: the %s feed has no play-by-play",
            game_id,
            len(imputed),
            settings.FEED,
        )
        return 0
    try:
        actions = fetch_live_playbyplay(game_id, settings.FEED_TIMEOUT_SECONDS)
        values = minutes_from_playbyplay(actions)
    except (FeedError, KeyError, ValueError, TypeError) as exc:
        logger.warning(
            "%s: gap recovery failed (%s); minutes %s stay imputed", game_id, exc, imputed
        )
        return 0
    reconciled: list[MinuteDifferential] = []
    with transaction.atomic():
        rows = MinuteDifferential.objects.select_for_update().filter(
            game_id=game_id, minute__in=list(values)
        )
        for row in rows.order_by("minute"):
            home, away = values[row.minute]
            if not row.imputed and (row.home_score, row.away_score) == (home, away):
                continue
            row.home_score, row.away_score, row.differential = home, away, home - away
            row.imputed, row.reconciled = False, True
            reconciled.append(row)
        MinuteDifferential.objects.bulk_update(
            reconciled, ["home_score", "away_score", "differential", "imputed", "reconciled"]
        )
    still = sorted(set(imputed) - {row.minute for row in reconciled})
    logger.info(
        "%s: gap recovery reconciled %d minutes from the play-by-play%s",
        game_id,
        len(reconciled),
        f" ({len(still)} not yet in it: {still})" if still else "",
    )
    return len(reconciled)
