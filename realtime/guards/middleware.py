"""ASGI middleware around the WebSocket application (see livescores/asgi.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from redis.exceptions import RedisError

from realtime.messages import CLOSE_LAYER_UNAVAILABLE, close_reason
from realtime.metrics import WS_CONNECTIONS

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class WebSocketGuard:
    """Counts open sockets (WS_CONNECTIONS) and ends a socket whose channel is lost.

    A consumer's channel read survives Redis blips (realtime.channel_layers), but a
    group join or a snapshot can still fail while Redis is down: this closes such a
    socket with 4503 so the client reconnects with backoff, rather than letting the
    server log a traceback and close with 1011. A failure after the close was sent
    (leaving groups on the way out) is only logged: a second close is not allowed.
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
            if not accepted:
                raise
            if closed:
                logger.info("the channel layer failed after a close: %s", exc)
                return
            logger.warning("closing a WebSocket: the channel layer failed (%s)", exc)
            reason = close_reason("unavailable", "the server lost its message bus; reconnect")
            await send(
                {"type": "websocket.close", "code": CLOSE_LAYER_UNAVAILABLE, "reason": reason}
            )
        finally:
            if accepted:
                WS_CONNECTIONS.dec()
