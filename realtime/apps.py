from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"

    def ready(self) -> None:
        """Turn what ``games`` and ``predictions`` announce into messages; end a socket
        with its session (logout, user changes); add the socket metrics."""
        import realtime.metrics  # noqa: F401  (registers the socket metrics)
        from realtime import receivers
        from realtime.guards import keys, sessions

        receivers.connect()
        sessions.connect_signals()
        keys.connect_signals()
