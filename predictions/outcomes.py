"""Fill in what actually happened, so live accuracy can be tracked."""

from __future__ import annotations

from typing import Any

from predictions.models import Prediction


def record_outcomes(
    outcomes: dict[str, tuple[int | None, int | None]],
) -> dict[str, dict[str, Any]]:
    """Store actual halftime/final differentials on the games' predictions.

    ``outcomes`` maps game id to (halftime, final), either possibly None (not yet
    known). Returns the updated predictions' payloads by game id; the caller sends
    them inside the game's own update (one message per game version).
    """
    payloads: dict[str, dict[str, Any]] = {}
    for prediction in Prediction.objects.filter(game_id__in=list(outcomes)):
        halftime, final = outcomes[prediction.game_id]
        fields = []
        if halftime is not None:
            prediction.actual_halftime = halftime
            fields.append("actual_halftime")
        if final is not None:
            prediction.actual_final = final
            fields.append("actual_final")
        if fields:
            prediction.save(update_fields=fields)
            payloads[prediction.game_id] = prediction.as_payload()
    return payloads
