"""How a sandbox is set up: the App it impersonates, its public URL, where webhooks go."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import httpx

DEFAULT_PERMISSIONS: dict[str, str] = {
    "metadata": "read",
    "issues": "write",
    "checks": "write",
    "contents": "read",
    "actions": "read",
    "pull_requests": "write",
}
DEFAULT_EVENTS: list[str] = [
    "issues",
    "issue_comment",
    "check_run",
    "workflow_run",
    "pull_request",
]

CHECKOUT = Path(__file__).resolve().parents[2]  # sandbox/loopwatch_sandbox/config.py
MERMAID_IN_CHECKOUT = CHECKOUT / ".cache/mermaid/node_modules/mermaid/dist/mermaid.min.js"
MERMAID_JS_ENV = "LOOPWATCH_SANDBOX_MERMAID_JS"


def find_mermaid_js() -> Path | None:
    """The local mermaid.min.js: ``$LOOPWATCH_SANDBOX_MERMAID_JS``, else the checkout's copy
    (``make mermaid``); ``None`` when there is none."""
    configured = os.environ.get(MERMAID_JS_ENV)
    found = Path(configured) if configured else MERMAID_IN_CHECKOUT
    return found if found.is_file() else None


@dataclass
class SandboxConfig:
    """The App the sandbox plays GitHub for.

    ``base_url`` is the public URL the server is reachable at: API objects and ``html_url``
    links are built from it. ``webhook_transport`` lets in-process tests deliver webhooks to an
    ASGI app (``httpx.ASGITransport(app)``) instead of over the network.
    """

    app_id: int
    app_public_key_pem: str
    app_slug: str = "loopwatch"
    app_name: str = "Loopwatch"
    base_url: str = "http://sandbox"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_transport: httpx.AsyncBaseTransport | None = None
    webhook_timeout_s: float = 10.0
    app_permissions: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PERMISSIONS))
    app_events: list[str] = field(default_factory=lambda: list(DEFAULT_EVENTS))
    # Real GitHub also sends webhooks for what the App itself writes; off by default.
    webhooks_for_app_actions: bool = False
    # The script issue pages load to draw ```mermaid blocks (served at /_sandbox/assets/).
    mermaid_js: Path | None = field(default_factory=find_mermaid_js)

    @property
    def root(self) -> str:
        return self.base_url.rstrip("/")
