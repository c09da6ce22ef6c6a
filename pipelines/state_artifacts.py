"""Where the state model's artifacts live and what their cards say about the data."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from games.feed.archive import (
    SOURCE_BRANCH,
    SOURCE_COMMIT,
    SOURCE_LICENSE,
    SOURCE_LICENSE_COMMIT,
    SOURCE_REPO,
)
from pipelines.directory import directory_files


def provenance(pbp_dir: Path, seasons: Sequence[int]) -> dict[str, Any]:
    """The training data's origin: source repository, files and a digest of their bytes."""
    files = directory_files(pbp_dir)
    paths = sorted(
        p for (s, part), ps in files.items() if s in seasons and part == "rs" for p in ps
    )
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return {
        "source": f"GitHub {SOURCE_REPO} (branch {SOURCE_BRANCH}), organized_data/regular_season",
        "source_commit": SOURCE_COMMIT,
        "license": f"{SOURCE_LICENSE} (LICENSE at commit {SOURCE_LICENSE_COMMIT})",
        "feed": "NBA.com liveData play-by-play (NBA.com terms of use apply)",
        "files": len(paths),
        "seasons": list(seasons),
        "digest": digest.hexdigest()[:10],
        "derived_by": "python manage.py train_state_model (pipelines.state_dataset)",
    }
