from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Evaluate the rules after what ``games`` and ``predictions`` announce."""
        from alerts import receivers

        receivers.connect()
