"""What routes get injected: settings, the session factory and the upload token's repository."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.settings import Settings
from bot.store.db import transaction
from bot.store.models import Repository
from bot.tokens import authenticate_upload_token
from webhooks.errors import ApiError


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


@dataclass(frozen=True)
class UploadIdentity:
    """Who is uploading: one token, good for one repository."""

    token_id: int
    repository_id: int
    repository: str  # lower-cased owner/name


_BEARER_HELP = (
    "send an upload token as 'Authorization: Bearer lw_…' "
    "(create one with `loopwatch token create --repo owner/name`)"
)


def _lookup(factory: sessionmaker[Session], token: str) -> UploadIdentity | None:
    with transaction(factory) as session:
        row = authenticate_upload_token(session, token)
        if row is None:
            return None
        repo = session.get(Repository, row.repository_id)
        assert repo is not None
        return UploadIdentity(row.id, repo.id, repo.full_name)


async def require_upload_token(request: Request) -> UploadIdentity:
    """401 without a live upload token; the token's repository otherwise."""
    header = request.headers.get("authorization")
    challenge = {"WWW-Authenticate": 'Bearer realm="loopwatch"'}
    if not header:
        raise ApiError(401, f"missing upload token: {_BEARER_HELP}", headers=challenge)
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, f"malformed Authorization header: {_BEARER_HELP}", headers=challenge)
    identity = await run_in_threadpool(_lookup, get_session_factory(request), token)
    if identity is None:
        raise ApiError(
            401,
            "the upload token is unknown or revoked; create a new one with "
            "`loopwatch token create --repo owner/name`",
            headers=challenge,
        )
    return identity
