"""Fill in what actually happened, so live accuracy can be tracked."""

from __future__ import annotations

import logging

from django.db import transaction

from games import events
from games.models import Game
from predictions.models import Prediction

logger = logging.getLogger(__name__)


def record_outcomes(outcomes: dict[str, tuple[int | None, int | None]]) -> int:
    """Store actual halftime/final differentials on the games' predictions.

    ``outcomes`` maps game id to (halftime, final), either possibly None (not yet
    known). Each prediction that changes is a new version of its game: its ``seq`` is
    bumped and a ``prediction`` message with the outcome goes to every socket after
    commit. Idempotent: an outcome already stored changes and sends nothing. Returns
    how many predictions changed.
    """
    changed = 0
    for game_id in sorted(outcomes):
        halftime, final = outcomes[game_id]
        with transaction.atomic():
            prediction = Prediction.objects.filter(game_id=game_id).first()
            if prediction is None:
                continue  # no forecast for the game (yet): make_prediction reads them itself
            fields = []
            if halftime is not None and prediction.actual_halftime != halftime:
                prediction.actual_halftime = halftime
                fields.append("actual_halftime")
            if final is not None and prediction.actual_final != final:
                prediction.actual_final = final
                fields.append("actual_final")
            if not fields:
                continue
            seq = Game.next_seq(game_id)  # the game row first, as polls lock it: no deadlock
            prediction.save(update_fields=fields)
            message = events.prediction_message(game_id, seq, prediction.as_payload())
            events.send_on_commit([(events.SCOREBOARD_GROUP, [message])])
            changed += 1
    return changed
