"""Issues, comments and labels through githubkit: its strict models prove the shapes."""

from __future__ import annotations

from typing import Any, cast

import httpx
import pytest
from githubkit.exception import RequestFailed
from githubkit.rest import Paginator
from githubkit_schemas.latest.models import Issue, IssueComment, Label
from loopwatch_sandbox import SandboxState

from tests.sandbox.conftest import Clients

pytestmark = pytest.mark.anyio
OWNER, NAME = "acme", "widgets"


async def test_app_sees_its_installation(gh: Clients) -> None:
    me = (await gh.app.rest.apps.async_get_authenticated()).parsed_data
    assert me is not None and me.slug == "loopwatch" and me.id == 4242
    installations = (await gh.app.rest.apps.async_list_installations()).parsed_data
    assert [i.id for i in installations] == [gh.installation_id]
    found = (await gh.app.rest.apps.async_get_repo_installation(OWNER, NAME)).parsed_data
    assert found.id == gh.installation_id and found.account is not None


async def test_create_issue_is_authored_by_the_app_bot(gh: Clients) -> None:
    created = await gh.installation.rest.issues.async_create(
        OWNER, NAME, title="Tracking: nightly", body="hello", labels=["loopwatch", "e2e"]
    )
    assert created.status_code == 201
    issue = created.parsed_data
    assert issue.number == 1
    assert issue.user is not None and issue.user.login == "loopwatch[bot]"
    assert issue.user.type == "Bot"
    assert issue.html_url == "http://sandbox/acme/widgets/issues/1"
    names = [lb.name for lb in issue.labels if not isinstance(lb, str)]
    assert names == ["loopwatch", "e2e"]
    got = (await gh.installation.rest.issues.async_get(OWNER, NAME, 1)).parsed_data
    assert got.title == "Tracking: nightly" and got.body == "hello"


async def test_update_closes_and_reopens(gh: Clients) -> None:
    await gh.installation.rest.issues.async_create(OWNER, NAME, title="t")
    closed = await gh.installation.rest.issues.async_update(
        OWNER, NAME, 1, state="closed", state_reason="not_planned", body="new body"
    )
    assert closed.parsed_data.state == "closed"
    assert closed.parsed_data.state_reason == "not_planned"
    assert closed.parsed_data.closed_at is not None and closed.parsed_data.body == "new body"
    reopened = await gh.installation.rest.issues.async_update(OWNER, NAME, 1, state="open")
    assert reopened.parsed_data.state == "open" and reopened.parsed_data.closed_at is None
    assert reopened.parsed_data.state_reason == "reopened"


async def test_list_filters_and_paginates(gh: Clients) -> None:
    for n in range(5):
        labels = ["flaky"] if n % 2 == 0 else []
        await gh.installation.rest.issues.async_create(OWNER, NAME, title=f"i{n}", labels=labels)
    await gh.installation.rest.issues.async_update(OWNER, NAME, 1, state="closed")
    rest = gh.installation.rest.issues
    open_ones = cast("list[Issue]", (await rest.async_list_for_repo(OWNER, NAME)).parsed_data)
    assert [i.number for i in open_ones] == [5, 4, 3, 2]
    flaky = cast(
        "list[Issue]",
        (await rest.async_list_for_repo(OWNER, NAME, labels="flaky", state="all")).parsed_data,
    )
    assert sorted(i.number for i in flaky) == [1, 3, 5]
    ascending = await rest.async_list_for_repo(OWNER, NAME, direction="asc", per_page=2, page=1)
    assert [i.number for i in cast("list[Issue]", ascending.parsed_data)] == [2, 3]
    assert 'rel="next"' in ascending.headers["link"]
    pages: Paginator[Issue] = gh.installation.rest.paginate(
        rest.async_list_for_repo, owner=OWNER, repo=NAME, state="all", per_page=2
    )
    everything = [i.number async for i in pages]
    assert sorted(everything) == [1, 2, 3, 4, 5]
    by_bot = (await rest.async_list_for_repo(OWNER, NAME, creator="someone")).parsed_data
    assert by_bot == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x", "body": "a" * 65_537}, "body"),
    ],
)
async def test_create_validation_is_githubs(
    gh: Clients, payload: dict[str, str], field: str
) -> None:
    with pytest.raises(RequestFailed) as failed:
        await gh.unchecked.rest.issues.async_create(OWNER, NAME, data=payload)  # type: ignore[call-overload]
    assert failed.value.response.status_code == 422
    error = failed.value.response.json()
    assert error["message"] == "Validation Failed"
    assert error["errors"][0]["field"] == field


async def test_body_of_exactly_the_limit_is_accepted(gh: Clients) -> None:
    created = await gh.installation.rest.issues.async_create(
        OWNER, NAME, title="x", body="a" * 65_536
    )
    assert created.status_code == 201


@pytest.mark.parametrize("patch", [{"state": "done"}, {"state_reason": "because"}])
async def test_invalid_state_is_422(gh: Clients, patch: dict[str, str]) -> None:
    await gh.installation.rest.issues.async_create(OWNER, NAME, title="t")
    with pytest.raises(RequestFailed) as failed:
        await gh.unchecked.rest.issues.async_update(OWNER, NAME, 1, data=patch)  # type: ignore[call-overload]
    assert failed.value.response.status_code == 422


