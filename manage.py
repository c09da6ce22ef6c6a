#!/usr/bin/env python
"""Django's command-line utility."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livescores.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 -- read the settings now: a bad variable
    except ImproperlyConfigured as exc:  # is one line naming it, not a traceback
        sys.exit(f"livescores: configuration error: {exc}")

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
