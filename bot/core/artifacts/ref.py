"""An artifact as GitHub lists it: what choosing, downloading and recording one need."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ArtifactRef:
    id: int
    name: str
    size: int
    digest: str  # "sha256:<hex>" or ""
