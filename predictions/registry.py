"""Where trained model artifacts live and which version this checkout serves.

``predictions/artifacts/<version>/`` holds one trained ensemble (model files and
the JSON model card); ``predictions/artifacts/LATEST`` names the served version.
"""

from __future__ import annotations

from pathlib import Path

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
LATEST_FILE = "LATEST"


def latest_version(root: Path = ARTIFACTS_DIR) -> str | None:
    pointer = root / LATEST_FILE
    if not pointer.is_file():
        return None
    version = pointer.read_text().strip()
    return version or None


def artifact_dir(version: str, root: Path = ARTIFACTS_DIR) -> Path:
    return root / version


def served_artifact(root: Path = ARTIFACTS_DIR) -> Path | None:
    """The directory of the served version, if one is shipped and complete."""
    version = latest_version(root)
    if version is None:
        return None
    directory = artifact_dir(version, root)
    return directory if (directory / "model.json").is_file() else None


def set_latest(version: str, root: Path = ARTIFACTS_DIR) -> None:
    (root / LATEST_FILE).write_text(version + "\n")
