"""The commands' GitHub port, on githubkit: every write paced through the installation's
lane (:class:`bot.adapters.github.pacer.WritePacer`), every failure classified
(:func:`bot.adapters.github.errors.github_errors`)."""

from __future__ import annotations

from typing import Any

from githubkit import GitHub
from githubkit.exception import RequestFailed
from githubkit.utils import UNSET

from bot.adapters.github.client import split_full_name
from bot.adapters.github.desired_state import DEFAULT_LABEL_COLOR
from bot.adapters.github.errors import GitHubPermanentError, github_errors, is_status
from bot.adapters.github.pacer import WritePacer
from bot.handlers.commands.spec import IssueFacts, Level, ReactionName

# GitHub's ``role_name`` (triage and maintain included); ``permission`` folds them into
# read and write, so the role wins when GitHub gives one we know.
_LEVELS = {
    "admin": Level.ADMIN,
    "maintain": Level.MAINTAIN,
    "write": Level.WRITE,
    "triage": Level.TRIAGE,
    "read": Level.READ,
    "none": Level.NONE,
}


def level_of(permission: str | None, role_name: str | None) -> Level:
    """The level from the collaborator-permission answer (a custom role: its base)."""
    by_role = _LEVELS.get((role_name or "").lower())
    by_permission = _LEVELS.get((permission or "").lower(), Level.NONE)
    return max(by_role, by_permission) if by_role is not None else by_permission


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


class GitHubkitPort:
    def __init__(self, gh: GitHub[Any], full_name: str, pacer: WritePacer, lane: int | str) -> None:
        self.gh = gh
        self.full_name = full_name
        self.owner, self.repo = split_full_name(full_name)
        self.pacer = pacer
        self.lane = lane
        self.writes = 0

    async def _write(self, action: str, make_call: Any) -> Any:
        self.writes += 1
        with github_errors(action, repository=self.full_name):
            return await self.pacer.call(self.lane, make_call)

    async def permission(self, login: str) -> Level:
        with github_errors("collaborator_permission", repository=self.full_name, login=login):
            try:
                response = await self.gh.rest.repos.async_get_collaborator_permission_level(
                    self.owner, self.repo, login
                )
            except RequestFailed as exc:
                if is_status(exc, 404):
                    return Level.NONE  # not a collaborator (or no such user)
                raise
        answer = response.parsed_data
        return level_of(_text(answer.permission), _text(answer.role_name))

    async def get_issue(self, number: int) -> IssueFacts | None:
        with github_errors("get_issue", repository=self.full_name, number=number):
            try:
                response = await self.gh.rest.issues.async_get(self.owner, self.repo, number)
            except RequestFailed as exc:
                if is_status(exc, 404, 410):
                    return None
                raise
        issue = response.parsed_data
        user = issue.user
        return IssueFacts(
            number=issue.number,
            title=issue.title,
            state=str(issue.state),
            is_pull_request=bool(issue.pull_request),
            author=user.login if user else None,
        )

    async def add_labels(self, number: int, names: list[str]) -> list[str]:
        for name in names:
            await self._ensure_label(name)
        response = await self._write(
            "add_labels",
            lambda: self.gh.rest.issues.async_add_labels(
                self.owner, self.repo, number, data={"labels": names}
            ),
        )
        return [label.name for label in response.parsed_data]

    async def _ensure_label(self, name: str) -> None:
        with github_errors("get_label", repository=self.full_name, label=name):
            try:
                await self.gh.rest.issues.async_get_label(self.owner, self.repo, name)
                return
            except RequestFailed as exc:
                if not is_status(exc, 404):
                    raise
        try:
            await self._write(
                "create_label",
                lambda: self.gh.rest.issues.async_create_label(
                    self.owner, self.repo, name=name, color=DEFAULT_LABEL_COLOR, description=UNSET
                ),
            )
        except GitHubPermanentError as exc:
            if exc.status != 422:  # 422 already_exists: someone created it meanwhile
                raise

    async def remove_label(self, number: int, name: str) -> bool:
        try:
            await self._write(
                "remove_label",
                lambda: self.gh.rest.issues.async_remove_label(self.owner, self.repo, number, name),
            )
        except GitHubPermanentError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    async def rerun_failed_jobs(self, workflow_run_id: int) -> None:
        await self._write(
            "rerun_failed_jobs",
            lambda: self.gh.rest.actions.async_re_run_workflow_failed_jobs(
                self.owner, self.repo, workflow_run_id
            ),
        )

    async def react(self, comment_id: int, content: ReactionName) -> None:
        await self._write(
            "react",
            lambda: self.gh.rest.reactions.async_create_for_issue_comment(
                self.owner, self.repo, comment_id, content=content
            ),
        )
