"""The :class:`Signature` of a failure and the algorithm version it was computed with."""

from __future__ import annotations

from dataclasses import dataclass

# Bump when any step changes what is hashed; keep the old steps reachable through
# ``fingerprints_for_versions`` so stored clusters are matched, not split (docs/signatures.md).
SIGNATURE_VERSION: int = 2


@dataclass(frozen=True, slots=True)
class Signature:
    """What a failure is, for grouping: equal fingerprints mean one cluster."""

    fingerprint: str  # first 20 hex chars of sha256(normalized)
    version: int  # SIGNATURE_VERSION used
    kind: str  # "named" | "computed" | "test-name"
    title: str  # readable title for issues and the findings list
    family: str | None  # built-in family, e.g. "websocket-close-1011", "http-503"
    normalized: str  # exactly what was hashed, readable
    labels: tuple[str, ...] = ()
    severity: str | None = None
    rule_id: str | None = None
