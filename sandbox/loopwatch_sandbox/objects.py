"""GitHub REST objects as JSON, complete enough to parse with githubkit's strict models."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from loopwatch_sandbox.state import (
    Artifact,
    CheckRun,
    Comment,
    Commit,
    Installation,
    Issue,
    Label,
    PullRequest,
    Reaction,
    Repo,
    Review,
    SandboxState,
    User,
    WorkflowRun,
    utcnow,
)

REACTION_CONTENTS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


def iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


def node_id(prefix: str, number: int) -> str:
    return f"{prefix}_" + base64.b64encode(f"{prefix}:{number}".encode()).decode().rstrip("=")


def git_blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


class Objects:
    """Builds API objects with URLs rooted at the sandbox's public base URL."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.root = state.config.root

    # users -------------------------------------------------------------------
    def user(self, user: User) -> dict[str, Any]:
        api = f"{self.root}/users/{user.login}"
        return {
            "login": user.login,
            "id": user.id,
            "node_id": node_id("U", user.id),
            "avatar_url": f"{self.root}/_sandbox/avatars/{user.id}",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{self.root}/{user.login}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": user.type,
            "user_view_type": "public",
            "site_admin": False,
        }

    # repositories ------------------------------------------------------------
    def repo(self, repo: Repo) -> dict[str, Any]:
        api = f"{self.root}/repos/{repo.full_name}"
        html = f"{self.root}/{repo.full_name}"
        created = iso(repo.created_at)
        urls = {
            f"{name}_url": f"{api}/{path}"
            for name, path in {
                "archive": "{archive_format}{/ref}",
                "assignees": "assignees{/user}",
                "blobs": "git/blobs{/sha}",
                "branches": "branches{/branch}",
                "collaborators": "collaborators{/collaborator}",
                "comments": "comments{/number}",
                "commits": "commits{/sha}",
                "compare": "compare/{base}...{head}",
                "contents": "contents/{+path}",
                "contributors": "contributors",
                "deployments": "deployments",
                "downloads": "downloads",
                "events": "events",
                "forks": "forks",
                "git_commits": "git/commits{/sha}",
                "git_refs": "git/refs{/sha}",
                "git_tags": "git/tags{/sha}",
                "issue_comment": "issues/comments{/number}",
                "issue_events": "issues/events{/number}",
                "issues": "issues{/number}",
                "keys": "keys{/key_id}",
                "labels": "labels{/name}",
                "languages": "languages",
                "merges": "merges",
                "milestones": "milestones{/number}",
                "notifications": "notifications{?since,all,participating}",
                "pulls": "pulls{/number}",
                "releases": "releases{/id}",
                "stargazers": "stargazers",
                "statuses": "statuses/{sha}",
                "subscribers": "subscribers",
                "subscription": "subscription",
                "tags": "tags",
                "teams": "teams",
                "trees": "git/trees{/sha}",
                "hooks": "hooks",
            }.items()
        }
        open_issues = sum(1 for i in repo.issues.values() if i.state == "open")
        return {
            "id": repo.id,
            "node_id": node_id("R", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": self.user(repo.owner),
            "private": repo.private,
            "html_url": html,
            "description": None,
            "fork": False,
            "url": api,
            **urls,
            "git_url": f"git://sandbox/{repo.full_name}.git",
            "ssh_url": f"git@sandbox:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "mirror_url": None,
            "homepage": None,
            "language": "Python",
            "forks_count": 0,
            "forks": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "watchers": 0,
            "size": 0,
            "default_branch": repo.default_branch,
            "open_issues_count": open_issues,
            "open_issues": open_issues,
            "is_template": False,
            "topics": [],
            "has_issues": True,
            "has_projects": False,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": False,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": "private" if repo.private else "public",
            "pushed_at": created,
            "created_at": created,
            "updated_at": created,
            "subscribers_count": 0,
            "network_count": 0,
            "license": None,
            "allow_forking": True,
            "web_commit_signoff_required": False,
        }

    # labels ------------------------------------------------------------------
    def label(self, repo: Repo, label: Label) -> dict[str, Any]:
        return {
            "id": label.id,
            "node_id": node_id("LA", label.id),
            "url": f"{self.root}/repos/{repo.full_name}/labels/{label.name}",
            "name": label.name,
            "description": label.description,
            "color": label.color,
            "default": False,
            "archived_at": None,
            "archived_by": None,
        }

    # reactions ---------------------------------------------------------------
    def reaction(self, reaction: Reaction) -> dict[str, Any]:
        return {
            "id": reaction.id,
            "node_id": node_id("REA", reaction.id),
            "user": self.user(reaction.user),
            "content": reaction.content,
            "created_at": iso(reaction.created_at),
        }

    def rollup(self, url: str, reactions: list[Reaction]) -> dict[str, Any]:
        counts = {c: sum(1 for r in reactions if r.content == c) for c in REACTION_CONTENTS}
        return {"url": url, "total_count": len(reactions), **counts}

    # issues and comments -----------------------------------------------------
    def issue(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        api = f"{self.root}/repos/{repo.full_name}/issues/{issue.number}"
        labels = [repo.labels[i] for i in issue.label_ids if i in repo.labels]
        return {
            "id": issue.id,
            "node_id": node_id("I", issue.id),
            "url": api,
            "repository_url": f"{self.root}/repos/{repo.full_name}",
            "labels_url": f"{api}/labels{{/name}}",
            "comments_url": f"{api}/comments",
            "events_url": f"{api}/events",
            "timeline_url": f"{api}/timeline",
            "html_url": f"{self.root}/{repo.full_name}/issues/{issue.number}",
            "number": issue.number,
            "title": issue.title,
            "user": self.user(issue.user),
            "labels": [self.label(repo, lb) for lb in labels],
            "state": issue.state,
            "state_reason": issue.state_reason,
            "locked": False,
            "assignee": self.user(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self.user(u) for u in issue.assignees],
            "milestone": None,
            "comments": len(repo.comments_of(issue.number)),
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "closed_by": self.user(issue.closed_by) if issue.closed_by else None,
            "author_association": self.association(repo, issue.user),
            "active_lock_reason": None,
            "body": issue.body,
            "reactions": self.rollup(f"{api}/reactions", issue.reactions),
            "performed_via_github_app": self.app() if issue.via_app else None,
            **self._issue_pull_link(repo, issue),
        }

    def _issue_pull_link(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        """The ``pull_request`` key an issue has when it is the issue side of a pull request."""
        pull = repo.pulls.get(issue.number)
        if not issue.is_pull_request or pull is None:
            return {}
        html = f"{self.root}/{repo.full_name}/pull/{pull.number}"
        return {
            "pull_request": {
                "url": f"{self.root}/repos/{repo.full_name}/pulls/{pull.number}",
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "merged_at": iso(pull.merged_at),
            }
        }

    def comment(self, repo: Repo, comment: Comment) -> dict[str, Any]:
        api = f"{self.root}/repos/{repo.full_name}/issues/comments/{comment.id}"
        html = f"{self.root}/{repo.full_name}/issues/{comment.issue_number}"
        return {
            "id": comment.id,
            "node_id": node_id("IC", comment.id),
            "url": api,
            "html_url": f"{html}#issuecomment-{comment.id}",
            "issue_url": f"{self.root}/repos/{repo.full_name}/issues/{comment.issue_number}",
            "body": comment.body,
            "user": self.user(comment.user),
            "created_at": iso(comment.created_at),
            "updated_at": iso(comment.updated_at),
            "author_association": self.association(repo, comment.user),
            "performed_via_github_app": self.app() if comment.via_app else None,
            "reactions": self.rollup(f"{api}/reactions", comment.reactions),
        }

    def association(self, repo: Repo, user: User) -> str:
        if user.login.lower() == repo.owner.login.lower():
            return "OWNER"
        return "COLLABORATOR" if user.login.lower() in repo.collaborators else "NONE"

    # pull requests -------------------------------------------------------------
    def pull_request(self, repo: Repo, pull: PullRequest) -> dict[str, Any]:
        """A full ``pull-request`` (``GET /repos/{o}/{r}/pulls/{n}``, ``pull_request`` events)."""
        name = repo.full_name
        api = f"{self.root}/repos/{name}/pulls/{pull.number}"
        html = f"{self.root}/{name}/pull/{pull.number}"
        issue_api = f"{self.root}/repos/{name}/issues/{pull.number}"
        head_sha = pull.head_sha or pull.merge_commit_sha
        statuses = f"{self.root}/repos/{name}/statuses/{head_sha}"
        issue = repo.issues.get(pull.number) if pull.has_issue else None
        label_ids = issue.label_ids if issue is not None else []
        labels = [repo.labels[i] for i in label_ids if i in repo.labels]
        links = {
            "self": api,
            "html": html,
            "issue": issue_api,
            "comments": f"{issue_api}/comments",
            "review_comments": f"{api}/comments",
            "review_comment": f"{self.root}/repos/{name}/pulls/comments{{/number}}",
            "commits": f"{api}/commits",
            "statuses": statuses,
        }
        merged = pull.merged_at is not None
        return {
            "url": api,
            "id": pull.id,
            "node_id": node_id("PR", pull.id),
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": issue_api,
            "commits_url": f"{api}/commits",
            "review_comments_url": f"{api}/comments",
            "review_comment_url": links["review_comment"],
            "comments_url": links["comments"],
            "statuses_url": statuses,
            "number": pull.number,
            "state": issue.state if issue is not None else pull.state,  # closing its issue
            "locked": False,
            "title": pull.title,
            "user": self.user(pull.user),
            "body": pull.body,
            "labels": [self.label(repo, lb) for lb in labels],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": iso(pull.created_at),
            "updated_at": iso(issue.updated_at if issue is not None else pull.created_at),
            "closed_at": iso(issue.closed_at if issue is not None else pull.merged_at),
            "merged_at": iso(pull.merged_at),
            "merge_commit_sha": pull.merge_commit_sha,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": self._pull_ref(repo, pull, head=True),
            "base": self._pull_ref(repo, pull, head=False),
            "_links": {key: {"href": href} for key, href in links.items()},
            "author_association": self.association(repo, pull.user),
            "auto_merge": None,
            "draft": False,
            "merged": merged,
            "mergeable": None if merged else True,
            "rebaseable": None if merged else True,
            "mergeable_state": "unknown" if merged else "clean",
            "merged_by": self.user(pull.user) if merged else None,
            "comments": len(repo.comments_of(pull.number)) if pull.has_issue else 0,
            "review_comments": 0,
            "maintainer_can_modify": pull.from_fork,
            "commits": 1,
            "additions": 1,
            "deletions": 1,
            "changed_files": 1,
        }

    def _pull_ref(self, repo: Repo, pull: PullRequest, head: bool) -> dict[str, Any]:
        """``head`` (the branch proposed, in a fork when ``from_fork``) or ``base``."""
        if not head:
            base_sha = repo.branches.get(pull.base_ref, pull.merge_commit_sha)
            return {
                "label": f"{repo.owner.login}:{pull.base_ref}",
                "ref": pull.base_ref,
                "sha": base_sha,
                "user": self.user(repo.owner),
                "repo": self.repo(repo),
            }
        ref = pull.head_ref or f"fix-{pull.number}"
        sha = pull.head_sha or pull.merge_commit_sha
        if not pull.from_fork:
            owner, head_repo = repo.owner, self.repo(repo)
        else:
            owner = pull.user
            fork = Repo(
                id=pull.fork_repo_id,
                owner=pull.user,
                name=repo.name,
                default_branch=repo.default_branch,
                installation_id=None,
                created_at=pull.created_at,
                private=repo.private,
            )
            head_repo = {**self.repo(fork), "fork": True}
        return {
            "label": f"{owner.login}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": self.user(owner),
            "repo": head_repo,
        }

    def review(self, repo: Repo, pull: PullRequest, review: Review) -> dict[str, Any]:
        """A pull-request review as the REST API answers it (``state`` in capitals)."""
        pull_api = f"{self.root}/repos/{repo.full_name}/pulls/{pull.number}"
        html = f"{self.root}/{repo.full_name}/pull/{pull.number}#pullrequestreview-{review.id}"
        return {
            "id": review.id,
            "node_id": node_id("PRR", review.id),
            "user": self.user(review.user),
            "body": review.body,
            "state": review.state,
            "html_url": html,
            "pull_request_url": pull_api,
            "_links": {"html": {"href": html}, "pull_request": {"href": pull_api}},
            "submitted_at": iso(review.submitted_at),
            "commit_id": review.commit_id,
            "author_association": self.association(repo, review.user),
        }

    # apps ----------------------------------------------------------------------
    def app(self) -> dict[str, Any]:
        config = self.state.config
        owner = self.state.app_owner
        return {
            "id": config.app_id,
            "slug": config.app_slug,
            "client_id": f"Iv1.sandbox{config.app_id}",
            "node_id": node_id("A", config.app_id),
            "owner": self.user(owner),
            "name": config.app_name,
            "description": "GitHub App served by the Loopwatch sandbox",
            "external_url": self.root,
            "html_url": f"{self.root}/apps/{config.app_slug}",
            "created_at": iso(self.state.created_at),
            "updated_at": iso(self.state.created_at),
            "permissions": dict(config.app_permissions),
            "events": list(config.app_events),
            "installations_count": len(self.state.installations),
        }

    def installation(self, installation: Installation) -> dict[str, Any]:
        account = installation.account
        return {
            "id": installation.id,
            "account": self.user(account),
            "repository_selection": "selected",
            "access_tokens_url": f"{self.root}/app/installations/{installation.id}/access_tokens",
            "repositories_url": f"{self.root}/installation/repositories",
            "html_url": f"{self.root}/settings/installations/{installation.id}",
            "app_id": self.state.config.app_id,
            "app_slug": self.state.config.app_slug,
            "client_id": f"Iv1.sandbox{self.state.config.app_id}",
            "target_id": account.id,
            "target_type": "Organization" if account.type == "Organization" else "User",
            "permissions": dict(installation.permissions),
            "events": list(installation.events),
            "created_at": iso(installation.created_at),
            "updated_at": iso(installation.created_at),
            "single_file_name": None,
            "has_multiple_single_files": False,
            "single_file_paths": [],
            "suspended_by": None,
            "suspended_at": None,
        }

    # check runs ----------------------------------------------------------------
    def check_run(self, repo: Repo, run: CheckRun) -> dict[str, Any]:
        api = f"{self.root}/repos/{repo.full_name}/check-runs/{run.id}"
        return {
            "id": run.id,
            "node_id": node_id("CR", run.id),
            "head_sha": run.head_sha,
            "external_id": run.external_id,
            "url": api,
            "html_url": f"{self.root}/{repo.full_name}/runs/{run.id}",
            "details_url": run.details_url,
            "status": run.status,
            "conclusion": run.conclusion,
            "started_at": iso(run.started_at),
            "completed_at": iso(run.completed_at),
            "output": {
                **run.output,
                "annotations_count": len(run.annotations),
                "annotations_url": f"{api}/annotations",
            },
            "name": run.name,
            "check_suite": {"id": run.check_suite_id},
            "app": self.app(),
            "pull_requests": [self.pull_request_minimal(repo, p) for p in _pulls_of(repo, run)],
        }

    def check_run_event(self, repo: Repo, run: CheckRun) -> dict[str, Any]:
        """The ``check_run`` of a webhook: a fuller ``check_suite``, and strings where the
        webhook schema wants them (GitHub falls back to the App's URL for ``details_url``)."""
        rest = self.check_run(repo, run)
        suite_runs = [r for r in repo.check_runs.values() if r.check_suite_id == run.check_suite_id]
        done = all(r.status == "completed" for r in suite_runs)
        starts = [r.started_at for r in suite_runs if r.started_at is not None]
        branch = next((b for b, sha in repo.branches.items() if sha == run.head_sha), None)
        suite = {
            "id": run.check_suite_id,
            "node_id": node_id("CS", run.check_suite_id),
            "head_branch": branch or next((p.head_ref for p in _pulls_of(repo, run)), None),
            "head_sha": run.head_sha,
            "status": "completed" if done else "in_progress",
            "conclusion": _suite_conclusion(suite_runs) if done else None,
            "url": f"{self.root}/repos/{repo.full_name}/check-suites/{run.check_suite_id}",
            "before": None,
            "after": run.head_sha,
            "pull_requests": rest["pull_requests"],
            "app": rest["app"],
            "created_at": iso(min(starts) if starts else self.state.created_at),
            "updated_at": iso(run.completed_at or run.started_at or self.state.created_at),
        }
        return {
            **rest,
            "details_url": run.details_url or self.root,
            "external_id": run.external_id or "",
            "started_at": iso(run.started_at or self.state.created_at),
            "check_suite": suite,
        }

    def pull_request_minimal(self, repo: Repo, pull: PullRequest) -> dict[str, Any]:
        """``pull-request-minimal``: what check runs and suites list (same-repo PRs only)."""
        brief = {"id": repo.id, "url": f"{self.root}/repos/{repo.full_name}", "name": repo.name}
        base_sha = repo.branches.get(pull.base_ref, pull.merge_commit_sha)
        return {
            "id": pull.id,
            "number": pull.number,
            "url": f"{self.root}/repos/{repo.full_name}/pulls/{pull.number}",
            "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": brief},
            "base": {"ref": pull.base_ref, "sha": base_sha, "repo": brief},
        }

    def annotation(self, repo: Repo, run: CheckRun, ann: dict[str, Any]) -> dict[str, Any]:
        return {
            "path": ann["path"],
            "start_line": ann["start_line"],
            "end_line": ann["end_line"],
            "start_column": ann.get("start_column"),
            "end_column": ann.get("end_column"),
            "annotation_level": ann["annotation_level"],
            "title": ann.get("title"),
            "message": ann["message"],
            "raw_details": ann.get("raw_details"),
            "blob_href": f"{self.root}/{repo.full_name}/blob/{run.head_sha}/{ann['path']}",
        }

    # contents ------------------------------------------------------------------
    def content_file(self, repo: Repo, ref: str, path: str, data: bytes) -> dict[str, Any]:
        api = f"{self.root}/repos/{repo.full_name}/contents/{path}?ref={ref}"
        html = f"{self.root}/{repo.full_name}/blob/{ref}/{path}"
        sha = git_blob_sha(data)
        git = f"{self.root}/repos/{repo.full_name}/git/blobs/{sha}"
        return {
            "type": "file",
            "encoding": "base64",
            "size": len(data),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "content": base64.encodebytes(data).decode("ascii"),
            "sha": sha,
            "url": api,
            "git_url": git,
            "html_url": html,
            "download_url": f"{self.root}/_sandbox/raw/{repo.full_name}/{ref}/{path}",
            "_links": {"git": git, "html": html, "self": api},
        }

    def content_entry(
        self, repo: Repo, ref: str, path: str, kind: str, data: bytes = b""
    ) -> dict[str, Any]:
        entry = self.content_file(repo, ref, path, data)
        entry.pop("encoding")
        entry.pop("content")
        entry["type"] = kind
        if kind == "dir":
            entry["download_url"] = None
        return entry

    # commits -------------------------------------------------------------------
    def commit(self, repo: Repo, commit: Commit) -> dict[str, Any]:
        api = f"{self.root}/repos/{repo.full_name}/commits/{commit.sha}"
        author = self.state.find_user(commit.author)
        person = {"name": commit.author, "email": f"{commit.author}@users.noreply.sandbox"}
        person["date"] = iso(commit.created_at) or ""
        return {
            "url": api,
            "sha": commit.sha,
            "node_id": node_id("C", int(commit.sha[:8], 16)),
            "html_url": f"{self.root}/{repo.full_name}/commit/{commit.sha}",
            "comments_url": f"{api}/comments",
            "commit": {
                "url": f"{self.root}/repos/{repo.full_name}/git/commits/{commit.sha}",
                "author": person,
                "committer": person,
                "message": commit.message,
                "comment_count": 0,
                "tree": {
                    "sha": git_blob_sha(commit.sha.encode()),
                    "url": f"{self.root}/repos/{repo.full_name}/git/trees/{commit.sha}",
                },
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "payload": None,
                    "signature": None,
                    "verified_at": None,
                },
            },
            "author": self.user(author) if author else None,
            "committer": self.user(author) if author else None,
            "parents": [
                {
                    "sha": p,
                    "url": f"{self.root}/repos/{repo.full_name}/commits/{p}",
                    "html_url": f"{self.root}/{repo.full_name}/commit/{p}",
                }
                for p in commit.parents
            ],
        }

    def diff_entry(self, repo: Repo, sha: str, filename: str) -> dict[str, Any]:
        return {
            "sha": git_blob_sha(f"{sha}:{filename}".encode()),
            "filename": filename,
            "status": "modified",
            "additions": 1,
            "deletions": 1,
            "changes": 2,
            "blob_url": f"{self.root}/{repo.full_name}/blob/{sha}/{filename}",
            "raw_url": f"{self.root}/{repo.full_name}/raw/{sha}/{filename}",
            "contents_url": f"{self.root}/repos/{repo.full_name}/contents/{filename}?ref={sha}",
        }

    # actions -------------------------------------------------------------------
    def workflow(self, repo: Repo, run: WorkflowRun) -> dict[str, Any]:
        digest = hashlib.sha1(run.path.encode(), usedforsecurity=False).hexdigest()
        workflow_id = int(digest[:6], 16)
        api = f"{self.root}/repos/{repo.full_name}/actions/workflows/{workflow_id}"
        return {
            "badge_url": f"{self.root}/{repo.full_name}/workflows/{run.name}/badge.svg",
            "created_at": iso(repo.created_at),
            "html_url": f"{self.root}/{repo.full_name}/blob/{repo.default_branch}/{run.path}",
            "id": workflow_id,
            "name": run.name,
            "node_id": node_id("W_", workflow_id),
            "path": run.path,
            "state": "active",
            "updated_at": iso(repo.created_at),
            "url": api,
        }

    def _run_head_repository(self, repo: Repo, run: WorkflowRun) -> dict[str, Any]:
        pull = repo.pulls.get(run.pull_request) if run.pull_request is not None else None
        if pull is None or not pull.from_fork:
            return self.repo(repo)
        return self._pull_ref(repo, pull, head=True)["repo"]  # type: ignore[no-any-return]

    def _run_pulls(self, repo: Repo, run: WorkflowRun) -> list[dict[str, Any]]:
        """The run's pull request, as GitHub lists it: never one from a fork."""
        pull = repo.pulls.get(run.pull_request) if run.pull_request is not None else None
        if pull is None or pull.from_fork:
            return []
        brief = {"id": repo.id, "url": f"{self.root}/repos/{repo.full_name}", "name": repo.name}
        return [
            {
                "url": f"{self.root}/repos/{repo.full_name}/pulls/{pull.number}",
                "id": pull.id,
                "number": pull.number,
                "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": brief},
                "base": {
                    "ref": pull.base_ref,
                    "sha": repo.branches.get(pull.base_ref, pull.merge_commit_sha),
                    "repo": brief,
                },
            }
        ]

    def workflow_run(self, repo: Repo, run: WorkflowRun) -> dict[str, Any]:
        """A workflow run, valid both as the REST object and as a webhook's ``workflow_run``."""
        api = f"{self.root}/repos/{repo.full_name}/actions/runs/{run.id}"
        actor = self.user(self.state.find_user(run.actor) or repo.owner)
        workflow = self.workflow(repo, run)
        commit = repo.commits.get(run.head_sha)
        author = {"name": run.actor, "email": f"{run.actor}@users.noreply.sandbox"}
        suite_id = run.id * 10
        return {
            "id": run.id,
            "name": run.name,
            "node_id": node_id("WFR_", run.id),
            "check_suite_id": suite_id,
            "check_suite_node_id": node_id("CS_", suite_id),
            "head_branch": run.head_branch,
            "head_sha": run.head_sha,
            "path": run.path,
            "display_title": commit.message.splitlines()[0] if commit else run.name,
            "run_number": run.run_number,
            "run_attempt": run.run_attempt,
            "event": run.event,
            "status": "completed",
            "conclusion": run.conclusion,
            "workflow_id": workflow["id"],
            "url": api,
            "html_url": f"{self.root}/{repo.full_name}/actions/runs/{run.id}",
            "pull_requests": self._run_pulls(repo, run),
            "created_at": iso(run.created_at),
            "updated_at": iso(run.updated_at),
            "run_started_at": iso(run.created_at),
            "actor": actor,
            "triggering_actor": actor,
            "jobs_url": f"{api}/jobs",
            "logs_url": f"{api}/logs",
            "check_suite_url": f"{self.root}/repos/{repo.full_name}/check-suites/{suite_id}",
            "artifacts_url": f"{api}/artifacts",
            "cancel_url": f"{api}/cancel",
            "rerun_url": f"{api}/rerun",
            "previous_attempt_url": (
                f"{api}/attempts/{run.run_attempt - 1}" if run.run_attempt > 1 else None
            ),
            "workflow_url": workflow["url"],
            "head_commit": {
                "id": run.head_sha,
                "tree_id": hashlib.sha1(run.head_sha.encode(), usedforsecurity=False).hexdigest(),
                "message": commit.message if commit else "",
                "timestamp": iso(commit.created_at if commit else run.created_at),
                "author": author,
                "committer": author,
            },
            "repository": self.repo(repo),
            "head_repository": self._run_head_repository(repo, run),
        }

    def artifact(self, repo: Repo, artifact: Artifact) -> dict[str, Any]:
        api = f"{self.root}/repos/{repo.full_name}/actions/artifacts/{artifact.id}"
        run = repo.workflow_runs.get(artifact.run_id)
        return {
            "id": artifact.id,
            "node_id": node_id("MDg", artifact.id),
            "name": artifact.name,
            "size_in_bytes": len(artifact.data),
            "url": api,
            "archive_download_url": f"{api}/zip",
            "expired": artifact.expires_at <= utcnow(),
            "digest": "sha256:" + hashlib.sha256(artifact.data).hexdigest(),
            "created_at": iso(artifact.created_at),
            "updated_at": iso(artifact.created_at),
            "expires_at": iso(artifact.expires_at),
            "workflow_run": {
                "id": artifact.run_id,
                "repository_id": repo.id,
                "head_repository_id": repo.id,
                "head_branch": run.head_branch if run else repo.default_branch,
                "head_sha": run.head_sha if run else "0" * 40,
            },
        }


def _pulls_of(repo: Repo, run: CheckRun) -> list[PullRequest]:
    """Open pull requests whose head is the run's commit. Like GitHub, a fork's pull request
    is never listed (its head branch lives in another repository)."""
    pulls = []
    for pull in sorted(repo.pulls.values(), key=lambda p: p.number):
        issue = repo.issues.get(pull.number) if pull.has_issue else None
        is_open = (issue.state if issue is not None else pull.state) == "open"
        if is_open and not pull.from_fork and pull.head_sha == run.head_sha:
            pulls.append(pull)
    return pulls


SUITE_CONCLUSIONS = ("action_required", "cancelled", "timed_out", "failure", "neutral", "success")


def _suite_conclusion(runs: list[CheckRun]) -> str | None:
    """The suite's conclusion: the weightiest of its runs' (``skipped`` alone: ``skipped``)."""
    found = {r.conclusion for r in runs}
    return next((c for c in SUITE_CONCLUSIONS if c in found), "skipped" if found else None)
