"""Write the HTTP API's OpenAPI 3.1 document to docs/openapi.json (what it serves)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from ninja.responses import NinjaJSONEncoder

from api.views import api


def openapi_document() -> dict[str, Any]:
    """The document as /api/v1/openapi.json serves it (JSON: status codes are strings)."""
    text = json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), cls=NinjaJSONEncoder)
    document: dict[str, Any] = json.loads(text)
    return document


class Command(BaseCommand):
    help = "Write docs/openapi.json from the HTTP API (api/views.py)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "docs/openapi.json"))

    def handle(self, *args: Any, output: str, **options: Any) -> None:
        Path(output).write_text(json.dumps(openapi_document(), indent=2) + "\n")
        self.stdout.write(f"wrote {output}")
