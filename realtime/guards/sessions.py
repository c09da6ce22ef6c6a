"""A WebSocket ends with the session it was opened with.

Each signed-in socket joins its user's group (``user_group``). Logging out tells the
group which session ended (``user_logged_out``; sockets of that session close at once),
and a saved user (deactivated, staff status removed, password changed) asks its
sockets to check now. Independently every socket re-checks its session every
``WEBSOCKET_SESSION_CHECK_SECONDS``, which also covers what sends no signal: a session
that expired or whose row was deleted, or a change made with ``QuerySet.update``.
A socket whose session no longer yields the same active staff user is closed with
4401 (see realtime/consumer.py and docs/websocket-api.md); ``SessionWatch`` is the
per-socket part.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user, get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import DatabaseError, transaction
from django.db.models.signals import post_save
from django.http import HttpRequest
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

SESSION_END = "session.end"  # a logout: {"session_key": ...}
SESSION_RECHECK = "session.recheck"  # the user changed: check the session now


def user_group(user_id: Any) -> str:
    return f"user.{user_id}"


def session_user(session_key: str | None) -> Any:
    """The user a session still yields, as Django's auth would on the next request.

    ``AnonymousUser`` when the session is gone or expired, the user is inactive, or
    the password changed since login (the stored session auth hash no longer matches).
    """
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return get_user(request)


def _tell(user_id: Any, message: dict[str, Any]) -> None:
    """Send to the user's sockets once the change is committed (they re-read it)."""
    transaction.on_commit(lambda: _send(user_id, message))


def _send(user_id: Any, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), message)
    except RedisError as exc:  # the periodic check still closes the sockets
        logger.warning("could not tell the sockets of user %s: %s", user_id, exc)


def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None or request is None:
        return
    _tell(user.pk, {"type": SESSION_END, "session_key": request.session.session_key})


def on_user_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    only_last_login = update_fields is not None and set(update_fields) <= {"last_login"}
    if kwargs.get("created") or only_last_login:
        return  # a new user has no sockets; each login stamps last_login
    _tell(instance.pk, {"type": SESSION_RECHECK})


def connect_signals() -> None:
    user_logged_out.connect(on_logout, dispatch_uid="realtime.guards.sessions.logout")
    post_save.connect(
        on_user_saved, sender=get_user_model(), dispatch_uid="realtime.guards.sessions.user_saved"
    )


class SessionWatch:
    """One signed-in socket's session: its user's group (logout and user changes reach
    it), and a re-check every ``WEBSOCKET_SESSION_CHECK_SECONDS``. ``end`` is called
    once the session no longer yields the same user allowed to read."""

    def __init__(
        self,
        user_id: Any,
        session_key: str | None,
        allowed: Callable[[Any], bool],
        end: Callable[[], Awaitable[None]],
    ) -> None:
        self.user_id, self.session_key = user_id, session_key
        self.allowed, self.end = allowed, end
        self.task: asyncio.Task[None] | None = None
        self.stopped = False

    @property
    def group(self) -> str:
        return user_group(self.user_id)

    def start(self) -> None:
        self.task = asyncio.create_task(self._recheck_periodically())

    def stop(self) -> None:
        self.stopped = True
        if self.task is not None:
            self.task.cancel()

    async def _recheck_periodically(self) -> None:
        interval = settings.WEBSOCKET_SESSION_CHECK_SECONDS
        # Spread the checks of many sockets over the interval.
        await asyncio.sleep(random.uniform(0, interval))  # nosec B311  # jitter, not a secret
        while not self.stopped:
            await self.check()
            await asyncio.sleep(interval)

    async def check(self) -> None:
        if self.stopped:
            return
        try:
            holds = await self._holds()
        except DatabaseError as exc:  # PostgreSQL away: not a reason to end a session
            logger.warning("could not check a socket's session: %s", exc)
            return
        if not holds:
            await self.end()

    async def ended_by(self, session_key: str | None) -> None:
        """A logout of ``session_key``: end this socket if it is that session's."""
        if session_key == self.session_key:
            await self.end()

    @database_sync_to_async
    def _holds(self) -> bool:
        """The session still yields the same user, and that user may still read."""
        user = session_user(self.session_key)
        return bool(user.is_authenticated and user.pk == self.user_id and self.allowed(user))
