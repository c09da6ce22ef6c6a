from django.contrib import admin
from django.db import models

from alerts.models import Alert, AlertSettings, Preferences, Webhook, WebhookDelivery
from alerts.webhooks import host_of


@admin.register(Preferences)
class PreferencesAdmin(admin.ModelAdmin):
    list_display = ("user", "board_sort", "team_filter", "alerts_quiet", "updated_at")
    search_fields = ("user__username",)
    readonly_fields = ("updated_at",)


@admin.register(AlertSettings)
class AlertSettingsAdmin(admin.ModelAdmin):
    """The rules' thresholds (one row; the admin is staff-only)."""

    list_display = (
        "__str__",
        "clutch_seconds_left",
        "clutch_margin",
        "swing_points",
        "upset_probability",
        "run_points",
        "feed_trouble_seconds",
        "updated_at",
    )
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request: object) -> bool:
        return not AlertSettings.objects.exists()

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """Alerts are raised by the rules only: read-only here."""

    list_display = ("seq", "rule", "game", "key", "text", "active", "raised_at")
    list_filter = ("rule", "active")
    search_fields = ("game__game_id", "game__home_tricode", "game__away_tricode", "text")
    readonly_fields = [f.name for f in Alert._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    fields = ("alert", "status", "attempts", "last_status_code", "last_error", "delivered_at")
    readonly_fields = fields

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Webhooks (the URL is validated on save: Webhook.clean); the list shows the host
    only, the URL being a secret."""

    list_display = ("name", "host", "rules", "active", "created_at")
    inlines = [WebhookDeliveryInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="host")
    def host(self, obj: Webhook) -> str:
        return host_of(obj.url)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: one row per alert and webhook (read-only)."""

    list_display = (
        "alert",
        "webhook",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "delivered_at",
    )
    list_filter = ("status", "webhook")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
