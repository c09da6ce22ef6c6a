from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    """Management commands for the offline pipelines; no models, no signals."""

    name = "pipelines"
