"""The NBA season boundary, in one place: a season runs October to June, and August 1st
starts the next one. A season is named by the year it ends (2024-25 is 2025)."""

from __future__ import annotations

import datetime as dt

SEASON_START_MONTH = 8


def season_of(day: dt.date) -> int:
    """The season (END year) ``day`` belongs to: 2025-02-10 -> 2025 (2024-25)."""
    return day.year + 1 if day.month >= SEASON_START_MONTH else day.year


def season_start(day: dt.date) -> dt.date:
    """The first day of ``day``'s season (August 1st)."""
    return dt.date(season_of(day) - 1, SEASON_START_MONTH, 1)
