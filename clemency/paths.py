"""Folders of the checkout the pipeline runs from."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TRANSFORMS_DIR = REPO_ROOT / "transforms"
