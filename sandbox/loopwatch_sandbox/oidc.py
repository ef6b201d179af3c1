"""The sandbox as GitHub Actions' OIDC issuer, at ``{root}/_sandbox/oidc``.

* ``GET  /_sandbox/oidc/.well-known/openid-configuration`` and ``…/.well-known/jwks``: what
  a verifier reads (GitHub's paths under token.actions.githubusercontent.com).
* ``GET  /_sandbox/oidc/token?audience=…``: the runner's endpoint, authenticated by a
  request token (``ACTIONS_ID_TOKEN_REQUEST_TOKEN``); answers ``{"value": jwt, "count": 1}``.
* ``POST /_sandbox/oidc/request-tokens``: register a runner job; answers the two
  ``ACTIONS_ID_TOKEN_REQUEST_*`` values, so the CLI runs exactly as on a real runner.
* ``POST /_sandbox/oidc/tokens``: mint a token directly (expired, foreign key, other
  audience or issuer, claim overrides) for tests.
* ``POST /_sandbox/oidc/rotate-key``, ``GET /_sandbox/oidc``: key rotation and counters.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from loopwatch_sandbox.auth import sandbox
from loopwatch_sandbox.errors import GitHubError
from loopwatch_sandbox.keys import generate_rsa_keypair
from loopwatch_sandbox.state import Repo, SandboxState

router = APIRouter(prefix="/_sandbox/oidc")
TOKEN_LIFETIME_S = 300  # GitHub's tokens are valid for 5 minutes
REQUEST_TOKEN_PREFIX = "sbx_idreq_"  # noqa: S105 (a public prefix, not a secret)


@dataclass
class SigningKey:
    kid: str
    private_pem: str
    public: rsa.RSAPublicKey

    @classmethod
    def generate(cls) -> SigningKey:
        private_pem, public_pem = generate_rsa_keypair()
        public = serialization.load_pem_public_key(public_pem.encode())
        assert isinstance(public, rsa.RSAPublicKey)
        numbers = public.public_numbers()
        thumbprint = hashlib.sha256(f"{numbers.n}:{numbers.e}".encode()).digest()
        kid = base64.urlsafe_b64encode(thumbprint[:15]).decode().rstrip("=")
        return cls(kid=kid, private_pem=private_pem, public=public)

    def jwk(self) -> dict[str, Any]:
        as_dict: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(self.public, as_dict=True)
        return {**as_dict, "kid": self.kid, "use": "sig", "alg": "RS256"}


@dataclass
class Issuer:
    """The issuer's keys (newest signs), registered runner jobs and counters."""

    keys: list[SigningKey] = field(default_factory=list)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)  # request token -> claims
    jwks_fetches: int = 0
    tokens_issued: int = 0

    def signing_key(self) -> SigningKey:
        if not self.keys:
            self.keys.append(SigningKey.generate())
        return self.keys[-1]


def issuer_of(request: Request) -> Issuer:
    """The app's issuer, made on first use (a fresh RSA key per sandbox)."""
    issuer: Issuer | None = getattr(request.app.state, "sandbox_oidc", None)
    if issuer is None:
        issuer = Issuer()
        request.app.state.sandbox_oidc = issuer
    return issuer


def issuer_url(state: SandboxState) -> str:
    return f"{state.config.root}/_sandbox/oidc"


def github_claims(state: SandboxState, repo: Repo, **overrides: Any) -> dict[str, Any]:
    """Claims shaped like GitHub's for a push to the default branch, with ``overrides``.

    GitHub sends ids and numbers as strings; so does this.
    """
    ref = str(overrides.get("ref") or f"refs/heads/{repo.default_branch}")
    workflow = str(overrides.get("workflow") or "CI")
    workflow_path = ".github/workflows/ci.yml"
    claims: dict[str, Any] = {
        "sub": f"repo:{repo.full_name}:ref:{ref}",
        "ref": ref,
        "ref_type": "tag" if ref.startswith("refs/tags/") else "branch",
        "sha": repo.branches.get(repo.default_branch) or "0" * 40,
        "repository": repo.full_name,
        "repository_id": str(repo.id),
        "repository_owner": repo.owner.login,
        "repository_owner_id": str(repo.owner.id),
        "repository_visibility": "private" if repo.private else "public",
        "actor": repo.owner.login,
        "actor_id": str(repo.owner.id),
        "workflow": workflow,
        "workflow_ref": f"{repo.full_name}/{workflow_path}@{ref}",
        "job_workflow_ref": f"{repo.full_name}/{workflow_path}@{ref}",
        "run_id": str(state.next_id()),
        "run_number": "1",
        "run_attempt": "1",
        "event_name": "push",
        "head_ref": "",
        "base_ref": "",
        "runner_environment": "github-hosted",
    }
    claims.update({key: value for key, value in overrides.items() if value is not None})
    for key in ("run_id", "run_attempt", "repository_id"):
        claims[key] = str(claims[key])
    return claims


