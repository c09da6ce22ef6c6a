"""What the WebSocket transport (daphne) must do for the protocol's edges.

Daphne (4.2) drops three things the protocol promises, so this module adjusts it when
``livescores/asgi.py`` is imported (before daphne builds its server):

* **Close reasons.** Daphne sends a close frame with the application's code but drops
  its ``reason``; ``handle_reply`` passes it on (every application close has one).
* **One frame limit.** Daphne's transport refuses frames over 1 MiB by dropping the TCP
  connection (the client sees 1006, no error), while the application refuses frames
  over 64 KiB with an error: two limits. The transport's limit becomes the
  application's (``messages.MAX_FRAME_BYTES``), and a frame over it gets the same
  answer at either layer: an ``error`` ``frame_too_large``, then close 4413. The limit
  is on what a client sends: autobahn would apply it to the server's frames too (and
  fail a socket with 1011 on a ``subscribed`` over 64 KiB), so sending bypasses it.
* **1001 on SIGTERM.** When daphne stops (SIGTERM: a deploy, a restart), Twisted runs
  its "before shutdown" triggers and then drops every connection: the clients saw
  1006, like a crash. A trigger closes every open socket of the process with 1001
  ("going away", reason ``going_away: …``) and waits ``SHUTDOWN_GRACE_SECONDS`` for
  the close handshakes before the process goes on to exit.

Under another server (uvicorn) nothing here applies: uvicorn carries reasons itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from typing import Any, Protocol

from realtime import messages

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 1.0


class Closable(Protocol):
    async def close_for_shutdown(self) -> None: ...


_open: weakref.WeakSet[Any] = weakref.WeakSet()


def track(socket: Closable) -> None:
    """An admitted socket, closed with 1001 if the process stops."""
    _open.add(socket)


def untrack(socket: Closable) -> None:
    _open.discard(socket)


async def close_all(grace: float = SHUTDOWN_GRACE_SECONDS) -> int:
    """Close every open socket of this process with 1001; wait for the handshakes."""
    sockets = list(_open)
    if sockets:
        logger.warning("shutting down: closing %d sockets with 1001", len(sockets))
        results = await asyncio.gather(
            *(s.close_for_shutdown() for s in sockets), return_exceptions=True
        )
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            logger.info("%d sockets were gone already: %s", len(failed), failed[0])
        await asyncio.sleep(grace)
    return len(sockets)


def _before_shutdown() -> Any:
    from twisted.internet import defer

    return defer.Deferred.fromFuture(asyncio.ensure_future(close_all()))


def frame_too_large(size: int, limit: int) -> tuple[bytes, str]:
    """The error frame and the close reason for a frame of ``size`` bytes."""
    detail = f"a frame of {size} bytes is over the limit of {limit} bytes"
    error = json.dumps(messages.error_message("frame_too_large", detail)).encode()
    return error, messages.close_reason("frame_too_large", detail)


def adjust_daphne() -> None:
    """Patch daphne's WebSocket protocol and factory, and add the shutdown trigger
    (once per process; a no-op without daphne)."""
    try:
        from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
        from twisted.internet import reactor
    except ImportError:  # pragma: no cover - daphne is a dependency
        return
    if getattr(WebSocketProtocol, "_livescores_adjusted", False):
        return
    WebSocketProtocol._livescores_adjusted = True  # type: ignore[attr-defined]
    handle_reply = WebSocketProtocol.handle_reply
    set_options = WebSocketFactory.setProtocolOptions

    def reply_with_reason(self: Any, message: dict[str, Any]) -> None:
        closing = message.get("type") == "websocket.close" and message.get("reason")
        if closing and self.state != self.STATE_CONNECTING:
            # sendCloseFrame, not sendClose: autobahn's sendClose refuses 1001 (a code a
            # server may send, RFC 6455 7.4.1; only a browser's close() may not).
            reason = str(message["reason"]).encode()[: messages.MAX_CLOSE_REASON_BYTES]
            code = message.get("code") or 1000
            self.sendCloseFrame(code=code, reasonUtf8=reason, isReply=False)
            return
        handle_reply(self, message)

    def one_frame_limit(self: Any, **options: Any) -> None:
        limit = messages.MAX_FRAME_BYTES
        options.update(maxMessagePayloadSize=limit, maxFramePayloadSize=limit, failByDrop=False)
        set_options(self, **options)

    def too_large(self: Any, size: int, limit: int, reason: str) -> None:
        error, close = frame_too_large(size, limit)
        self.sendMessage(error, isBinary=False)
        self._fail_connection(messages.CLOSE_FRAME_TOO_LARGE, close)

    send_message = WebSocketProtocol.sendMessage

    def send_any_size(self: Any, payload: bytes, *args: Any, **kwargs: Any) -> None:
        # autobahn applies maxMessagePayloadSize to what it sends too: the limit is on what
        # clients send; the server's own frames (a subscribed with a whole game) may be
        # larger. The limit stays in force for every frame received.
        limit, self.maxMessagePayloadSize = self.maxMessagePayloadSize, 0
        try:
            send_message(self, payload, *args, **kwargs)
        finally:
            self.maxMessagePayloadSize = limit

    WebSocketProtocol.sendMessage = send_any_size  # type: ignore[method-assign]
    WebSocketProtocol.handle_reply = reply_with_reason  # type: ignore[method-assign]
    WebSocketProtocol._max_message_size_exceeded = too_large  # type: ignore[attr-defined]
    WebSocketFactory.setProtocolOptions = one_frame_limit  # type: ignore[method-assign]
    twisted: Any = reactor  # the installed reactor (asyncioreactor), not the interface
    twisted.addSystemEventTrigger("before", "shutdown", _before_shutdown)
