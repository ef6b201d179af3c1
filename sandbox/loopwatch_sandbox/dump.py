"""The whole sandbox state as one JSON document (``GET /_sandbox/state``, ``--dump-state``)."""

from __future__ import annotations

from typing import Any

from loopwatch_sandbox.objects import iso
from loopwatch_sandbox.state import CheckRun, Comment, Issue, Reaction, Repo, SandboxState


def _reactions(reactions: list[Reaction]) -> list[str]:
    return [r.content for r in reactions]


def _comment(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "user": comment.user.login,
        "body": comment.body,
        "created_at": iso(comment.created_at),
        "updated_at": iso(comment.updated_at),
        "reactions": _reactions(comment.reactions),
    }


def _issue(root: str, repo: Repo, issue: Issue) -> dict[str, Any]:
    return {
        "number": issue.number,
        "title": issue.title,
        "body": issue.body,
        "state": issue.state,
        "state_reason": issue.state_reason,
        "labels": [repo.labels[i].name for i in issue.label_ids if i in repo.labels],
        "assignees": [u.login for u in issue.assignees],
        "user": issue.user.login,
        "html_url": f"{root}/{repo.full_name}/issues/{issue.number}",
        "created_at": iso(issue.created_at),
        "updated_at": iso(issue.updated_at),
        "comments": [_comment(c) for c in repo.comments_of(issue.number)],
        "reactions": _reactions(issue.reactions),
    }


def _check_run(run: CheckRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "name": run.name,
        "head_sha": run.head_sha,
        "status": run.status,
        "conclusion": run.conclusion,
        "external_id": run.external_id,
        "output": dict(run.output),
        "annotations": list(run.annotations),
    }


def snapshot(state: SandboxState) -> dict[str, Any]:
    root = state.config.root
    repos = []
    for repo in state.repos.values():
        ordered = sorted(repo.issues.values(), key=lambda i: i.number)
        issues = [_issue(root, repo, i) for i in ordered]
        repos.append(
            {
                "full_name": repo.full_name,
                "default_branch": repo.default_branch,
                "installation_id": repo.installation_id,
                "issues": issues,
                "check_runs": [_check_run(r) for r in repo.check_runs.values()],
                "labels": [
                    {"name": lb.name, "color": lb.color, "description": lb.description}
                    for lb in repo.labels.values()
                ],
                "collaborators": dict(repo.collaborators),
                "workflow_runs": [
                    {"id": r.id, "run_attempt": r.run_attempt, "rerun_requests": r.rerun_requests}
                    for r in repo.workflow_runs.values()
                ],
            }
        )
    return {"repos": repos}
