"""The web side: GitHub webhooks, the upload API and health checks (``loopwatch serve``).

It only verifies, stores and enqueues; it never calls GitHub. All real work is the worker's.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.oidc import build_verifier
from bot.adapters.settings import Settings
from bot.adapters.store.db import make_engine, make_session_factory
from webhooks import campaigns, github, health, uploads
from webhooks.errors import install_error_handlers
from webhooks.limits import DEFAULT_MAX_BYTES, WEBHOOK_MAX_BYTES, BodySizeLimit


def create_app(settings: Settings, session_factory: sessionmaker[Session] | None = None) -> FastAPI:
    """The FastAPI app; without a session factory, one for ``settings.database_url``."""
    if session_factory is None:
        session_factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    app = FastAPI(
        title="Loopwatch",
        summary="Turns CI test runs into GitHub issues people can act on.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    # How the OIDC issuer's keys are fetched: None is the network; tests set an ASGI
    # transport here (read at each fetch, so it may be set after the app is made).
    app.state.oidc_transport = None
    app.state.oidc_verifier = build_verifier(settings, lambda: app.state.oidc_transport)
    install_error_handlers(app)
    app.include_router(uploads.router)
    app.include_router(campaigns.router)
    app.include_router(github.router)
    app.include_router(health.router)

    def limit_for(path: str) -> int:
        if path.startswith("/api/v1/runs"):
            return settings.max_upload_bytes
        if path.startswith("/webhooks/"):
            return WEBHOOK_MAX_BYTES
        return DEFAULT_MAX_BYTES

    app.add_middleware(BodySizeLimit, limit_for=limit_for)
    return app
