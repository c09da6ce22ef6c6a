"""API keys: a credential for a front-end, a partner's server or a mobile app.

A key is shown once, when it is made (``ApiKey.objects.issue``), and stored only as
its SHA-256: it is 32 random bytes, so a fast hash is enough (nobody can guess it,
unlike a password). ``prefix`` (its first characters, not secret) finds the row and
names the key in logs and in the admin. A key has a name, an optional expiry, the
browser Origins it may be used from, and its own limits (open sockets, frames a
second); a limit left empty is the server's default (the WEBSOCKET_* settings).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "lsk"  # livescores key: lsk_<prefix>_<secret>
PREFIX_BYTES = 6  # 12 hex characters: the key's public id
SECRET_BYTES = 32


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_token(token: str) -> tuple[str, str] | None:
    """``(prefix, secret)`` of a well-formed token, else None."""
    parts = token.split("_")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    prefix, secret = parts[1], parts[2]
    if len(prefix) != 2 * PREFIX_BYTES or not secret:
        return None
    return prefix, secret


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def usable(self) -> ApiKeyQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiKeyManager(models.Manager["ApiKey"]):
    def get_queryset(self) -> ApiKeyQuerySet:
        return ApiKeyQuerySet(self.model, using=self._db)

    def usable(self) -> ApiKeyQuerySet:
        return self.get_queryset().usable()

    def issue(self, name: str, **fields: Any) -> tuple[ApiKey, str]:
        """Make a key: the saved row and the token, which is never stored or shown again."""
        prefix = secrets.token_hex(PREFIX_BYTES)
        secret = secrets.token_urlsafe(SECRET_BYTES).replace("_", "-")  # "_" separates parts
        key = self.create(name=name, prefix=prefix, hashed=digest(secret), **fields)
        return key, f"{TOKEN_PREFIX}_{prefix}_{secret}"

    def verify(self, token: str) -> ApiKey | None:
        """The usable key this token is (None: malformed, unknown, revoked or expired)."""
        parts = split_token(token)
        if parts is None:
            return None
        prefix, secret = parts
        key = self.filter(prefix=prefix).first()
        if key is None or not hmac.compare_digest(key.hashed, digest(secret)):
            return None
        return key if key.is_usable() else None


class ApiKey(models.Model):
    name = models.CharField(max_length=100, help_text="Who uses it (a front-end, a partner).")
    prefix = models.CharField(max_length=2 * PREFIX_BYTES, unique=True, editable=False)
    hashed = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    allowed_origins = models.JSONField(
        default=list,
        blank=True,
        help_text='Browser origins, e.g. ["https://app.example.org"]; "*": any.',
    )
    max_sockets = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Open sockets at once (empty: the default).",
    )
    rate_per_second = models.FloatField(
        null=True, blank=True, help_text="Frames a socket may send a second (empty: default)."
    )
    rate_burst = models.PositiveIntegerField(
        null=True, blank=True, help_text="Burst of frames over the rate (empty: default)."
    )

    objects = ApiKeyManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_per_second__isnull=True) | models.Q(rate_per_second__gt=0),
                name="apikey_rate_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({TOKEN_PREFIX}_{self.prefix}_…)"

    @property
    def label(self) -> str:
        return f"{TOKEN_PREFIX}_{self.prefix}"

    def is_usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def state(self, now: Any = None) -> str:
        """ "active", "revoked" or "expired"."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def allows_origin(self, origin: str | None) -> bool:
        """A browser's Origin is allowed if listed (or "*"); no Origin: not a browser."""
        if origin is None:
            return True
        allowed = [o.rstrip("/").lower() for o in self.allowed_origins or []]
        return "*" in allowed or origin.rstrip("/").lower() in allowed

    def revoke(self) -> None:
        """Revoke for good; the key's open sockets close (realtime/guards/keys.py)."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def limits(self) -> tuple[int, float, int]:
        """(open sockets, frames a second, burst): the key's own, else the defaults."""
        return (
            self.max_sockets or settings.WEBSOCKET_MAX_SOCKETS_PER_KEY,
            self.rate_per_second or settings.WEBSOCKET_RATE_PER_SECOND,
            self.rate_burst or settings.WEBSOCKET_RATE_BURST,
        )
