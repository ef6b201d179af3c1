"""Download one artifact zip: the API answers with a redirect to short-lived storage.

The installation token goes only to the API. The storage URL is fetched by a client of
its own with no credentials, following no further redirects, and the body is read in
chunks and cut off at the size cap, whatever the headers claim.
"""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
from githubkit import GitHub

from bot.adapters.github.errors import GitHubPermanentError, GitHubTransientError, github_errors
from bot.core.artifacts.artifact_ref import ArtifactRef


class ArtifactTooLarge(Exception):
    def __init__(self, name: str, limit: int) -> None:
        super().__init__(f"the artifact `{name}` is larger than {limit} bytes")
        self.limit = limit


class DigestMismatch(Exception):
    """The bytes do not hash to the digest GitHub listed: corrupted or swapped in transit."""


async def download_artifact(
    gh: GitHub[Any],
    owner: str,
    repo: str,
    artifact: ArtifactRef,
    *,
    max_bytes: int,
    storage_transport: httpx.AsyncBaseTransport | None = None,
    timeout_s: float = 60.0,
) -> bytes:
    """The artifact's zip. ``gh`` must not follow redirects (see the module docstring).

    Raises GitHubPermanentError (404, 410 expired), GitHubTransientError (5xx, network),
    ArtifactTooLarge and DigestMismatch.
    """
    if artifact.size > max_bytes:
        raise ArtifactTooLarge(artifact.name, max_bytes)
    with github_errors("download_artifact", repository=f"{owner}/{repo}"):
        response = await gh.rest.actions.async_download_artifact(owner, repo, artifact.id, "zip")
    if response.status_code == 200:  # a server that answers with the zip itself
        data = response.content
        if len(data) > max_bytes:
            raise ArtifactTooLarge(artifact.name, max_bytes)
    else:
        location = response.headers.get("location")
        if response.status_code not in (301, 302, 303, 307, 308) or not location:
            raise GitHubPermanentError(
                f"downloading artifact {artifact.id} answered {response.status_code} "
                "without a storage URL",
                response.status_code,
            )
        data = await _fetch_storage(
            location, artifact.name, max_bytes, storage_transport, timeout_s
        )
    _check_digest(artifact, data)
    return data


async def _fetch_storage(
    url: str,
    name: str,
    max_bytes: int,
    transport: httpx.AsyncBaseTransport | None,
    timeout_s: float,
) -> bytes:
    chunks: list[bytes] = []
    received = 0
    try:
        async with (
            httpx.AsyncClient(
                transport=transport, follow_redirects=False, timeout=timeout_s
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                # The link lives about a minute: the next attempt asks for a new one.
                raise GitHubTransientError(f"artifact storage answered {response.status_code}")
            async for chunk in response.aiter_bytes(64 * 1024):
                received += len(chunk)
                if received > max_bytes:
                    raise ArtifactTooLarge(name, max_bytes)
                chunks.append(chunk)
    except httpx.TransportError as exc:
        raise GitHubTransientError(f"artifact storage unreachable: {exc!r}") from exc
    return b"".join(chunks)


def _check_digest(artifact: ArtifactRef, data: bytes) -> None:
    algorithm, _, expected = artifact.digest.partition(":")
    if algorithm != "sha256" or not expected:
        return
    if hashlib.sha256(data).hexdigest() != expected.lower():
        raise DigestMismatch(
            f"the artifact `{artifact.name}` does not match the digest GitHub listed"
        )
