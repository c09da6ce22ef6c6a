from django.contrib import admin

from alerts.models import Alert, AlertSettings, Preferences


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
