"""Who is calling: the App (RS256 JWT) or one of its installations (``ghs_`` token)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt
from fastapi import Request

from loopwatch_sandbox.errors import GitHubError, bad_credentials, not_accessible, not_found
from loopwatch_sandbox.state import Repo, SandboxState, Token, utcnow

MAX_JWT_LIFETIME_S = 600
CLOCK_DRIFT_S = 60


def sandbox(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def _credentials(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() not in ("bearer", "token") or not value.strip():
        raise GitHubError(401, "Requires authentication")
    return value.strip()


def require_app(request: Request) -> SandboxState:
    """Verify the App JWT like GitHub: RS256, ``iss`` = app id, ``exp`` ≤ ``iat`` + 10 min."""
    state = sandbox(request)
    token = _credentials(request)
    if token.startswith("ghs_"):
        raise GitHubError(
            401, "A JSON web token could not be decoded"
        )  # what GitHub says to an installation token on an App endpoint
    try:
        claims = jwt.decode(
            token,
            state.config.app_public_key_pem,
            algorithms=["RS256"],
            options={"require": ["iat", "exp", "iss"], "verify_iat": False},
            leeway=CLOCK_DRIFT_S,
        )
    except jwt.ExpiredSignatureError as exc:
        raise GitHubError(
            401, "'Expiration time' claim ('exp') must be a numeric value representing the future"
        ) from exc
    except jwt.PyJWTError as exc:
        raise GitHubError(401, "A JSON web token could not be decoded") from exc
    iat, exp = int(claims["iat"]), int(claims["exp"])
    if iat > time.time() + CLOCK_DRIFT_S:
        raise GitHubError(401, "'Issued at' claim ('iat') must be an Integer representing the past")
    if exp - iat > MAX_JWT_LIFETIME_S:
        raise GitHubError(
            401, "'Expiration time' claim ('exp') is too far in the future (max 10 minutes)"
        )
    if str(claims["iss"]) != str(state.config.app_id):
        raise GitHubError(401, "'Issuer' claim ('iss') must be an Integer")
    return state


@dataclass
class RepoAccess:
    """An authenticated call on one repository."""

    state: SandboxState
    repo: Repo
    token: Token

    def require(self, permission: str, level: str = "read") -> None:
        """403 like GitHub when the installation token lacks the permission."""
        granted = self.token.permissions.get(permission)
        if granted is None or (level == "write" and granted not in ("write", "admin")):
            raise not_accessible()


def installation_token(request: Request) -> Token:
    state = sandbox(request)
    token = state.tokens.get(_credentials(request))
    if token is None or token.expires_at <= utcnow():
        raise bad_credentials()
    return token


def repo_access(request: Request, owner: str, repo: str) -> RepoAccess:
    """Resolve the repository and check the caller's installation token covers it."""
    token = installation_token(request)
    state = sandbox(request)
    found = state.repo(owner, repo)
    limited = token.repositories is not None and found.full_name.lower() not in token.repositories
    if found.installation_id != token.installation_id or limited:
        if request.method in ("GET", "HEAD") or found.private:
            raise not_found()
        raise not_accessible()
    return RepoAccess(state=state, repo=found, token=token)
