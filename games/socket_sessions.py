"""A WebSocket ends with the session it was opened with.

Each signed-in socket joins its user's group (``user_group``). Logging out tells the
group which session ended (``user_logged_out``; sockets of that session close at once),
and a saved user (deactivated, staff status removed, password changed) asks its
sockets to check now. Independently every socket re-checks its session every
``WEBSOCKET_SESSION_CHECK_SECONDS``, which also covers what sends no signal: a session
that expired or whose row was deleted, or a change made with ``QuerySet.update``.
A socket whose session no longer yields the same active staff user is closed with
4401 (see games/consumers.py and docs/websocket-api.md).
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user, get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
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
    user_logged_out.connect(on_logout, dispatch_uid="games.socket_sessions.logout")
    post_save.connect(
        on_user_saved, sender=get_user_model(), dispatch_uid="games.socket_sessions.user_saved"
    )
