"""``create_app``: the sandbox as one FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.exceptions import HTTPException

from loopwatch_sandbox import (
    actions,
    admin,
    apps,
    assets,
    checks,
    comments,
    compare,
    control,
    issue_events,
    issues,
    labels,
    middleware,
    oidc,
    pages,
    pulls,
    reactions,
    repos,
)
from loopwatch_sandbox.config import SandboxConfig
from loopwatch_sandbox.errors import GitHubError, github_error_handler, http_error_handler
from loopwatch_sandbox.state import SandboxState

__all__ = ["SandboxConfig", "create_app"]


def create_app(config: SandboxConfig) -> FastAPI:
    """A fresh sandbox; its state is ``app.state.sandbox`` (a :class:`SandboxState`)."""
    app = FastAPI(title="Loopwatch GitHub sandbox", docs_url="/_sandbox/docs", redoc_url=None)
    app.state.sandbox = SandboxState(config)
    app.add_exception_handler(GitHubError, github_error_handler)
    app.add_exception_handler(HTTPException, http_error_handler)
    middleware.install(app)
    routers = [admin, assets, control, apps, comments, issues, labels, reactions, repos, checks]
    routers += [actions, compare, issue_events, pulls, oidc]
    for module in routers:
        app.include_router(module.router)
    app.include_router(pulls.people)  # people opening and reviewing pull requests
    app.include_router(pages.router)  # last: its paths are the catch-all HTML ones
    return app
