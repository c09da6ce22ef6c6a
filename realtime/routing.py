from django.urls import path

from realtime.consumer import ScoresConsumer

websocket_urlpatterns = [
    path("ws/scores/", ScoresConsumer.as_asgi()),
]
