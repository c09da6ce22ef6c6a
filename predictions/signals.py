"""What ``predictions`` announces, after the commit that made the change; ``realtime``
turns each into a client message (its receivers connect in ``RealtimeConfig.ready``)."""

from __future__ import annotations

from django.dispatch import Signal

# After commit. ``prediction``: a game's minute-18 prediction was made, or an outcome
# (actual halftime, final margin) recorded on it; ``seq``: the game version it is.
prediction_changed = Signal()
# After commit. ``forecast``: the LiveForecast row stored for a game's new state;
# ``seq``: the game version it is.
live_forecast_made = Signal()
