from django.contrib import admin
from django.urls import path

from games import views

urlpatterns = [
    path("", views.scoreboard, name="scoreboard"),
    path("admin/", admin.site.urls),
]
