"""Check-run limits as GitHub enforces them (stricter on bytes), and the "Re-run" button."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from githubkit.exception import RequestFailed
from githubkit.webhooks import parse_obj
from githubkit_schemas.latest.models import WebhookCheckRunRerequested
from loopwatch_sandbox import SandboxState

from tests.sandbox.conftest import Clients

pytestmark = pytest.mark.anyio
OWNER, NAME = "acme", "widgets"
ADMIN = f"/_sandbox/repos/{OWNER}/{NAME}"
SHA = "b" * 40
EURO = "€"  # three bytes in UTF-8


def annotation(**fields: Any) -> dict[str, Any]:
    return {
        "path": "tests/test_api.py",
        "start_line": 3,
        "end_line": 3,
        "annotation_level": "failure",
        "message": "boom",
        **fields,
    }


def with_annotations(*annotations: dict[str, Any]) -> dict[str, Any]:
    return {"output": {"title": "t", "summary": "s", "annotations": list(annotations)}}


async def create(gh: Clients, **body: Any) -> httpx.Response:
    """POST a check run without githubkit's own body validation; the sandbox's answer."""
    data = {"name": "Loopwatch / nightly", "head_sha": SHA, **body}
    checks: Any = gh.unchecked.rest.checks  # raw dict bodies, not githubkit's TypedDicts
    try:
        answer = await checks.async_create(OWNER, NAME, data=data)
    except RequestFailed as failed:
        return failed.response.raw_response
    raw: httpx.Response = answer.raw_response
    return raw


async def update(gh: Clients, run_id: int, body: dict[str, Any]) -> httpx.Response:
    checks: Any = gh.unchecked.rest.checks
    try:
        answer = await checks.async_update(OWNER, NAME, run_id, data=body)
    except RequestFailed as failed:
        return failed.response.raw_response
    raw: httpx.Response = answer.raw_response
    return raw


def error_text(response: httpx.Response) -> str:
    """The 422 body as one string: message and every error's field and message."""
    body = response.json()
    parts = [body["message"]]
    for error in body.get("errors", []):
        parts += [str(error.get("field")), str(error.get("message", ""))]
    return "\n".join(parts)


def logged_status(state: SandboxState, method: str, path_end: str) -> int:
    entry = [r for r in state.requests if r["method"] == method and r["path"].endswith(path_end)]
    status: int = entry[-1]["status"]
    return status


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"output": {"title": "t", "summary": EURO * 21_846}}, "output.summary"),
        ({"output": {"title": "t", "summary": "s", "text": "x" * 65_536}}, "output.text"),
        (with_annotations(*[annotation()] * 51), "Only 50 annotations"),
        (with_annotations(annotation(title="T" * 256)), "annotations.title"),
        (with_annotations(annotation(message="m" * 65_537)), "annotations.message"),
        (with_annotations(annotation(raw_details=EURO * 21_846)), "annotations.raw_details"),
        (with_annotations(annotation(path="/home/runner/work/w/w/a.py")), "is absolute"),
        (with_annotations(annotation(path="C:\\work\\a.py")), "drive letter"),
        (with_annotations(annotation(path="tests/../../etc/passwd")), "'..' segment"),
        ({"output": {"title": "t", "annotations": [annotation()]}}, "output.summary"),
    ],
    ids=[
        "summary-bytes",
        "text-bytes",
        "51-annotations",
        "title-256",
        "message-64k",
        "raw-details-64k",
        "absolute-path",
        "windows-path",
        "dotdot-path",
        "annotation-without-summary",
    ],
)
async def test_each_limit_is_refused_with_422_and_logged(
    gh: Clients, state: SandboxState, body: dict[str, Any], says: str
) -> None:
    answer = await create(gh, **body)
    assert answer.status_code == 422, answer.text
    assert says in error_text(answer)
    assert answer.json()["documentation_url"].startswith("https://docs.github.com/")
    assert logged_status(state, "POST", "/check-runs") == 422
    assert state.repo(OWNER, NAME).check_runs == {}


async def test_a_refused_update_is_logged_and_changes_nothing(
    gh: Clients, state: SandboxState
) -> None:
    created = await create(gh, output={"title": "t", "summary": "first"})
    run_id = created.json()["id"]
    refused = await update(gh, run_id, with_annotations(annotation(path="/a")))
    assert refused.status_code == 422
    assert logged_status(state, "PATCH", f"/check-runs/{run_id}") == 422
    run = state.repo(OWNER, NAME).check_runs[run_id]
    assert run.output["summary"] == "first" and run.annotations == []


async def test_summary_of_65535_multibyte_bytes_is_accepted_and_65536_refused(
    gh: Clients,
) -> None:
    exact = EURO * 21_845  # 65,535 bytes, 21,845 characters
    assert len(exact.encode()) == 65_535
    accepted = await create(gh, output={"title": "t", "summary": exact, "text": exact})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["output"]["summary"] == exact
    refused = await create(gh, output={"title": "t", "summary": exact + "s"})
    assert refused.status_code == 422
    assert "65536 bytes; maximum is 65535" in error_text(refused)


