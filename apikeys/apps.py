from django.apps import AppConfig


class ApiKeysConfig(AppConfig):
    """API keys for front-ends: the WebSocket API and the HTTP API both accept them."""

    name = "apikeys"
    verbose_name = "API keys"
