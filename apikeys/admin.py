"""API keys in the admin: made (the key is shown once, on the page after saving),
edited (name, expiry, Origins, limits) and revoked (an action; open sockets close)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from apikeys.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "label", "state", "expires_at", "created_at", "created_by")
    search_fields = ("name", "prefix")
    readonly_fields = ("label", "state", "created_at", "created_by", "revoked_at")
    fields = (
        "name",
        "label",
        "state",
        "expires_at",
        "allowed_origins",
        "max_sockets",
        "rate_per_second",
        "rate_burst",
        "created_at",
        "created_by",
        "revoked_at",
    )
    actions = ("revoke",)

    @admin.display(description="key")
    def label(self, key: ApiKey) -> str:
        return f"{key.label}_…" if key.prefix else "(made on save, shown once)"

    @admin.display(description="state")
    def state(self, key: ApiKey) -> str:
        return key.state() if key.pk else ""

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        fields = {f: form.cleaned_data.get(f) for f in form.cleaned_data if f != "name"}
        key, token = ApiKey.objects.issue(obj.name, created_by=request.user, **fields)
        obj.pk, obj.prefix, obj.hashed = key.pk, key.prefix, key.hashed
        obj._state.adding = False
        request._issued_token = token  # type: ignore[attr-defined]  # for response_add only

    def response_add(
        self, request: HttpRequest, obj: ApiKey, post_url_continue: Any = None
    ) -> HttpResponse:
        """The one page that ever shows the key: rendered, never stored (no message)."""
        context = {
            **self.admin_site.each_context(request),
            "key": obj,
            "token": request._issued_token,  # type: ignore[attr-defined]
            "opts": self.model._meta,
            "title": "API key made",
        }
        response = TemplateResponse(request, "admin/apikeys/issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke the selected keys (their open sockets close)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        keys = [key for key in queryset if key.revoked_at is None]
        for key in keys:
            key.revoke()
        self.message_user(request, f"revoked {len(keys)} key(s)", messages.SUCCESS)
