"""API keys on the socket: offered in the handshake, checked, and watched.

A client offers its key as a ``Sec-WebSocket-Protocol`` entry, ``livescores.key.<key>``,
beside ``livescores.v3`` (the protocol the server selects, so the key is never echoed):
a header, so the key is not in a URL and never in an access log. Browsers let a page
set exactly this header (``new WebSocket(url, protocols)``).

* ``OriginOrKey``: the handshake's Origin check. Without a key, the Origin must name
  one of ``ALLOWED_HOSTS`` (as before: cross-site WebSocket hijacking of a staff
  cookie). With a key, the consumer checks the key's own ``allowed_origins`` instead,
  so a front-end on another origin can connect.
* ``KeyWatch``: an open key socket re-checks its key every
  ``WEBSOCKET_SESSION_CHECK_SECONDS`` (an expiry, a revocation made with
  ``QuerySet.update``), and at once when the key is saved (revoked in the admin or by
  ``manage.py api_key revoke``); a key no longer usable ends the socket with 4401.

The key model and its verification live in ``apikeys`` (below ``realtime`` in the
import rule, docs/architecture.md), so the socket and the HTTP API share them.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.security.websocket import AllowedHostsOriginValidator
from django.db import transaction
from django.db.models.signals import post_save
from redis.exceptions import RedisError

from apikeys.models import ApiKey
from realtime.guards.middleware import ASGIApp, Receive, Scope, Send
from realtime.guards.sessions import SESSION_RECHECK, SessionWatch
from realtime.messages import API_VERSION

logger = logging.getLogger(__name__)

API_PROTOCOL = f"livescores.v{API_VERSION}"  # the subprotocol the server selects
KEY_PROTOCOL = "livescores.key."  # + the key: offered, never selected


def offered_key(scope: Scope) -> str | None:
    """The key the client offered as a subprotocol, if any."""
    for protocol in scope.get("subprotocols") or ():
        if protocol.startswith(KEY_PROTOCOL):
            return str(protocol[len(KEY_PROTOCOL) :])
    return None


def selected_protocol(scope: Scope) -> str | None:
    """``livescores.v3`` if offered (a browser that offered subprotocols needs one back)."""
    return API_PROTOCOL if API_PROTOCOL in (scope.get("subprotocols") or ()) else None


def origin_of(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == b"origin":
            return bytes(value).decode("latin-1")
    return None


class OriginOrKey:
    """The Origin rule of the handshake (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.by_host = AllowedHostsOriginValidator(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if offered_key(scope) is not None:
            await self.app(scope, receive, send)  # the key's own Origins: the consumer
        else:
            await self.by_host(scope, receive, send)


@database_sync_to_async
def verify_key(token: str) -> ApiKey | None:
    return ApiKey.objects.verify(token)


def key_group(key_id: Any) -> str:
    return f"apikey.{key_id}"


class KeyWatch(SessionWatch):
    """One key socket's key: its group (a saved key reaches it) and a re-check every
    ``WEBSOCKET_SESSION_CHECK_SECONDS``; ``end`` once the key is no longer usable."""

    def __init__(self, key_id: Any, end: Any) -> None:
        super().__init__(key_id, None, allowed=lambda key: True, end=end)

    @property
    def group(self) -> str:
        return key_group(self.user_id)

    @database_sync_to_async
    def _holds(self) -> bool:
        key = ApiKey.objects.filter(pk=self.user_id).first()
        return key is not None and key.is_usable()


def ending_reason(key_id: Any) -> str:
    """What to tell a socket whose key ended: revoked, expired, or gone."""
    key = ApiKey.objects.filter(pk=key_id).first()
    if key is None:
        return "the API key was deleted"
    return f"the API key was {key.state()}" if key.state() != "active" else "the API key ended"


def on_key_saved(sender: Any, instance: ApiKey, **kwargs: Any) -> None:
    if kwargs.get("created"):
        return
    transaction.on_commit(lambda: _tell(instance.pk))


def _tell(key_id: Any) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(key_group(key_id), {"type": SESSION_RECHECK})
    except RedisError as exc:  # the periodic check still closes the sockets
        logger.warning("could not tell the sockets of API key %s: %s", key_id, exc)


def connect_signals() -> None:
    post_save.connect(on_key_saved, sender=ApiKey, dispatch_uid="realtime.guards.keys.saved")
