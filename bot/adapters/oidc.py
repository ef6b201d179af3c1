"""GitHub Actions OIDC tokens: verify one against the issuer's published keys.

A workflow with ``permissions: id-token: write`` can ask GitHub for a short-lived JWT
naming its repository, workflow and run. Loopwatch accepts it in place of an upload token:
the signature (RS256, a key from the issuer's JWKS), issuer, audience and lifetime are
checked here; which repository it may write to is the caller's business.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.adapters.logs import get_logger
from bot.adapters.settings import Settings

log = get_logger(__name__)

ALGORITHM = "RS256"
JWKS_PATH = "/.well-known/jwks"
UNKNOWN_KID_REFETCH_S = 30.0  # a token with an unknown key refetches the JWKS at most this often
JWKS_TIMEOUT = httpx.Timeout(10.0)

TransportSource = Callable[[], httpx.AsyncBaseTransport | None]


class OidcError(Exception):
    """Why an OIDC token was refused: 401 (the token) or 503 (the issuer's keys)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class OidcSettings:
    issuer: str = "https://token.actions.githubusercontent.com"
    audience: str = "loopwatch"
    jwks_ttl_s: float = 3600.0
    leeway_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcSettings:
        return cls(
            issuer=settings.oidc_issuer.rstrip("/"),
            audience=settings.oidc_audience,
            jwks_ttl_s=settings.oidc_jwks_ttl_s,
            leeway_s=settings.oidc_leeway_s,
        )


class GitHubOidcClaims(BaseModel):
    """The claims Loopwatch uses from a GitHub Actions OIDC token (others are ignored).

    GitHub sends ids and numbers as strings; they are parsed to ints here. ``head_ref`` and
    ``base_ref`` are empty strings outside pull requests.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    repository: str
    repository_id: int
    repository_owner: str | None = None
    sub: str | None = None
    workflow: str | None = None
    workflow_ref: str | None = None
    job_workflow_ref: str | None = None
    ref: str | None = None
    sha: str | None = None
    run_id: int | None = None
    run_attempt: int | None = None
    event_name: str | None = None
    head_ref: str | None = None
    base_ref: str | None = None
    actor: str | None = None


def looks_like_jwt(token: str) -> bool:
    """Three dot-separated parts, the signature possibly empty (``alg: none``, refused
    later with a clear message); an upload token ``lw_…`` has no dot."""
    parts = token.split(".")
    return len(parts) == 3 and bool(parts[0]) and bool(parts[1])


class JwksCache:
    """The issuer's signing keys, fetched with httpx and kept for ``ttl_s``.

    A token naming a key the cache does not hold (GitHub rotated its keys) refetches the
    set, at most once per ``UNKNOWN_KID_REFETCH_S``, so forged ``kid`` values cannot make
    Loopwatch hammer the issuer. ``transport`` may be a callable, read at each fetch: the
    web app's transport can then be set after the app is created (tests).
    """

    def __init__(
        self,
        issuer: str,
        ttl_s: float = 3600.0,
        *,
        transport: httpx.AsyncBaseTransport | TransportSource | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jwks_url = issuer.rstrip("/") + JWKS_PATH
        self.ttl_s = ttl_s
        self._transport = transport
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._unknown_kid_fetch_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0

    def _current_transport(self) -> httpx.AsyncBaseTransport | None:
        if isinstance(self._transport, httpx.AsyncBaseTransport) or self._transport is None:
            return self._transport
        return self._transport()

    def _since(self, moment: float | None) -> float:
        return float("inf") if moment is None else self._clock() - moment

    async def key(self, kid: str) -> jwt.PyJWK:
        """The public key ``kid``; OidcError 401 if the issuer has none, 503 if unreachable."""
        async with self._lock:
            if self._since(self._fetched_at) >= self.ttl_s:
                await self._refresh(fallback_ok=kid in self._keys)
            elif kid not in self._keys and (
                self._since(self._unknown_kid_fetch_at) >= UNKNOWN_KID_REFETCH_S
            ):
                self._unknown_kid_fetch_at = self._clock()
                await self._refresh(fallback_ok=False)
            found = self._keys.get(kid)
        if found is None:
            raise OidcError(
                401,
                f"the OIDC token is signed with key {kid[:64]!r}, which the issuer does not "
                "publish; request a new token in the job",
            )
        return found

    async def _refresh(self, fallback_ok: bool) -> None:
        try:
            keys = await self._fetch()
        except OidcError:
            if not fallback_ok:
                raise
            log.warning("oidc jwks refresh failed; keeping the cached keys", url=self.jwks_url)
            return
        self._keys = keys
        self._fetched_at = self._clock()

    async def _fetch(self) -> dict[str, jwt.PyJWK]:
        self.fetches += 1
        unreachable = f"could not fetch the OIDC issuer's keys from {self.jwks_url}"
        try:
            async with httpx.AsyncClient(
                transport=self._current_transport(), timeout=JWKS_TIMEOUT
            ) as client:
                response = await client.get(self.jwks_url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise OidcError(503, f"{unreachable} ({exc!r}); try again shortly") from exc
        if response.status_code != 200:
            raise OidcError(503, f"{unreachable} (HTTP {response.status_code}); try again shortly")
        try:
            key_set = jwt.PyJWKSet.from_dict(response.json())
        except (ValueError, jwt.PyJWTError) as exc:
            raise OidcError(503, f"{unreachable}: the answer is not a usable JWKS") from exc
        return {key.key_id: key for key in key_set.keys if key.key_id}


def _when(timestamp: object) -> str:
    if not isinstance(timestamp, int | float):
        return "an unknown time"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class OidcVerifier:
    """``verify(token)``: the token's claims, or OidcError saying what is wrong with it."""

    def __init__(self, settings: OidcSettings, jwks: JwksCache) -> None:
        self.settings = settings
        self.jwks = jwks

    async def verify(self, token: str) -> GitHubOidcClaims:
        header, unverified = _peek(token)
        if header.get("alg") != ALGORITHM:
            raise OidcError(
                401, f"the OIDC token must be signed with {ALGORITHM}, not {header.get('alg')!r}"
            )
        issuer = unverified.get("iss")
        if issuer != self.settings.issuer:
            raise OidcError(
                401,
                f"the OIDC token was issued by {str(issuer)[:200]!r}, not "
                f"{self.settings.issuer!r}; send a token from GitHub Actions",
            )
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise OidcError(401, "the OIDC token's header names no signing key ('kid')")
        key = await self.jwks.key(kid)
        payload = self._decode(token, key, unverified)
        try:
            return GitHubOidcClaims.model_validate(payload)
        except ValidationError as exc:
            fields = sorted({str(error["loc"][0]) for error in exc.errors() if error["loc"]})
            raise OidcError(
                401, f"the OIDC token lacks usable claims: {', '.join(fields)}"
            ) from exc

    def _decode(self, token: str, key: jwt.PyJWK, unverified: dict[str, Any]) -> dict[str, Any]:
        audience = self.settings.audience
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_s,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise OidcError(
                401,
                f"the OIDC token expired at {_when(unverified.get('exp'))}; "
                "request a new one in the job",
            ) from exc
        except jwt.ImmatureSignatureError as exc:
            raise OidcError(
                401, "the OIDC token is not valid yet (iat/nbf in the future); check clocks"
            ) from exc
        except jwt.InvalidAudienceError as exc:
            raise OidcError(
                401,
                f"the OIDC token is for audience {unverified.get('aud')!r}, not {audience!r}; "
                f"request it with audience {audience!r} (the action's 'audience' input, "
                "or `loopwatch upload --audience`)",
            ) from exc
        except jwt.InvalidSignatureError as exc:
            raise OidcError(
                401, "the OIDC token's signature does not verify with the issuer's keys"
            ) from exc
        except jwt.MissingRequiredClaimError as exc:
            raise OidcError(401, f"the OIDC token lacks the {exc.claim!r} claim") from exc
        except jwt.PyJWTError as exc:
            raise OidcError(401, f"the OIDC token is invalid: {exc}") from exc
        return payload


def _peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims before verification: only used to refuse early or explain."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise OidcError(401, f"the OIDC token is malformed: {exc}") from exc
    return header, claims


def build_verifier(
    settings: Settings, transport: httpx.AsyncBaseTransport | TransportSource | None = None
) -> OidcVerifier:
    oidc = OidcSettings.from_settings(settings)
    return OidcVerifier(oidc, JwksCache(oidc.issuer, oidc.jwks_ttl_s, transport=transport))
