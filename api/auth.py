"""Who may read the HTTP API: a staff session, as on the socket (API keys: api/keys)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie


class StaffSession(APIKeyCookie):
    """Django's session cookie, for an active staff user (a signed-in user who is not
    staff gets 403, an anonymous client 401). Only GET is served, so no CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if not (user.is_active and user.is_staff):
            raise HttpError(403, "staff only")
        return user
