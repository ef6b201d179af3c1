"""Switching the current signature version in a test: a release on version 1 (before the
upgrade) or on version 2 (after). Both are registered; only the current one changes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.core.signatures import compute as registry


@dataclass
class Versions:
    monkeypatch: pytest.MonkeyPatch

    def use(self, version: int) -> None:
        """Make ``version`` the current one (what a deployed release computes)."""
        assert version in registry.SUPPORTED_VERSIONS
        self.monkeypatch.setattr(registry, "SIGNATURE_VERSION", version)


@pytest.fixture
def versions(monkeypatch: pytest.MonkeyPatch) -> Versions:
    """Starts on version 1: the database fills with version 1 clusters."""
    chosen = Versions(monkeypatch)
    chosen.use(1)
    return chosen
