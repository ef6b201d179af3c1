"""The App's clients against the sandbox: installation lookup, repo files, safe retries."""

from __future__ import annotations

import httpx
import pytest
from githubkit.exception import RequestFailed

from bot.adapters.github.client import GitHubClients, installation_id_for_repo
from bot.adapters.github.config_file import fetch_repo_file
from bot.adapters.github.errors import GitHubPermanentError, GitHubTransientError
from bot.adapters.settings import Settings
from tests.github.conftest import APP_ID, FULL_NAME, INSTALLATION_ID, World

CONFIG = "campaigns:\n  e2e-staging:\n    title: E2E staging\n"


async def put_file(world: World, path: str, content: str, ref: str | None = None) -> None:
    body = {"path": path, "content": content, **({"ref": ref} if ref else {})}
    (await world.admin.put(f"/_sandbox/repos/{FULL_NAME}/files", json=body)).raise_for_status()


@pytest.mark.anyio
async def test_installation_of_a_repository_is_found_with_the_app_jwt(world: World) -> None:
    assert await installation_id_for_repo(world.clients.app(), FULL_NAME) == INSTALLATION_ID


@pytest.mark.anyio
async def test_a_repository_without_the_app_is_a_permanent_error(world: World) -> None:
    created = await world.admin.post(
        "/_sandbox/repos", json={"full_name": "octo/elsewhere", "installed": False}
    )
    created.raise_for_status()
    with pytest.raises(GitHubPermanentError) as info:
        await installation_id_for_repo(world.clients.app(), "octo/elsewhere")
    assert info.value.status == 404


def test_clients_refuse_to_start_without_app_credentials() -> None:
    with pytest.raises(GitHubPermanentError, match="LOOPWATCH_APP_ID"):
        GitHubClients(Settings(app_id=None, private_key=None))


@pytest.mark.anyio
async def test_repo_config_is_read_from_the_default_branch(world: World) -> None:
    await put_file(world, ".github/loopwatch.yml", CONFIG)
    await put_file(world, ".github/loopwatch.yml", "campaigns: {}\n", ref="feature")

    assert await fetch_repo_file(world.gh, "octo", "widgets") == CONFIG
    assert await fetch_repo_file(world.gh, "octo", "widgets", ref="feature") == "campaigns: {}\n"


@pytest.mark.anyio
async def test_a_missing_repo_config_is_none(world: World) -> None:
    assert await fetch_repo_file(world.gh, "octo", "widgets") is None


@pytest.mark.anyio
async def test_a_failed_read_is_retried_in_place_but_a_failed_write_is_not(
    world: World, app_keys: tuple[str, str]
) -> None:
    private_pem, _ = app_keys
    settings = Settings(app_id=APP_ID, private_key=private_pem, github_api_url="http://sandbox")
    clients = GitHubClients(
        settings,
        async_transport=httpx.ASGITransport(world.sandbox),
        read_retries=2,
        read_retry_delay_s=0,
    )
    gh = clients.installation(INSTALLATION_ID)
    await put_file(world, ".github/loopwatch.yml", CONFIG)
    await world.fault(path_regex="/contents/", method="GET", status=502, count=2)

    assert await fetch_repo_file(gh, "octo", "widgets") == CONFIG

    await world.fault(path_regex="/labels$", method="POST", status=502)
    with pytest.raises(RequestFailed) as info:
        await gh.rest.issues.async_create_label("octo", "widgets", name="x", color="ffffff")
    assert info.value.response.status_code == 502
    posts = [r for r in await world.requests(mutating=True) if r["path"].endswith("/labels")]
    assert [r["status"] for r in posts] == [502]


@pytest.mark.anyio
async def test_reads_that_keep_failing_become_a_transient_error(world: World) -> None:
    await world.fault(path_regex="/contents/", method="GET", status=503, count=5)
    with pytest.raises(GitHubTransientError, match="503"):
        await fetch_repo_file(world.gh, "octo", "widgets")
