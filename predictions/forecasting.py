"""Which forecaster this process serves (the types it takes and gives live in
``predictions.forecast_types``, so the forecasters never import this module).

The prediction service only talks to ``Forecaster``; the drift baseline is the
honest statistical model the pipeline ships with, fitted at load time on the
historical minute table (training seasons only).
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings

from predictions.forecast_types import Forecast, Forecaster, GameContext

__all__ = ["Forecast", "Forecaster", "GameContext", "load_forecaster"]

logger = logging.getLogger(__name__)


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
