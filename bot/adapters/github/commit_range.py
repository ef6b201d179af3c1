"""The commit range between the last green run and the failing one, from GitHub's compare
API (``GET /repos/{o}/{r}/compare/{base}...{head}``, one call, parsed by githubkit).

Rate limits and transient failures are raised for the job to retry; an answer GitHub
refuses for good (an unknown or force-pushed commit: 404, 422) comes back as a range with
``error`` set, so the draft can say so instead of guessing.
"""

from __future__ import annotations

from typing import Any

import httpx
from githubkit import GitHub
from githubkit.exception import GitHubException
from githubkit_schemas.latest.models import CommitComparison

from bot.adapters.github.errors import GitHubPermanentError, classify
from bot.core.evidence.facts import ChangedFile, Commit, CommitRange

PER_PAGE = 100


def _author(commit: Any) -> str | None:
    login = getattr(commit.author, "login", None) if commit.author else None
    if isinstance(login, str) and login:
        return login
    name = getattr(commit.commit.author, "name", None) if commit.commit.author else None
    return name if isinstance(name, str) and name else None


def commit_range_of(base: str, head: str, comparison: CommitComparison) -> CommitRange:
    commits = [
        Commit(
            sha=c.sha,
            title=(c.commit.message or "").strip().splitlines()[0][:300]
            if (c.commit.message or "").strip()
            else "(no message)",
            author=_author(c),
            url=c.html_url,
        )
        for c in comparison.commits
    ]
    files = [
        ChangedFile(
            path=f.filename,
            status=str(f.status),
            additions=f.additions,
            deletions=f.deletions,
        )
        for f in (comparison.files or [])
    ]
    return CommitRange(
        base_sha=base,
        head_sha=head,
        commits=commits,
        files=files,
        total_commits=comparison.total_commits,
        url=comparison.html_url,
    )


async def fetch_commit_range(gh: GitHub[Any], full_name: str, base: str, head: str) -> CommitRange:
    owner, _, repo = full_name.partition("/")
    try:
        response = await gh.rest.repos.async_compare_commits(
            owner, repo, f"{base}...{head}", per_page=PER_PAGE
        )
        return commit_range_of(base, head, response.parsed_data)
    except (GitHubException, httpx.HTTPError) as exc:
        error = classify(exc)
        if isinstance(error, GitHubPermanentError):
            reason = f"GitHub answered {error.status}" if error.status else str(error)
            return CommitRange(base_sha=base, head_sha=head, error=reason)
        if error is not None:
            raise error from exc
        raise
