"""What a forecaster takes and gives, and which one this process serves.

The prediction service only talks to ``Forecaster``; the baseline below is the
honest statistical model the pipeline ships with, fitted at load time on the
historical minute table (training seasons only).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GameContext:
    home_wins: int = 0
    home_losses: int = 0
    away_wins: int = 0
    away_losses: int = 0


@dataclass(frozen=True)
class Forecast:
    model_name: str
    model_version: str
    halftime_point: float
    halftime_lo90: int
    halftime_hi90: int
    halftime_lo95: int | None = None
    halftime_hi95: int | None = None
    components: dict[str, float] = field(default_factory=dict)
    neighbours: list[dict[str, Any]] = field(default_factory=list)
    final_point: float | None = None
    final_lo90: int | None = None
    final_hi90: int | None = None
    home_win_probability: float | None = None


class Forecaster(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def forecast(self, pattern: Sequence[int], context: GameContext) -> Forecast: ...


@functools.cache
def load_forecaster() -> Forecaster:
    """The forecaster this process serves, loaded once per process.

    The shipped ensemble artifact (``predictions/artifacts/LATEST``) if there is
    one; otherwise the drift baseline fitted on the historical table.
    """
    from predictions.registry import served_artifact

    directory = served_artifact()
    if directory is not None:
        from predictions.ensemble import EnsembleForecaster

        try:
            forecaster: Forecaster = EnsembleForecaster.load(directory)
        except (OSError, KeyError, ValueError):
            logger.exception("could not load model artifact %s; falling back", directory)
        else:
            logger.info(
                "serving forecaster %s %s from %s", forecaster.name, forecaster.version, directory
            )
            return forecaster
    else:
        logger.warning("no model artifact shipped; serving the drift baseline")
    from predictions.baseline import DriftBaseline

    forecaster = DriftBaseline.from_history(settings.HISTORY_FILE)
    logger.info("serving forecaster %s %s", forecaster.name, forecaster.version)
    return forecaster
