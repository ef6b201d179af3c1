"""Recording the desired GitHub state (issue rows and comments to post) in the database.

The worker calls these inside the transaction that stores a run; ``sync.py`` later makes
GitHub match. An unchanged desired issue keeps its hash, so the sync makes no call.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.store.models import GitHubComment, GitHubIssue

DEFAULT_LABEL_COLOR = "ededed"
ISSUE_STATES = ("open", "closed")


@dataclass(frozen=True)
class LabelSpec:
    """A label the bot puts on issues, created with this colour if the repo lacks it."""

    name: str
    color: str = DEFAULT_LABEL_COLOR
    description: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "color": self.color, "description": self.description}


def parse_label(value: str | Mapping[str, Any] | LabelSpec) -> LabelSpec:
    """A label from a stored row: a bare name, or ``{"name", "color", "description"}``."""
    if isinstance(value, LabelSpec):
        return value
    if isinstance(value, str):
        return LabelSpec(value)
    color = str(value.get("color") or DEFAULT_LABEL_COLOR).removeprefix("#").lower()
    description = value.get("description")
    return LabelSpec(str(value["name"]), color, str(description) if description else None)


def parse_labels(values: Iterable[str | Mapping[str, Any] | LabelSpec]) -> list[LabelSpec]:
    """Labels without duplicates (GitHub compares label names case-insensitively)."""
    seen: set[str] = set()
    labels = []
    for value in values:
        label = parse_label(value)
        if label.name.lower() not in seen:
            seen.add(label.name.lower())
            labels.append(label)
    return labels


def issue_hash(title: str, section: str, labels: Sequence[LabelSpec], state: str) -> str:
    """The fingerprint of everything the bot sets on an issue."""
    document = [title, section, sorted(label.name for label in labels), state]
    return hashlib.sha256(json.dumps(document, ensure_ascii=False).encode()).hexdigest()


def set_desired_issue(
    session: Session,
    repository_id: int,
    key: str,
    *,
    title: str,
    section: str,
    labels: Iterable[str | Mapping[str, Any] | LabelSpec] = (),
    state: str = "open",
) -> GitHubIssue:
    """Create or update the desired state of the issue ``key`` (no change → same hash)."""
    if state not in ISSUE_STATES:
        raise ValueError(f"issue state must be open or closed, not {state!r}")
    specs = parse_labels(labels)
    desired = issue_hash(title, section, specs, state)
    row = session.scalar(
        select(GitHubIssue).where(
            GitHubIssue.repository_id == repository_id, GitHubIssue.key == key
        )
    )
    if row is None:
        row = GitHubIssue(repository_id=repository_id, key=key, unlabels=[])
        session.add(row)
    elif row.desired_hash == desired:
        return row
    else:
        row.unlabels = taken_back_labels(row.labels or [], row.unlabels or [], specs)
    row.title = title
    row.body = section
    row.labels = [label.as_json() for label in specs]
    row.state = state
    row.desired_hash = desired
    session.flush()
    return row


def taken_back_labels(
    before: Iterable[str | Mapping[str, Any] | LabelSpec],
    taken_back: Iterable[str],
    now: Sequence[LabelSpec],
) -> list[str]:
    """The labels the bot wanted on an issue once and wants no more (the sync removes
    them): those taken back before or dropped now, minus those wanted again."""
    wanted = {label.name.lower() for label in now}
    names: dict[str, str] = {}
    for name in [*taken_back, *(label.name for label in parse_labels(before))]:
        if name.lower() not in wanted:
            names.setdefault(name.lower(), name)
    return sorted(names.values(), key=str.lower)


def add_comment(
    session: Session,
    repository_id: int,
    key: str,
    body: str,
    *,
    issue_key: str | None = None,
    issue_number: int | None = None,
) -> GitHubComment:
    """Queue a comment to post exactly once; the same ``key`` again changes nothing."""
    if (issue_key is None) == (issue_number is None):
        raise ValueError("a comment needs exactly one of issue_key or issue_number")
    row = session.scalar(
        select(GitHubComment).where(
            GitHubComment.repository_id == repository_id, GitHubComment.key == key
        )
    )
    if row is None:
        row = GitHubComment(
            repository_id=repository_id,
            key=key,
            body=body,
            issue_key=issue_key,
            issue_number=issue_number,
        )
        session.add(row)
        session.flush()
    return row
