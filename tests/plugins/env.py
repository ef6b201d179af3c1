"""Environment facts tests depend on: CI mode and where the shared corpus lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = REPO_ROOT.parent / "shared" / "corpus"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """``../shared/corpus``; a clear skip without it, a failure under CI=true."""
    if not CORPUS.is_dir():
        message = f"shared corpus not found at {CORPUS}"
        if in_ci():
            pytest.fail(message + " (CI=true: the corpus conformance tests must run)")
        pytest.skip(reason=message)
    return CORPUS
