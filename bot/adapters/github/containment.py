"""Does a build contain a fix? One call to GitHub's compare API,
``GET /repos/{o}/{r}/compare/{fix}...{build}``, parsed by githubkit; its ``status`` says.

Rate limits and transient failures are raised for the job to retry (see ``errors.py``);
a permanent refusal (404/422: an unknown or force-pushed commit, no common history)
comes back as ``None``, which the caller treats as unknown.
"""

from __future__ import annotations

from typing import Any

import httpx
from githubkit import GitHub
from githubkit.exception import GitHubException

from bot.adapters.github.errors import GitHubPermanentError, classify
from bot.adapters.logs import get_logger

log = get_logger(__name__)


async def fetch_compare_status(gh: GitHub[Any], full_name: str, fix: str, build: str) -> str | None:
    """``identical``/``ahead``/``behind``/``diverged`` of ``build`` against ``fix``, or
    ``None`` when GitHub refuses the comparison for good."""
    owner, _, repo = full_name.partition("/")
    try:
        response = await gh.rest.repos.async_compare_commits(
            owner, repo, f"{fix}...{build}", per_page=1
        )
    except (GitHubException, httpx.HTTPError) as exc:
        error = classify(exc)
        if isinstance(error, GitHubPermanentError):
            log.info("github.compare_refused", repository=full_name, fix=fix, error=str(error))
            return None
        if error is not None:
            raise error from exc
        raise
    return str(response.parsed_data.status)
