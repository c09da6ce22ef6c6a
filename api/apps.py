from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The HTTP history API (read-only JSON, OpenAPI 3.1), mounted at /api/v1/."""

    name = "api"
    verbose_name = "HTTP API"
