"""Switching the current signature version in a test, with version 2 registered.

When the real version 2 is in the registry it is used; until then a test-only version 2
stands in: version 1's key, plus the exception type when version 1 keyed a failure by its
family alone (so it tells a Selenium wait from a requests ``ReadTimeout``, both "Timeout"
in version 1). Failure texts below differ between the two versions either way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import pytest

from bot.core.config.signature_rules import SignatureRule
from bot.core.reports.model import TestCase
from bot.core.signatures import compute as registry
from bot.core.signatures.common import fingerprint_of
from bot.core.signatures.model import Signature
from bot.core.signatures.v1.compute import compute_v1
from bot.core.signatures.v1.exception_type import split_type


def stand_in_v2(case: TestCase, rules: Sequence[SignatureRule]) -> Signature:
    """A test-only version 2 (see the module docstring)."""
    first = compute_v1(case, rules)
    normalized = "v2" + first.normalized.removeprefix("v1")
    title = first.title
    if first.kind == "computed" and first.family is not None:
        failure_type, _ = split_type(case.failure_type, case.message)
        normalized += f" | type={failure_type or '-'}"
        title = f"{first.title} ({failure_type})" if failure_type else first.title
    return replace(
        first, fingerprint=fingerprint_of(normalized), version=2, normalized=normalized, title=title
    )


@dataclass
class Versions:
    monkeypatch: pytest.MonkeyPatch

    def use(self, version: int) -> None:
        """Make ``version`` the current one (what a deployed release computes)."""
        self.monkeypatch.setattr(registry, "SIGNATURE_VERSION", version)


@pytest.fixture
def versions(monkeypatch: pytest.MonkeyPatch) -> Iterator[Versions]:
    if 2 not in registry._VERSIONS:
        monkeypatch.setitem(registry._VERSIONS, 2, stand_in_v2)
        monkeypatch.setattr(registry, "SUPPORTED_VERSIONS", (1, 2))
    chosen = Versions(monkeypatch)
    chosen.use(1)
    yield chosen
