"""Make sure a staff login exists, and say how to use it.

The user comes from DJANGO_SUPERUSER_USERNAME / DJANGO_SUPERUSER_PASSWORD (the
variables Django's createsuperuser reads too). With DEBUG on and nothing set, a
development login (staff / livescores-dev) is created; with DEBUG off nothing is
invented: without both variables the command only says how to create one.
An existing user is made staff if needed; its password is never changed.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEV_USERNAME = "staff"
DEV_PASSWORD = "livescores-dev"


class Command(BaseCommand):
    help = "Create the staff login from DJANGO_SUPERUSER_USERNAME/PASSWORD (dev default in DEBUG)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="where to tell the user to log in"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        if not (username and password):
            if not settings.DEBUG:
                self.stdout.write(
                    "no staff login created: DEBUG is off and DJANGO_SUPERUSER_USERNAME / "
                    "DJANGO_SUPERUSER_PASSWORD are not both set (or run `manage.py "
                    "createsuperuser`)"
                )
                return
            username, password = username or DEV_USERNAME, password or DEV_PASSWORD
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            User.objects.create_superuser(username=username, password=password)
            self.stdout.write(self.style.SUCCESS(f"created staff user {username!r}"))
        elif not (user.is_staff and user.is_active):
            user.is_staff = user.is_active = True
            user.save(update_fields=["is_staff", "is_active"])
            self.stdout.write(f"made existing user {username!r} staff")
        user = User.objects.get(**{User.USERNAME_FIELD: username})
        if user.check_password(password):
            shown = f" / {password}" if settings.DEBUG else " with DJANGO_SUPERUSER_PASSWORD"
            self.stdout.write(f"log in at {options['url']} as {username}{shown}")
        else:
            self.stdout.write(
                f"log in at {options['url']} as {username} "
                "(its password was changed since; `manage.py changepassword` resets it)"
            )
