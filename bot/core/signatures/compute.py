"""Every supported signature version, and the current one.

A version's algorithm never changes once shipped (its snapshot files in
``tests/signatures/snapshots/v<N>/`` hold it); a change is a new version. docs/signatures.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.core.config.signature_rules import SignatureRule
from bot.core.reports.model import TestCase
from bot.core.signatures.model import SIGNATURE_VERSION, Signature
from bot.core.signatures.v1.compute import compute_v1
from bot.core.signatures.v2.compute import compute_v2

Algorithm = Callable[[TestCase, Sequence[SignatureRule]], Signature]

_VERSIONS: dict[int, Algorithm] = {1: compute_v1, 2: compute_v2}
SUPPORTED_VERSIONS: tuple[int, ...] = tuple(sorted(_VERSIONS))


def current_version(pin: int | None = None) -> int:
    """The version a repository's failures are grouped with: its pin, else the current one."""
    return pin or SIGNATURE_VERSION


def compute_signature(
    case: TestCase, rules: Sequence[SignatureRule] = (), version: int | None = None
) -> Signature:
    """The signature of a failed case with ``version``'s algorithm: a repository's pin
    (``signature_version`` in its config), else the current one (``SIGNATURE_VERSION``)."""
    return _VERSIONS[current_version(version)](case, rules)


def signatures_for_versions(
    case: TestCase, rules: Sequence[SignatureRule] = ()
) -> dict[int, Signature]:
    """The case's signature under every supported version, oldest first (each computed once:
    the run's grouping takes the current one and every version's fingerprint from it)."""
    return {version: _VERSIONS[version](case, rules) for version in SUPPORTED_VERSIONS}


def fingerprints_for_versions(
    case: TestCase, rules: Sequence[SignatureRule] = ()
) -> dict[int, str]:
    """The case's fingerprint under every supported version, oldest first.

    A cluster made by an older version is found by the failure's fingerprint of that
    version and moves to the current one when seen; a split is announced on its issue
    (``bot/app/clusters/versions.py``, docs/signatures.md "Versions").
    """
    return {v: s.fingerprint for v, s in signatures_for_versions(case, rules).items()}