def mint(
    issuer: Issuer,
    claims: dict[str, Any],
    *,
    iss: str,
    audience: str,
    expired: bool = False,
    key: SigningKey | None = None,
) -> str:
    now = int(time.time())
    issued = now - 2 * TOKEN_LIFETIME_S if expired else now
    signer = key or issuer.signing_key()
    payload = {
        "jti": secrets.token_hex(16),
        **claims,
        "aud": audience,
        "iss": iss,
        "iat": issued,
        "nbf": issued - 5,
        "exp": issued + TOKEN_LIFETIME_S,
    }
    issuer.tokens_issued += 1
    return jwt.encode(payload, signer.private_pem, algorithm="RS256", headers={"kid": signer.kid})


def _repo(state: SandboxState, full_name: str) -> Repo:
    repo = state.repos.get(full_name.lower())
    if repo is None:
        raise GitHubError(422, f"no sandbox repository {full_name}; create it first")
    return repo


def _default_audience(repo: Repo) -> str:
    return f"https://github.com/{repo.owner.login}"  # GitHub's default without ?audience=


# --- what a verifier and a runner see -------------------------------------------------


@router.get("/.well-known/openid-configuration")
async def openid_configuration(request: Request) -> dict[str, Any]:
    url = issuer_url(sandbox(request))
    return {
        "issuer": url,
        "jwks_uri": f"{url}/.well-known/jwks",
        "subject_types_supported": ["public", "pairwise"],
        "response_types_supported": ["id_token"],
        "claims_supported": ["sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "sha"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid"],
    }


@router.get("/.well-known/jwks")
async def jwks(request: Request) -> dict[str, Any]:
    issuer = issuer_of(request)
    issuer.signing_key()
    issuer.jwks_fetches += 1
    return {"keys": [key.jwk() for key in reversed(issuer.keys)]}


@router.get("/token")
async def runner_token(request: Request, audience: str | None = None) -> dict[str, Any]:
    """``ACTIONS_ID_TOKEN_REQUEST_URL``: a token for the job the request token belongs to."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    issuer = issuer_of(request)
    job = issuer.jobs.get(value.strip()) if scheme.lower() == "bearer" else None
    if job is None:
        raise GitHubError(401, "Bad credentials: not a valid ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    state = sandbox(request)
    repo = _repo(state, str(job["repository"]))
    token = mint(issuer, job, iss=issuer_url(state), audience=audience or _default_audience(repo))
    return {"count": 1, "value": token}


# --- admin ------------------------------------------------------------------------------


class ClaimsIn(BaseModel):
    """The job's claims: ``repository`` (a sandbox repository) and any overrides."""

    model_config = ConfigDict(extra="allow")

    repository: str
    workflow: str | None = None
    ref: str | None = None
    sha: str | None = None
    run_id: int | str | None = None
    run_attempt: int | str | None = None
    event_name: str | None = None
    head_ref: str | None = None
    base_ref: str | None = None
    actor: str | None = None

    def overrides(self) -> dict[str, Any]:
        values = self.model_dump(exclude_none=True)
        values.pop("repository")
        return values


class TokenIn(ClaimsIn):
    audience: str = "loopwatch"
    issuer: str | None = None  # default: this sandbox's issuer URL
    expired: bool = False
    signed_by_other_key: bool = False  # same kid, another key: a forgery


@router.post("/request-tokens", status_code=201)
async def register_job(request: Request, body: ClaimsIn) -> dict[str, Any]:
    state = sandbox(request)
    repo = _repo(state, body.repository)
    claims = github_claims(state, repo, **body.overrides())
    request_token = REQUEST_TOKEN_PREFIX + secrets.token_urlsafe(24)
    issuer_of(request).jobs[request_token] = claims
    return {
        "request_url": f"{issuer_url(state)}/token?api-version=2.0",
        "request_token": request_token,
        "claims": claims,
    }


@router.post("/tokens", status_code=201)
async def mint_token(request: Request, body: TokenIn) -> dict[str, Any]:
    state = sandbox(request)
    issuer = issuer_of(request)
    overrides = {
        key: value
        for key, value in body.overrides().items()
        if key not in ("audience", "issuer", "expired", "signed_by_other_key")
    }
    claims = github_claims(state, _repo(state, body.repository), **overrides)
    key = None
    if body.signed_by_other_key:
        real = issuer.signing_key()
        forged = SigningKey.generate()
        key = SigningKey(kid=real.kid, private_pem=forged.private_pem, public=forged.public)
    token = mint(
        issuer,
        claims,
        iss=body.issuer or issuer_url(state),
        audience=body.audience,
        expired=body.expired,
        key=key,
    )
    return {"token": token, "claims": claims}


@router.post("/rotate-key", status_code=201)
async def rotate_key(request: Request) -> dict[str, Any]:
    """A new signing key; the old one stays published (as GitHub does during a rotation)."""
    issuer = issuer_of(request)
    issuer.signing_key()
    issuer.keys.append(SigningKey.generate())
    return {"kid": issuer.keys[-1].kid, "kids": [key.kid for key in issuer.keys]}


@router.get("")
async def issuer_status(request: Request) -> dict[str, Any]:
    issuer = issuer_of(request)
    return {
        "issuer": issuer_url(sandbox(request)),
        "kids": [key.kid for key in issuer.keys],
        "jobs": len(issuer.jobs),
        "jwks_fetches": issuer.jwks_fetches,
        "tokens_issued": issuer.tokens_issued,
    }
