"""What ``alerts`` announces, after the commit that stored the alert; ``realtime`` turns
it into the ``alert`` message (and webhooks deliver it)."""

from __future__ import annotations

from django.dispatch import Signal

# After commit. ``alert``: the Alert row just raised (stored for the first time).
alert_raised = Signal()
# After commit. ``alerts``: Alert rows whose ``active`` flag changed (the condition
# started or stopped holding).
alerts_changed = Signal()
