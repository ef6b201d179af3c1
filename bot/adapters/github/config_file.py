"""Read a repository file (the per-repo ``.github/loopwatch.yml``) through the contents API."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from githubkit import GitHub
from githubkit.exception import RequestFailed
from githubkit_schemas.latest.models import ContentFile

from bot.adapters.github.errors import GitHubPermanentError, github_errors

CONFIG_PATH = ".github/loopwatch.yml"


async def fetch_repo_file(
    gh: GitHub[Any],
    owner: str,
    repo: str,
    path: str = CONFIG_PATH,
    ref: str | None = None,
) -> str | None:
    """The file's text on ``ref`` (default branch when None); None if there is no such file."""
    with github_errors("fetch_repo_file", repository=f"{owner}/{repo}", path=path):
        try:
            if ref is None:
                response = await gh.rest.repos.async_get_content(owner, repo, path)
            else:
                response = await gh.rest.repos.async_get_content(owner, repo, path, ref=ref)
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return None
            raise
    content = response.parsed_data
    if not isinstance(content, ContentFile):
        return None  # a directory, symlink or submodule is not a config file
    if content.encoding != "base64":
        raise GitHubPermanentError(
            f"{owner}/{repo}:{path} is too large to read through the contents API "
            f"({content.size:,} bytes)"
        )
    try:
        raw = base64.b64decode(content.content)
    except (binascii.Error, ValueError) as exc:
        raise GitHubPermanentError(f"{owner}/{repo}:{path}: undecodable content") from exc
    return raw.decode("utf-8", errors="replace")
