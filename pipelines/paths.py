"""Default locations of the offline pipelines (inputs outside the repository, caches in /tmp)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DEFAULT_PBP_DIR = Path("../shared/data/pbp/gabriel1200_playbyplay/regular_season")
# Derived tables are big and rebuilt from ../shared on demand: never in the repository.
DEFAULT_CACHE = Path(
    os.environ.get("PIPELINES_CACHE", Path(tempfile.gettempdir()) / "livescores-pipelines")
)
