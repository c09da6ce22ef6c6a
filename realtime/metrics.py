"""The web processes' socket metrics, on the project's Prometheus registry (/metrics).

Open WebSocket connections are a per-process gauge: scrape every web process (not
through the load balancer) and sum.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from games.metrics import REGISTRY

WS_CONNECTIONS = Gauge(
    "livescores_websocket_connections",
    "Open WebSocket connections in this daphne process.",
    registry=REGISTRY,
)
SNAPSHOT_BUILDS = Counter(
    "livescores_snapshot_builds",
    "Snapshots read from the database by this web process (one serves many sockets).",
    registry=REGISTRY,
)
SNAPSHOTS_SENT = Counter(
    "livescores_snapshots_sent",
    "Snapshots sent to sockets by this web process, by why: connect, resync (the client "
    "asked), layer_restart (pushed to every socket after a Redis restart).",
    labelnames=["reason"],
    registry=REGISTRY,
)
