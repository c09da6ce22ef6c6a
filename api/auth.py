"""Who may read the HTTP API: an API key or a staff session, as on the socket."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, APIKeyHeader

from apikeys.models import ApiKey


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


class KeyHeader(APIKeyHeader):
    """An API key (apikeys) in the ``X-API-Key`` header; a browser page may use it
    only from one of the key's ``allowed_origins`` (403 otherwise)."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        found = ApiKey.objects.verify(key)
        if found is None:
            return None
        origin = request.headers.get("Origin")
        if not found.allows_origin(origin):
            raise HttpError(403, f"the API key {found.label} may not be used from {origin}")
        return found