async def test_fifty_annotations_are_accepted_and_accumulate(
    gh: Clients, state: SandboxState
) -> None:
    fifty = [annotation(start_line=n, end_line=n) for n in range(1, 51)]
    created = await create(gh, **with_annotations(*fifty))
    assert created.status_code == 201, created.text
    run_id = created.json()["id"]
    updated = await update(gh, run_id, with_annotations(*fifty))
    assert updated.json()["output"]["annotations_count"] == 100  # no total cap is documented
    assert len(state.repo(OWNER, NAME).check_runs[run_id].annotations) == 100


async def test_the_largest_annotation_texts_are_accepted(gh: Clients) -> None:
    biggest = annotation(
        title="T" * 255,
        message="m" * 65_536,
        raw_details=EURO * 21_845 + "x",  # 65,536 bytes
        path="src/app/ünïcode.py",
    )
    created = await create(gh, **with_annotations(biggest))
    assert created.status_code == 201, created.text
    listed = await gh.installation.rest.checks.async_list_annotations(
        OWNER, NAME, created.json()["id"]
    )
    assert [a.title for a in listed.parsed_data] == ["T" * 255]
    assert listed.parsed_data[0].path == "src/app/ünïcode.py"


@pytest.mark.parametrize("path", ["tests/test_api.py", "a.py", "pkg/..hidden/x.py", "./a.py"])
async def test_relative_paths_are_accepted(gh: Clients, path: str) -> None:
    created = await create(gh, **with_annotations(annotation(path=path)))
    assert created.status_code == 201, created.text


# the "Re-run" button -----------------------------------------------------------------------


async def open_pull(admin: httpx.AsyncClient, head_sha: str, from_fork: bool) -> int:
    spec = {"user": "alice", "title": "Fix it", "head_sha": head_sha, "from_fork": from_fork}
    answer = await admin.post(f"{ADMIN}/pulls", json=spec)
    assert answer.status_code == 201, answer.text
    number: int = answer.json()["pull_request"]["number"]
    return number


async def rerun(admin: httpx.AsyncClient, state: SandboxState, run_id: int) -> dict[str, Any]:
    pressed = await admin.post(f"{ADMIN}/check-runs/{run_id}/rerequest", json={"user": "bob"})
    assert pressed.status_code == 200, pressed.text
    delivery: dict[str, Any] = state.deliveries[-1]
    assert (delivery["event"], delivery["action"]) == ("check_run", "rerequested")
    return delivery


async def completed_run(gh: Clients, head_sha: str) -> int:
    created = await gh.installation.rest.checks.async_create(
        OWNER,
        NAME,
        name="Loopwatch / nightly",
        head_sha=head_sha,
        conclusion="failure",
        output={"title": "1 failed", "summary": "s"},
    )
    return created.parsed_data.id


async def test_rerequest_for_a_same_repo_pull_request_lists_it(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    number = await open_pull(admin, SHA, from_fork=False)
    run_id = await completed_run(gh, SHA)
    delivery = await rerun(admin, state, run_id)
    event = parse_obj("check_run", delivery["payload"])
    assert isinstance(event, WebhookCheckRunRerequested)
    assert event.sender.login == "bob"
    assert event.installation and event.installation.id == gh.installation_id
    assert event.repository.full_name == f"{OWNER}/{NAME}"
    run = event.check_run
    assert (run.id, run.name, run.head_sha) == (run_id, "Loopwatch / nightly", SHA)
    assert (run.status, run.conclusion) == ("completed", "failure")
    assert run.app and run.app.slug == "loopwatch"
    assert run.check_suite.head_sha == SHA and run.check_suite.conclusion == "failure"
    assert [(p.number, p.head.sha) for p in run.pull_requests] == [(number, SHA)]
    rest = await gh.installation.rest.checks.async_get(OWNER, NAME, run_id)
    assert [p.number for p in rest.parsed_data.pull_requests] == [number]


async def test_rerequest_for_a_fork_pull_request_has_no_pull_requests(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    await open_pull(admin, SHA, from_fork=True)
    run_id = await completed_run(gh, SHA)
    delivery = await rerun(admin, state, run_id)
    event = parse_obj("check_run", delivery["payload"])
    assert isinstance(event, WebhookCheckRunRerequested)
    assert event.check_run.pull_requests == []
    assert event.check_run.check_suite.pull_requests == []
    assert event.check_run.head_sha == SHA  # the bot maps a fork's run by its head sha


async def test_rerequest_of_an_unknown_check_run_is_404(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    pressed = await admin.post(f"{ADMIN}/check-runs/999999/rerequest", json={"user": "bob"})
    assert pressed.status_code == 404
    assert state.deliveries == []
