from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.views import api
from livescores import ops

urlpatterns = [
    path("", include("dashboard.urls")),
    # Log in and out here; a staff user changes their own password in the admin
    # (/admin/password_change/, tested). Password reset is not offered: there is no mail.
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),  # the HTTP history API (api/, docs/http-api.md)
    path("healthz", ops.healthz, name="healthz"),
    path("metrics", ops.metrics, name="metrics"),
]
