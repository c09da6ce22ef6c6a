"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livescores.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime.guards.keys import OriginOrKey  # noqa: E402
from realtime.guards.middleware import WebSocketGuard  # noqa: E402
from realtime.guards.server import adjust_daphne  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

# Close reasons, one frame limit and 1001 on SIGTERM under daphne (realtime/guards/server.py).
adjust_daphne()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WebSocketGuard(
            # The Origin must be one of ALLOWED_HOSTS, or one the offered API key allows.
            OriginOrKey(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
