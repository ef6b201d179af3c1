"""Reactions, collaborator permission, contents and check runs through githubkit."""

from __future__ import annotations

import base64

import httpx
import pytest
from githubkit.exception import RequestFailed
from githubkit_schemas.latest.models import ContentFile, ReactionRollup
from githubkit_schemas.latest.types import (
    ReposOwnerRepoCheckRunsPostBodyPropOutputPropAnnotationsItemsType as AnnotationItem,
)
from loopwatch_sandbox import SandboxState
from loopwatch_sandbox.dump import snapshot

from tests.sandbox.conftest import Clients

pytestmark = pytest.mark.anyio
OWNER, NAME = "acme", "widgets"
SHA = "a" * 40


async def test_reactions_are_idempotent_per_user_and_content(gh: Clients) -> None:
    rest = gh.installation.rest
    await rest.issues.async_create(OWNER, NAME, title="t")
    comment = (await rest.issues.async_create_comment(OWNER, NAME, 1, body="hi")).parsed_data
    first = await rest.reactions.async_create_for_issue_comment(
        OWNER, NAME, comment.id, content="eyes"
    )
    again = await rest.reactions.async_create_for_issue_comment(
        OWNER, NAME, comment.id, content="eyes"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.parsed_data.id == again.parsed_data.id
    user = first.parsed_data.user
    assert user is not None and user.login == "loopwatch[bot]"
    await rest.reactions.async_create_for_issue_comment(OWNER, NAME, comment.id, content="+1")
    listed = (
        await rest.reactions.async_list_for_issue_comment(OWNER, NAME, comment.id)
    ).parsed_data
    assert [r.content for r in listed] == ["eyes", "+1"]
    got = (await rest.issues.async_get_comment(OWNER, NAME, comment.id)).parsed_data
    assert isinstance(got.reactions, ReactionRollup)
    assert got.reactions is not None and got.reactions.total_count == 2
    on_issue = await rest.reactions.async_create_for_issue(OWNER, NAME, 1, content="rocket")
    assert on_issue.status_code == 201
    assert [
        r.content for r in (await rest.reactions.async_list_for_issue(OWNER, NAME, 1)).parsed_data
    ] == ["rocket"]


async def test_invalid_reaction_is_422(gh: Clients) -> None:
    await gh.installation.rest.issues.async_create(OWNER, NAME, title="t")
    with pytest.raises(RequestFailed) as failed:
        await gh.unchecked.rest.reactions.async_create_for_issue(  # type: ignore[call-overload]
            OWNER,
            NAME,
            1,
            content="tada",  # deliberately not one of GitHub's reactions
        )
    assert failed.value.response.status_code == 422


async def test_collaborator_permission(gh: Clients, admin: httpx.AsyncClient) -> None:
    await admin.put(
        "/_sandbox/repos/acme/widgets/collaborators/alice", json={"permission": "maintain"}
    )
    await admin.post("/_sandbox/users", json={"login": "mallory"})
    repos = gh.installation.rest.repos
    alice = (await repos.async_get_collaborator_permission_level(OWNER, NAME, "alice")).parsed_data
    assert (alice.permission, alice.role_name) == ("write", "maintain")
    assert alice.user is not None and alice.user.login == "alice"
    owner = (await repos.async_get_collaborator_permission_level(OWNER, NAME, "acme")).parsed_data
    assert owner.permission == "admin"
    stranger = await repos.async_get_collaborator_permission_level(OWNER, NAME, "mallory")
    assert stranger.parsed_data.permission == "none"
    with pytest.raises(RequestFailed) as failed:
        await repos.async_get_collaborator_permission_level(OWNER, NAME, "ghost")
    assert failed.value.response.status_code == 404


async def test_contents(gh: Clients, admin: httpx.AsyncClient) -> None:
    text = "campaigns:\n  nightly: {}\n"
    put = await admin.put(
        "/_sandbox/repos/acme/widgets/files",
        json={"path": ".github/loopwatch.yml", "content": text},
    )
    assert put.status_code == 200
    await admin.put(
        "/_sandbox/repos/acme/widgets/files",
        json={"path": ".github/loopwatch.yml", "content": "old: 1\n", "ref": "v1"},
    )
    repos = gh.installation.rest.repos
    got = (await repos.async_get_content(OWNER, NAME, ".github/loopwatch.yml")).parsed_data
    assert not isinstance(got, list) and got.type == "file"
    assert base64.b64decode(got.content).decode() == text
    tagged = (
        await repos.async_get_content(OWNER, NAME, ".github/loopwatch.yml", ref="v1")
    ).parsed_data
    assert isinstance(tagged, ContentFile)
    assert base64.b64decode(tagged.content) == b"old: 1\n"
    listing = (await repos.async_get_content(OWNER, NAME, ".github")).parsed_data
    assert isinstance(listing, list) and [e.name for e in listing] == ["loopwatch.yml"]
    with pytest.raises(RequestFailed) as failed:
        await repos.async_get_content(OWNER, NAME, "missing.yml")
    assert failed.value.response.status_code == 404


async def test_check_run_lifecycle_and_annotations(gh: Clients, state: SandboxState) -> None:
    checks = gh.installation.rest.checks
    annotation: AnnotationItem = {
        "path": "tests/test_api.py",
        "start_line": 3,
        "end_line": 3,
        "annotation_level": "failure",
        "message": "boom",
    }
    created = await checks.async_create(
        OWNER,
        NAME,
        name="loopwatch",
        head_sha=SHA,
        status="in_progress",
        output={"title": "Running", "summary": "s", "annotations": [annotation]},
    )
    assert created.status_code == 201
    run = created.parsed_data
    assert run.status == "in_progress" and run.started_at is not None
    updated = await checks.async_update(
        OWNER,
        NAME,
        run.id,
        conclusion="failure",
        output={"title": "1 failed", "summary": "done", "annotations": [annotation] * 2},
    )
    assert updated.parsed_data.status == "completed"
    assert updated.parsed_data.conclusion == "failure"
    assert updated.parsed_data.output.annotations_count == 3
    anns = (await checks.async_list_annotations(OWNER, NAME, run.id)).parsed_data
    assert len(anns) == 3 and anns[0].blob_href.endswith(f"/blob/{SHA}/tests/test_api.py")
    assert (await checks.async_get(OWNER, NAME, run.id)).parsed_data.output.title == "1 failed"
    await checks.async_create(OWNER, NAME, name="loopwatch", head_sha=SHA, status="queued")
    latest = (await checks.async_list_for_ref(OWNER, NAME, SHA)).parsed_data
    assert latest.total_count == 1 and latest.check_runs[0].status == "queued"
    every = (await checks.async_list_for_ref(OWNER, NAME, SHA, filter_="all")).parsed_data
    assert every.total_count == 2
    dumped = snapshot(state)["repos"][0]["check_runs"][0]
    assert dumped["conclusion"] == "failure" and len(dumped["annotations"]) == 3
    async with httpx.AsyncClient(transport=_transport(gh)) as browser:
        page = await browser.get(run.html_url or "")
    assert page.status_code == 200 and "tests/test_api.py:3" in page.text


@pytest.mark.parametrize(
    "body",
    [
        {"status": "completed"},
        {"conclusion": "stale"},
        {"status": "done"},
        {"output": {"title": "t", "summary": "s" * 65_536}},
        {
            "output": {
                "title": "t",
                "summary": "s",
                "annotations": [
                    {
                        "path": "a",
                        "start_line": 1,
                        "end_line": 1,
                        "annotation_level": "notice",
                        "message": "m",
                    }
                ]
                * 51,
            }
        },
        {
            "output": {
                "title": "t",
                "summary": "s",
                "annotations": [
                    {
                        "path": "a",
                        "start_line": 1,
                        "end_line": 1,
                        "annotation_level": "error",
                        "message": "m",
                    }
                ],
            }
        },
    ],
)
async def test_check_run_validation(gh: Clients, body: dict[str, object]) -> None:
    with pytest.raises(RequestFailed) as failed:
        await gh.unchecked.rest.checks.async_create(
            OWNER,
            NAME,
            data={"name": "c", "head_sha": SHA, **body},  # type: ignore[call-overload]
        )
    assert failed.value.response.status_code == 422


async def test_summary_at_the_limit_is_accepted(gh: Clients) -> None:
    created = await gh.installation.rest.checks.async_create(
        OWNER, NAME, name="c", head_sha=SHA, output={"title": "t", "summary": "s" * 65_535}
    )
    assert created.status_code == 201


def _transport(gh: Clients) -> httpx.AsyncBaseTransport:
    transport = gh.installation.config.async_transport
    assert transport is not None
    return transport
