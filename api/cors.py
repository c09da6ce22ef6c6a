"""CORS for the HTTP API: a page on an origin an API key allows may call /api/v1/.

A browser sends a preflight (``OPTIONS``) before a cross-origin ``GET`` with an
``X-API-Key`` header, without the key. The preflight, and every answer under
``/api/v1/``, says ``Access-Control-Allow-Origin: <that origin>`` when a usable key
lists the origin (or ``"*"``); which key the request carries, and whether that key
allows the origin, is then the API's own check (``api.auth.KeyHeader``: 403). No
cookies cross origins (``Access-Control-Allow-Credentials`` is never sent): a
cross-origin caller uses its key, not a staff session.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from apikeys.models import ApiKey

PREFIX = "/api/v1/"
ALLOW_HEADERS = "X-API-Key, If-None-Match"
EXPOSE_HEADERS = "ETag"
PREFLIGHT_MAX_AGE = "600"


def origin_has_a_key(origin: str) -> bool:
    wanted = origin.rstrip("/").lower()
    keys = ApiKey.objects.usable().filter(
        Q(allowed_origins__contains=[wanted]) | Q(allowed_origins__contains=["*"])
    )
    return keys.exists()


class ApiCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = request.headers.get("Origin")
        if not request.path.startswith(PREFIX) or not origin:
            return self.get_response(request)
        allowed = origin_has_a_key(origin)
        preflight = (
            request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
        )
        if preflight:
            response = HttpResponse(status=204 if allowed else 403)
            if allowed:
                response["Access-Control-Allow-Methods"] = "GET"
                response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
                response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        else:
            response = self.get_response(request)
        if allowed:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        patch_vary_headers(response, ["Origin"])
        return response
