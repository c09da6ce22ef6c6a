"""What ``predictions`` announces, after the commit that made the change; ``realtime``
turns each into a client message (its receivers connect in ``RealtimeConfig.ready``)."""

from __future__ import annotations

from django.dispatch import Signal

# After commit. ``prediction``: a game's minute-18 prediction was made, or an outcome
# (actual halftime, final margin) recorded on it; ``seq``: the game version it is.
prediction_changed = Signal()
# After commit. ``forecast``: the MinuteForecast row stored after a closed minute;
# ``seq``: the game version it is.
minute_forecast_made = Signal()
