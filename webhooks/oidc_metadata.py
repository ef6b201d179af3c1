"""An OIDC upload's metadata: what GitHub signed wins over what the client sent."""

from __future__ import annotations

import re
from typing import Any

from bot.adapters.oidc import GitHubOidcClaims
from webhooks.run_metadata import RunMetadata

PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})
_PULL_REF = re.compile(r"^refs/pull/(\d+)/(?:merge|head)$")
_BRANCH_PREFIX = "refs/heads/"


def metadata_with_claims(metadata: RunMetadata, claims: GitHubOidcClaims) -> RunMetadata:
    """``metadata`` with the workflow, run, branch, pull request and commit of the token.

    On a pull request event the token's ``sha`` is the temporary merge commit, so the
    client's commit (the PR's head, read from the event payload) is kept when it sent one,
    and the branch is the PR's head branch. Claims GitHub leaves empty change nothing.
    """
    updates: dict[str, Any] = {}
    if claims.workflow:
        updates["workflow"] = claims.workflow
    if claims.run_id:
        updates["workflow_run_id"] = claims.run_id
    if claims.run_attempt:
        updates["run_attempt"] = claims.run_attempt
    ref = claims.ref or ""
    on_pull_request = claims.event_name in PULL_REQUEST_EVENTS
    pull = _PULL_REF.match(ref)
    if pull is not None:
        updates["pull_request"] = int(pull.group(1))
    if on_pull_request and claims.head_ref:
        updates["branch"] = claims.head_ref
    elif ref.startswith(_BRANCH_PREFIX):
        updates["branch"] = ref.removeprefix(_BRANCH_PREFIX)
    if claims.sha and not (on_pull_request and metadata.commit_sha):
        updates["commit_sha"] = claims.sha.lower()
    return metadata.model_copy(update=updates)
