"""Game-clock arithmetic shared by the live feed, the replay feed and the dataset.

NBA periods: four regulation periods of 720 s, overtime periods of 300 s.
"Elapsed" is game time since tip-off in seconds (float: the last minute of a
period has tenths).
"""

from __future__ import annotations

import re

REGULATION_PERIODS = 4
REGULATION_PERIOD_SECONDS = 720
OVERTIME_PERIOD_SECONDS = 300
REGULATION_SECONDS = REGULATION_PERIODS * REGULATION_PERIOD_SECONDS  # 2880

_ISO_CLOCK = re.compile(r"^PT(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")


class ClockFormatError(ValueError):
    """A clock string that is neither empty nor an ISO-8601 PTmmMss.ssS duration."""


def parse_clock(value: str) -> float | None:
    """Seconds left in the period, or None for the empty clock ("" between periods).

    >>> parse_clock("PT05M23.00S"), parse_clock("PT00M45.30S"), parse_clock("")
    (323.0, 45.3, None)
    """
    text = value.strip()
    if not text:
        return None
    match = _ISO_CLOCK.match(text)
    if match is None or (match.group(1) is None and match.group(2) is None):
        raise ClockFormatError(f"unrecognised clock {value!r}")
    minutes = int(match.group(1) or 0)
    seconds = float(match.group(2) or 0.0)
    return round(minutes * 60 + seconds, 2)


def period_length(period: int) -> int:
    if period < 1:
        raise ValueError(f"period must be >= 1, got {period}")
    return REGULATION_PERIOD_SECONDS if period <= REGULATION_PERIODS else OVERTIME_PERIOD_SECONDS


def period_start(period: int) -> int:
    """Elapsed game seconds at the start of ``period``."""
    if period <= REGULATION_PERIODS:
        return (period - 1) * REGULATION_PERIOD_SECONDS
    return REGULATION_SECONDS + (period - REGULATION_PERIODS - 1) * OVERTIME_PERIOD_SECONDS


def period_end(period: int) -> int:
    return period_start(period) + period_length(period)


def elapsed_seconds(period: int, seconds_left: float) -> float:
    """Elapsed game seconds for ``seconds_left`` on the clock of ``period``."""
    length = period_length(period)
    if not 0 <= seconds_left <= length:
        raise ValueError(f"{seconds_left} s left is outside period {period} ({length} s)")
    return round(period_start(period) + (length - seconds_left), 2)


def format_clock(seconds_left: float) -> str:
    """The live feed's ISO clock for ``seconds_left`` (inverse of parse_clock)."""
    minutes, seconds = divmod(round(seconds_left, 2), 60)
    return f"PT{int(minutes):02d}M{seconds:05.2f}S"
