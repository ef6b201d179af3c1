"""Which installation serves a repository, and the repository's own config file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.adapters.github.client import installation_id_for_repo, split_full_name
from bot.adapters.github.config_file import fetch_repo_file
from bot.adapters.github.errors import GitHubPermanentError, github_errors
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Installation, Repository
from bot.app.services import Services

if TYPE_CHECKING:
    from githubkit import GitHub


async def resolve_installation(services: Services, repository_id: int) -> int | None:
    """The installation id for the repository: from the database, else asked of GitHub.

    ``None`` when the App is not installed on the repository (nothing can be synced then).
    """
    with services.session_factory() as session:
        repository = session.get_one(Repository, repository_id)
        if repository.installation_id is not None:
            return repository.installation_id
        full_name = repository.full_name
    try:
        installation_id = await installation_id_for_repo(services.github().app(), full_name)
    except GitHubPermanentError as exc:
        if exc.status == 404:
            return None
        raise
    with transaction(services.session_factory) as session:
        if session.get(Installation, installation_id) is None:
            session.add(Installation(id=installation_id, account_login=full_name.split("/")[0]))
            session.flush()
        repository = session.get_one(Repository, repository_id)
        repository.installation_id = installation_id
    return installation_id


async def load_repo_config_text(
    services: Services, repository_id: int
) -> tuple[str | None, str | None]:
    """``(config text or None, problem or None)`` for the repository's default branch."""
    installation_id = await resolve_installation(services, repository_id)
    with services.session_factory() as session:
        full_name = session.scalars(
            select(Repository.full_name).where(Repository.id == repository_id)
        ).one()
    if installation_id is None:
        return None, (
            f"Loopwatch is not installed on {full_name}: install the GitHub App on the "
            "repository so it can read .github/loopwatch.yml and keep the tracking issue"
        )
    owner, repo = split_full_name(full_name)
    gh = services.github().installation(installation_id)
    await _learn_default_branch(services, repository_id, gh, owner, repo)
    text = await fetch_repo_file(gh, owner, repo)
    return text, None


async def _learn_default_branch(
    services: Services, repository_id: int, gh: GitHub[Any], owner: str, repo: str
) -> None:
    """Ask GitHub once for a repository's default branch when no webhook told it yet: it
    decides which runs may open issues and move a cluster's state, and what the base
    branch of a check run's comparison is."""
    with services.session_factory() as session:
        known = session.scalar(
            select(Repository.default_branch).where(Repository.id == repository_id)
        )
    if known:
        return
    with github_errors("get_repository", repository=f"{owner}/{repo}"):
        response = await gh.rest.repos.async_get(owner, repo)
    branch = response.parsed_data.default_branch
    with transaction(services.session_factory) as session:
        row = session.get_one(Repository, repository_id)
        row.default_branch = row.default_branch or branch
