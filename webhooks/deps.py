"""What routes get injected: settings, the session factory and the uploader's repository
(from an upload token ``lw_…`` or a GitHub Actions OIDC token)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.adapters.oidc import GitHubOidcClaims, OidcError, OidcVerifier, looks_like_jwt
from bot.adapters.settings import Settings
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Installation, Repository
from bot.adapters.tokens import authenticate_upload_token
from webhooks.errors import ApiError


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


@dataclass(frozen=True)
class UploadIdentity:
    """Who is uploading: one token, good for one repository.

    ``token_id`` is the upload token's id, None for a GitHub Actions OIDC token (``oidc``).
    """

    token_id: int | None
    repository_id: int
    repository: str  # lower-cased owner/name
    oidc: GitHubOidcClaims | None = None


_BEARER_HELP = (
    "send an upload token as 'Authorization: Bearer lw_…' "
    "(create one with `loopwatch token create --repo owner/name`), "
    "or a GitHub Actions OIDC token (workflow permission `id-token: write`)"
)


def _lookup(factory: sessionmaker[Session], token: str) -> UploadIdentity | None:
    with transaction(factory) as session:
        row = authenticate_upload_token(session, token)
        if row is None:
            return None
        repo = session.get(Repository, row.repository_id)
        assert repo is not None
        return UploadIdentity(row.id, repo.id, repo.full_name)


def _oidc_repository(factory: sessionmaker[Session], claims: GitHubOidcClaims) -> UploadIdentity:
    """The installed repository the OIDC token's workflow runs in, or ApiError 403.

    Found by GitHub id; by name only for a row whose GitHub id is unknown. A row whose id
    differs from the token's is another repository of the same name (deleted and
    recreated): it must not match.
    """
    name = claims.repository.lower()
    with transaction(factory) as session:
        repo = session.scalar(
            select(Repository).where(Repository.github_id == claims.repository_id)
        )
        if repo is None:
            repo = session.scalar(select(Repository).where(Repository.full_name == name))
        installation = (
            session.get(Installation, repo.installation_id)
            if repo is not None and repo.installation_id is not None
            else None
        )
        if repo is not None and repo.github_id not in (None, claims.repository_id):
            raise ApiError(
                403,
                f"{name} on this Loopwatch server is another repository (GitHub id "
                f"{repo.github_id}) than the one the OIDC token is for (id "
                f"{claims.repository_id}); it was deleted and recreated: install Loopwatch "
                "on the new repository",
            )
        if (
            repo is None
            or repo.removed_at is not None
            or installation is None
            or installation.deleted_at is not None
        ):
            raise ApiError(
                403,
                f"Loopwatch is not installed on {claims.repository}: install the GitHub App "
                "on that repository (or upload with an upload token)",
            )
        return UploadIdentity(None, repo.id, repo.full_name, oidc=claims)


async def _oidc_identity(request: Request, token: str, challenge: dict[str, str]) -> UploadIdentity:
    verifier: OidcVerifier = request.app.state.oidc_verifier
    try:
        claims = await verifier.verify(token)
    except OidcError as exc:
        headers = challenge if exc.status == 401 else None
        raise ApiError(exc.status, exc.message, headers=headers) from exc
    return await run_in_threadpool(_oidc_repository, get_session_factory(request), claims)


async def require_upload_token(request: Request) -> UploadIdentity:
    """401 without a live upload token or a valid GitHub Actions OIDC token; the token's
    repository otherwise."""
    header = request.headers.get("authorization")
    challenge = {"WWW-Authenticate": 'Bearer realm="loopwatch"'}
    if not header:
        raise ApiError(401, f"missing upload token: {_BEARER_HELP}", headers=challenge)
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, f"malformed Authorization header: {_BEARER_HELP}", headers=challenge)
    if looks_like_jwt(token):
        return await _oidc_identity(request, token, challenge)
    identity = await run_in_threadpool(_lookup, get_session_factory(request), token)
    if identity is None:
        raise ApiError(
            401,
            "the upload token is unknown or revoked; create a new one with "
            "`loopwatch token create --repo owner/name`",
            headers=challenge,
        )
    return identity
