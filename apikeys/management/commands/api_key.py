"""Make, list and revoke API keys: ``manage.py api_key create|list|revoke``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apikeys.models import ApiKey, split_token


class Command(BaseCommand):
    help = "Make (the key is printed once), list or revoke API keys."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a key and print it (once)")
        create.add_argument("name")
        create.add_argument(
            "--origin", action="append", default=[], dest="origins",
            help="a browser Origin that may use it (repeat; '*' for any)",
        )  # fmt: skip
        create.add_argument("--expires-days", type=float, help="expires after this many days")
        create.add_argument("--max-sockets", type=int)
        create.add_argument("--rate", type=float, help="frames a second per socket")
        create.add_argument("--burst", type=int)
        sub.add_parser("list", help="every key: prefix, name, state")
        revoke = sub.add_parser("revoke", help="revoke a key (its open sockets close)")
        revoke.add_argument("key", help="the key, or its lsk_<prefix> label, or its prefix")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"do_{action}")(**options)

    def do_create(self, name: str, origins: list[str], expires_days: float | None,
                  max_sockets: int | None, rate: float | None, burst: int | None,
                  **_: Any) -> None:  # fmt: skip
        if rate is not None and rate <= 0:
            raise CommandError("--rate must be > 0")
        expires = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
        key, token = ApiKey.objects.issue(
            name, allowed_origins=origins, expires_at=expires, max_sockets=max_sockets,
            rate_per_second=rate, rate_burst=burst,
        )  # fmt: skip
        self.stderr.write(f"made {key}; the key (shown once, stored only as a hash):")
        self.stdout.write(token)

    def do_list(self, **_: Any) -> None:
        for key in ApiKey.objects.all():
            expires = key.expires_at.isoformat() if key.expires_at else "never"
            self.stdout.write(f"{key.label}\t{key.state()}\t{expires}\t{key.name}")

    def do_revoke(self, key: str, **_: Any) -> None:
        parts = split_token(key)
        prefix = parts[0] if parts else key.removeprefix("lsk_")
        found = ApiKey.objects.filter(prefix=prefix).first()
        if found is None:
            raise CommandError(f"no key with prefix {prefix!r}")
        found.revoke()
        self.stdout.write(f"revoked {found}")