async def test_comments_round_trip(gh: Clients, state: SandboxState) -> None:
    rest = gh.installation.rest.issues
    await rest.async_create(OWNER, NAME, title="t")
    posted = (await rest.async_create_comment(OWNER, NAME, 1, body="first")).parsed_data
    assert posted.user is not None and posted.user.login == "loopwatch[bot]"
    assert posted.html_url.endswith(f"/acme/widgets/issues/1#issuecomment-{posted.id}")
    edited = (await rest.async_update_comment(OWNER, NAME, posted.id, body="edited")).parsed_data
    assert edited.body == "edited"
    assert (await rest.async_get_comment(OWNER, NAME, posted.id)).parsed_data.body == "edited"
    await rest.async_create_comment(OWNER, NAME, 1, body="second")
    listed = cast(
        "list[IssueComment]", (await rest.async_list_comments(OWNER, NAME, 1)).parsed_data
    )
    assert [c.body for c in listed] == ["edited", "second"]
    assert (await rest.async_get(OWNER, NAME, 1)).parsed_data.comments == 2
    deleted = await rest.async_delete_comment(OWNER, NAME, posted.id)
    assert deleted.status_code == 204
    with pytest.raises(RequestFailed) as failed:
        await rest.async_get_comment(OWNER, NAME, posted.id)
    assert failed.value.response.status_code == 404
    assert [c["body"] for c in _issue(state)["comments"]] == ["second"]


async def test_comment_over_the_limit_is_422(gh: Clients) -> None:
    await gh.installation.rest.issues.async_create(OWNER, NAME, title="t")
    with pytest.raises(RequestFailed) as failed:
        await gh.unchecked.rest.issues.async_create_comment(OWNER, NAME, 1, body="b" * 65_537)
    assert failed.value.response.status_code == 422


async def test_labels(gh: Clients) -> None:
    rest = gh.installation.rest.issues
    made = await rest.async_create_label(OWNER, NAME, name="area/ci", color="ff0000")
    assert made.status_code == 201 and made.parsed_data.color == "ff0000"
    with pytest.raises(RequestFailed) as failed:
        await rest.async_create_label(OWNER, NAME, name="AREA/CI", color="00ff00")
    assert failed.value.response.status_code == 422
    assert failed.value.response.json()["errors"][0]["code"] == "already_exists"
    assert (await rest.async_get_label(OWNER, NAME, "area/ci")).parsed_data.name == "area/ci"
    renamed = await rest.async_update_label(OWNER, NAME, "area/ci", new_name="ci", color="0000ff")
    assert renamed.parsed_data.name == "ci"
    await rest.async_create(OWNER, NAME, title="t")
    added = cast(
        "list[Label]",
        (await rest.async_add_labels(OWNER, NAME, 1, labels=["ci", "new"])).parsed_data,
    )
    assert [lb.name for lb in added] == ["ci", "new"]
    replaced = cast(
        "list[Label]", (await rest.async_set_labels(OWNER, NAME, 1, labels=["other"])).parsed_data
    )
    assert [lb.name for lb in replaced] == ["other"]
    left = (await rest.async_remove_label(OWNER, NAME, 1, "other")).parsed_data
    assert left == []
    all_labels = cast(
        "list[Label]", (await rest.async_list_labels_for_repo(OWNER, NAME)).parsed_data
    )
    assert sorted(lb.name for lb in all_labels) == ["ci", "new", "other"]


async def test_more_than_100_labels_is_422(gh: Clients) -> None:
    with pytest.raises(RequestFailed) as failed:
        await gh.installation.rest.issues.async_create(
            OWNER, NAME, title="t", labels=[f"l{n}" for n in range(101)]
        )
    assert failed.value.response.status_code == 422


async def test_repo_and_auth(gh: Clients, admin: httpx.AsyncClient) -> None:
    repo = (await gh.installation.rest.repos.async_get(OWNER, NAME)).parsed_data
    assert repo.full_name == "acme/widgets" and repo.default_branch == "main"
    with pytest.raises(RequestFailed) as missing:
        await gh.installation.rest.repos.async_get(OWNER, "nope")
    assert missing.value.response.status_code == 404
    bad = await admin.get("/repos/acme/widgets", headers={"Authorization": "token ghs_forged"})
    assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"
    anonymous = await admin.get("/repos/acme/widgets/issues")
    assert anonymous.status_code == 401
    for header in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-github-request-id"):
        assert header in bad.headers


async def test_token_of_another_installation_cannot_see_the_repo(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    other = (await admin.post("/_sandbox/repos", json={"full_name": "other/thing"})).json()
    as_other = gh.app.with_auth(gh.app.auth.as_installation(other["installation_id"]))
    assert (await as_other.rest.repos.async_get("other", "thing")).status_code == 200
    with pytest.raises(RequestFailed) as failed:
        await as_other.rest.repos.async_get(OWNER, NAME)
    assert failed.value.response.status_code == 404


def _issue(state: SandboxState) -> dict[str, Any]:
    from loopwatch_sandbox.dump import snapshot

    issue: dict[str, Any] = snapshot(state)["repos"][0]["issues"][0]
    return issue


async def test_unknown_paths_answer_like_github(admin: httpx.AsyncClient) -> None:
    response = await admin.get("/repos/acme/widgets/pulls/1/not-a-thing")
    assert response.status_code == 404 and response.json()["message"] == "Not Found"
