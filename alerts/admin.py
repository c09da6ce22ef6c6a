from django.contrib import admin

from alerts.models import Preferences


@admin.register(Preferences)
class PreferencesAdmin(admin.ModelAdmin):
    list_display = ("user", "board_sort", "team_filter", "alerts_quiet", "updated_at")
    search_fields = ("user__username",)
    readonly_fields = ("updated_at",)
