"""An artifact of a workflow run as GitHub lists it: what is chosen, downloaded and read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ArtifactRef:
    id: int
    name: str
    size: int
    digest: str  # "sha256:<hex>" or ""
