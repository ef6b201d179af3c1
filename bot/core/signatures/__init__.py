"""Failure signatures: what a failure *is*, for grouping failures into clusters.

Pure (no IO). See docs/signatures.md for the steps, what is kept and the versioning rule.
"""

from __future__ import annotations

from bot.core.signatures.compute import (
    SUPPORTED_VERSIONS,
    compute_signature,
    current_version,
    fingerprints_for_versions,
    signatures_for_versions,
)
from bot.core.signatures.model import SIGNATURE_VERSION, Signature

__all__ = [
    "SIGNATURE_VERSION",
    "SUPPORTED_VERSIONS",
    "Signature",
    "compute_signature",
    "current_version",
    "fingerprints_for_versions",
    "signatures_for_versions",
]
