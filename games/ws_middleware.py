"""ASGI middleware around the WebSocket application (see livescores/asgi.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from redis.exceptions import RedisError

from games.metrics import WS_CONNECTIONS

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CLOSE_SERVICE_RESTART = 1012  # RFC 6455: the server is restarting, reconnect


class WebSocketGuard:
    """Counts open sockets (WS_CONNECTIONS) and ends a socket whose channel is lost.

    When Redis restarts, every channel-layer group membership is gone: a consumer
    left open would never get another push. Its channel read fails instead, and
    this closes the socket with 1012 so the client reconnects and gets a fresh
    snapshot, rather than letting daphne log a traceback and close with 1011.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        accepted = closed = False

        async def guarded_send(message: dict[str, Any]) -> None:
            nonlocal accepted, closed
            kind = message.get("type")
            if kind == "websocket.accept" and not accepted:
                accepted = True
                WS_CONNECTIONS.inc()
            closed = closed or kind == "websocket.close"
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except RedisError as exc:
            if not accepted or closed:
                raise
            logger.warning("closing a WebSocket: the channel layer failed (%s)", exc)
            await send({"type": "websocket.close", "code": CLOSE_SERVICE_RESTART})
        finally:
            if accepted:
                WS_CONNECTIONS.dec()
