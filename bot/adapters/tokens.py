"""Per-repository upload tokens: shown once, stored as a SHA-256 hash only.

A token looks like ``lw_<43 url-safe characters>`` (32 random bytes). The database keeps
its SHA-256 hex digest (lookup key) and a short prefix so a person can tell tokens apart
in ``loopwatch token list`` without the secret being recoverable.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.store.models import Repository, UploadToken, utcnow

TOKEN_PREFIX = "lw_"  # noqa: S105 (a public prefix, not a secret)
_LISTED_PREFIX_LENGTH = 10  # "lw_" + 7 characters: enough to tell tokens apart
_MAX_TOKEN_LENGTH = 200

# GitHub: owner = letters, digits, hyphens (<= 39); repository = letters, digits, . _ - (<= 100).
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_NAME = r"[A-Za-z0-9._-]{1,100}"
_FULL_NAME = re.compile(rf"^({_OWNER})/({_NAME})$")


class InvalidRepositoryName(ValueError):
    """A repository name that is not ``owner/name``."""


def normalize_repo_full_name(full_name: str) -> str:
    """``Owner/Name`` → ``owner/name`` (GitHub names are case-insensitive); ValueError if bad."""
    candidate = full_name.strip()
    match = _FULL_NAME.match(candidate)
    if match is None or match.group(2) in (".", ".."):
        raise InvalidRepositoryName(
            f"{full_name!r} is not a repository name of the form owner/name "
            "(letters, digits, '-', and for the name also '.' and '_')"
        )
    return candidate.lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def get_or_create_repository(session: Session, full_name: str) -> Repository:
    """The Repository row for ``owner/name`` (created, without GitHub id, if unknown)."""
    name = normalize_repo_full_name(full_name)
    repo = session.scalar(select(Repository).where(Repository.full_name == name))
    if repo is None:
        repo = Repository(full_name=name)
        session.add(repo)
        session.flush()
    return repo


def create_upload_token(
    session: Session, repo_full_name: str, description: str | None = None
) -> str:
    """Create a token for one repository and return it; only its hash is stored."""
    repo = get_or_create_repository(session, repo_full_name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        UploadToken(
            repository_id=repo.id,
            token_hash=hash_token(token),
            prefix=token[:_LISTED_PREFIX_LENGTH],
            description=description[:255] if description else None,
        )
    )
    session.flush()
    return token


def authenticate_upload_token(session: Session, token: str) -> UploadToken | None:
    """The live token row for ``token``, or None (unknown, malformed or revoked).

    The lookup is by SHA-256 digest, so response time does not depend on how much of a
    guessed token matches; the final digest comparison is constant-time as well.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(token)
    row = session.scalar(select(UploadToken).where(UploadToken.token_hash == digest))
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    if row.revoked_at is not None:
        return None
    return row


@dataclass(frozen=True)
class UploadTokenInfo:
    """What ``loopwatch token list`` shows: never the token itself."""

    id: int
    repository: str
    prefix: str
    description: str | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def __str__(self) -> str:
        state = "active" if self.revoked_at is None else f"revoked {self.revoked_at:%Y-%m-%d}"
        note = f"  {self.description}" if self.description else ""
        return (
            f"{self.id:>4}  {self.prefix}…  {self.repository}  "
            f"created {self.created_at:%Y-%m-%d}  {state}{note}"
        )


def list_upload_tokens(
    session: Session, repo_full_name: str | None = None, *, include_revoked: bool = True
) -> list[UploadTokenInfo]:
    query = select(UploadToken, Repository.full_name).join(
        Repository, Repository.id == UploadToken.repository_id
    )
    if repo_full_name is not None:
        query = query.where(Repository.full_name == normalize_repo_full_name(repo_full_name))
    if not include_revoked:
        query = query.where(UploadToken.revoked_at.is_(None))
    rows = session.execute(query.order_by(UploadToken.id)).all()
    return [
        UploadTokenInfo(
            id=token.id,
            repository=full_name,
            prefix=token.prefix,
            description=token.description,
            created_at=token.created_at,
            revoked_at=token.revoked_at,
        )
        for token, full_name in rows
    ]


class AmbiguousTokenPrefix(ValueError):
    """A prefix that matches more than one token."""


def revoke_upload_token(session: Session, token_ref: int | str) -> UploadTokenInfo | None:
    """Revoke by id (int or digits), listed prefix or full token; None when nothing matches.

    Revoking an already revoked token keeps its first revocation time.
    """
    if isinstance(token_ref, str) and token_ref.isdigit():
        token_ref = int(token_ref)
    if isinstance(token_ref, int):
        candidates = [session.get(UploadToken, token_ref)]
    elif token_ref.startswith(TOKEN_PREFIX) and len(token_ref) > _LISTED_PREFIX_LENGTH:
        digest = hash_token(token_ref)
        candidates = [session.scalar(select(UploadToken).where(UploadToken.token_hash == digest))]
    else:
        candidates = list(
            session.scalars(select(UploadToken).where(UploadToken.prefix == token_ref))
        )
    found = [c for c in candidates if c is not None]
    if not found:
        return None
    if len(found) > 1:
        raise AmbiguousTokenPrefix(
            f"{len(found)} tokens start with {token_ref!r}; revoke by id instead"
        )
    token = found[0]
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    repo = session.get(Repository, token.repository_id)
    return UploadTokenInfo(
        id=token.id,
        repository=repo.full_name if repo else "?",
        prefix=token.prefix,
        description=token.description,
        created_at=token.created_at,
        revoked_at=token.revoked_at,
    )
