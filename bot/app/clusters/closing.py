"""Which commit or pull request closed a failure issue.

The ``issues`` ``closed`` webhook does not say; the issue's events do: the ``closed`` event
carries ``commit_id`` when a commit or a merged pull request ("Fixes #140") closed it, and
``GET /repos/{o}/{r}/commits/{sha}/pulls`` names the pull request merged as that commit.
The picking is pure; :func:`fetch_closing` does the two reads (raw JSON: githubkit's
issue-event union has no model for ``closed`` events).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from githubkit import GitHub
from githubkit.exception import GitHubException

from bot.adapters.github.errors import classify
from bot.adapters.logs import get_logger

log = get_logger(__name__)
EVENTS_PER_PAGE = 100
MAX_EVENT_PAGES = 10


@dataclass(frozen=True, slots=True)
class Closing:
    """What closed the issue, as far as GitHub says."""

    commit_sha: str | None = None
    pull_request: int | None = None


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def closing_commit(events: Sequence[Mapping[str, Any]], closed_at: datetime | None) -> str | None:
    """The ``commit_id`` of the ``closed`` event at ``closed_at`` (else of the latest one)."""
    closed = [e for e in events if e.get("event") == "closed"]
    if not closed:
        return None
    at_time = [e for e in closed if _timestamp(e.get("created_at")) == closed_at]
    chosen = (at_time or closed)[-1]
    commit = chosen.get("commit_id")
    return commit if isinstance(commit, str) and commit else None


def merged_pull_request(pulls: Sequence[Mapping[str, Any]]) -> int | None:
    """The number of the merged pull request among a commit's pull requests, if any."""
    for pull in pulls:
        number = pull.get("number")
        if pull.get("merged_at") and isinstance(number, int):
            return number
    return None


async def _issue_events(
    gh: GitHub[Any], owner: str, repo: str, number: int
) -> list[Mapping[str, Any]]:
    events: list[Mapping[str, Any]] = []
    for page in range(1, MAX_EVENT_PAGES + 1):
        response = await gh.rest.issues.async_list_events(
            owner, repo, number, per_page=EVENTS_PER_PAGE, page=page
        )
        batch: Any = response.json()
        if not isinstance(batch, list):
            break
        events += [e for e in batch if isinstance(e, dict)]
        if len(batch) < EVENTS_PER_PAGE:
            break
    return events


async def fetch_closing(
    gh: GitHub[Any], owner: str, repo: str, number: int, closed_at: datetime | None
) -> Closing | None:
    """The commit (and merged PR) that closed issue ``number``; ``None`` when GitHub could
    not be asked (logged: the close itself is recorded without them)."""
    try:
        commit = closing_commit(await _issue_events(gh, owner, repo, number), closed_at)
        if commit is None:
            return Closing()
        response = await gh.rest.repos.async_list_pull_requests_associated_with_commit(
            owner, repo, commit
        )
        pulls: Any = response.json()
        return Closing(commit, merged_pull_request(pulls if isinstance(pulls, list) else []))
    except (GitHubException, httpx.HTTPError) as exc:
        log.warning(
            "closing_commit_unknown",
            repository=f"{owner}/{repo}",
            issue=number,
            error=str(classify(exc) or exc),
        )
        return None
