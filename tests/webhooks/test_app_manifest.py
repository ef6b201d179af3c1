"""``app.yml`` asks for exactly the events Loopwatch handles (least privilege both ways)."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.handlers.events import router

MANIFEST = Path(__file__).resolve().parents[2] / "app.yml"
# Delivered to every App without subscribing (GitHub's rule), so not in the manifest.
ALWAYS_DELIVERED = {"installation", "installation_repositories", "ping"}


def test_every_subscribed_event_has_a_handler_and_every_handled_event_is_subscribed() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    subscribed = set(manifest["default_events"])
    handled = router.events() - ALWAYS_DELIVERED
    assert subscribed == handled


def test_artifact_ingestion_has_what_it_needs() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    permissions = manifest["default_permissions"]
    assert "workflow_run" in manifest["default_events"]
    assert permissions["actions"] in ("read", "write")  # list and download artifacts
    assert permissions["pull_requests"] in ("read", "write")  # a fork's pull request
