from django.urls import path

from dashboard import accuracy_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("nights/", views.pick_night, name="pick-night"),
    path("nights/<str:day>/", views.night, name="night"),
    path("preferences/board/", views.board_preferences, name="board-preferences"),
    path("games/<str:game_id>/", views.game_detail, name="game-detail"),
    path("status.json", views.status, name="system-status"),
    path("alerts/preferences/", views.alert_preferences, name="alert-preferences"),
    path("models/", views.models, name="model-cards"),
    path("accuracy/", accuracy_views.accuracy, name="accuracy"),
    path("favicon.ico", views.favicon, name="favicon"),
]
