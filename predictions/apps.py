from django.apps import AppConfig


class PredictionsConfig(AppConfig):
    name = "predictions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Subscribe to what ``games`` announces; add the forecast metrics."""
        from predictions import metrics, receivers

        receivers.connect()
        metrics.register()
