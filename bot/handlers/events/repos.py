"""Keeping Installation and Repository rows in step with what webhooks say."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.adapters.store.models import Installation, Repository, utcnow

T = TypeVar("T")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_timestamp(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    return None


def _add_unless_raced(session: Session, row: T, find: Callable[[], T | None]) -> T:
    """Insert ``row`` in a savepoint; if a concurrent job inserted it first, use theirs."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = find()
        if existing is None:
            raise
        return existing
    return row


def upsert_installation(session: Session, payload: dict[str, Any]) -> Installation | None:
    """The Installation row for ``payload["installation"]`` (created if new)."""
    data = payload.get("installation")
    if not isinstance(data, dict) or _int(data.get("id")) is None:
        return None
    installation_id = int(data["id"])
    account = data.get("account")
    login = _str(account.get("login")) if isinstance(account, dict) else None
    repository = payload.get("repository")
    if login is None and isinstance(repository, dict):
        owner = repository.get("owner")
        login = _str(owner.get("login")) if isinstance(owner, dict) else None
    row = session.get(Installation, installation_id)
    if row is None:
        row = _add_unless_raced(
            session,
            Installation(id=installation_id, account_login=login or ""),
            lambda: session.get(Installation, installation_id),
        )
    if login and row.account_login != login:
        row.account_login = login
    return row


def upsert_repository(
    session: Session, data: dict[str, Any], installation_id: int | None
) -> Repository | None:
    """The Repository row for a webhook repository object, found by GitHub id, then name."""
    full_name = _str(data.get("full_name"))
    if full_name is None:
        return None
    name = full_name.lower()
    github_id = _int(data.get("id"))
    repo = None
    if github_id is not None:
        repo = session.scalar(select(Repository).where(Repository.github_id == github_id))
    by_name = session.scalar(select(Repository).where(Repository.full_name == name))
    if repo is None:
        repo = by_name
    if repo is None:
        repo = _add_unless_raced(
            session,
            Repository(full_name=name),
            lambda: session.scalar(select(Repository).where(Repository.full_name == name)),
        )
    elif repo.full_name != name and by_name is None:
        repo.full_name = name  # renamed on GitHub: keep the row (and its runs)
    if github_id is not None and repo.github_id is None:
        repo.github_id = github_id
    if installation_id is not None:
        repo.installation_id = installation_id
    repo.removed_at = None
    default_branch = _str(data.get("default_branch"))
    if default_branch:
        repo.default_branch = default_branch
    session.flush()
    return repo


def mark_repository_removed(session: Session, data: dict[str, Any]) -> Repository | None:
    full_name = _str(data.get("full_name"))
    github_id = _int(data.get("id"))
    repo = None
    if github_id is not None:
        repo = session.scalar(select(Repository).where(Repository.github_id == github_id))
    if repo is None and full_name is not None:
        repo = session.scalar(select(Repository).where(Repository.full_name == full_name.lower()))
    if repo is not None and repo.removed_at is None:
        repo.removed_at = utcnow()
    return repo


def remember_repository(session: Session, payload: dict[str, Any]) -> Repository | None:
    """Record which installation serves the payload's repository (any event carrying both)."""
    data = payload.get("repository")
    if not isinstance(data, dict):
        return None
    installation = upsert_installation(session, payload)
    return upsert_repository(session, data, installation.id if installation else None)
