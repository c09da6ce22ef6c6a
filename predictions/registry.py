"""The served models: where their artifacts live, which version this checkout serves, and
how each is loaded (once per process).

``predictions/artifacts/<version>/`` holds one trained model: its files and its JSON card
(the model class's ``CARD_FILE``). A pointer file beside the versions names the served
version of each model (``POINTERS``): ``LATEST`` the halftime ensemble, ``MINUTE_LATEST``
the per-minute model, ``STATE_LATEST`` the state model.

One policy for every served model: load the version its pointer names. If the pointer is
missing or empty, or the version cannot be loaded, the model's fallback serves instead,
with the reason logged; a model without a fallback raises ``ArtifactMissing`` (or the
error of its loader). Only the halftime ensemble has a fallback: the drift baseline,
fitted on the historical minute table at load time. A halftime model must read the
pattern the server forecasts from (``PREDICTION_MINUTE`` minutes), or it is not served.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar

from django.conf import settings

from forecasting.baseline import DriftBaseline
from forecasting.ensemble import EnsembleForecaster
from forecasting.forecast_types import Forecast, Forecaster, GameContext
from forecasting.minute_model import MinuteModel
from forecasting.state_model import StateModel
from games.minutes import PREDICTION_MINUTE

__all__ = ["Forecast", "Forecaster", "GameContext", "load_forecaster"]

logger = logging.getLogger(__name__)

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
ServedModel = Literal["ensemble", "minute", "state"]
POINTERS: dict[ServedModel, str] = {
    "ensemble": "LATEST",
    "minute": "MINUTE_LATEST",
    "state": "STATE_LATEST",
}
T = TypeVar("T")


class ArtifactMissing(FileNotFoundError):
    """No served version of a model: its pointer file is missing, empty, or names nothing."""


def served_version(model: ServedModel, root: Path = ARTIFACTS_DIR) -> str | None:
    """The version the model's pointer names (None when there is no pointer)."""
    pointer = root / POINTERS[model]
    if not pointer.is_file():
        return None
    return pointer.read_text().strip() or None


def served_directory(model: ServedModel, root: Path = ARTIFACTS_DIR) -> Path:
    """The directory of the model's served version (raises ArtifactMissing)."""
    version = served_version(model, root)
    if version is None:
        raise ArtifactMissing(f"no {root / POINTERS[model]}: no {model} model is served")
    directory = root / version
    if not directory.is_dir():
        raise ArtifactMissing(f"{root / POINTERS[model]} names {version}, not in {root}")
    return directory


def set_served(model: ServedModel, version: str, root: Path = ARTIFACTS_DIR) -> None:
    """Point the model's pointer file at ``version`` (training does, after writing it)."""
    (root / POINTERS[model]).write_text(version + "\n")


def load_served(model: ServedModel, load: Callable[[Path], T], root: Path = ARTIFACTS_DIR) -> T:
    directory = served_directory(model, root)
    loaded = load(directory)
    logger.info("serving the %s model from %s", model, directory)
    return loaded


@functools.cache
def load_forecaster() -> Forecaster:
    """The halftime forecaster: the served ensemble, else the drift baseline."""
    try:
        forecaster: Forecaster = load_served("ensemble", EnsembleForecaster.load)
        if forecaster.pattern_length != PREDICTION_MINUTE:
            raise ValueError(
                f"{forecaster.version} reads {forecaster.pattern_length} minutes, "
                f"the server forecasts at minute {PREDICTION_MINUTE}"
            )
    except ArtifactMissing as exc:
        logger.warning("%s; serving the drift baseline", exc)
    except (OSError, KeyError, ValueError):
        logger.exception("could not load the served ensemble; serving the drift baseline")
    else:
        return forecaster
    baseline = DriftBaseline.from_history(settings.HISTORY_FILE)
    logger.info("serving forecaster %s %s", baseline.name, baseline.version)
    return baseline


@functools.cache
def load_minute_model() -> MinuteModel:
    """The per-minute model (``MINUTE_LATEST``); no fallback."""
    return load_served("minute", MinuteModel.load)


@functools.cache
def load_state_model() -> StateModel:
    """The state model (``STATE_LATEST``); no fallback."""
    return load_served("state", StateModel.load)
