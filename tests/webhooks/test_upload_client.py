"""The ``loopwatch upload`` client: streaming, retries with one Idempotency-Key, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.models import Run
from bot.cli.upload import UploadError, metadata_from_environment, runs_endpoint, upload
from tests.webhooks.conftest import JUNIT, REPO, count, metadata, stored_files


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "junit.xml"
    path.write_bytes(JUNIT)
    return path


def test_upload_to_the_real_app(
    client: TestClient,
    token: str,
    report: Path,
    tmp_path: Path,
    session_factory: sessionmaker[Session],
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * 200)  # binary, several chunks
    keyed = {**metadata(), "run_key": "ci-1234567-1"}
    result = upload("http://testserver", token, [report, big], keyed, progress=True, client=client)
    assert result["status"] == "queued"
    assert stored_files(session_factory) == [("junit.xml", JUNIT), ("big.bin", big.read_bytes())]
    again = upload("http://testserver/", token, [report], keyed, client=client)
    assert again["run_id"] == result["run_id"]  # same run key: the first run comes back
    assert count(session_factory, Run) == 1


def test_server_refusal_shows_the_servers_message(
    client: TestClient, token: str, report: Path
) -> None:
    with pytest.raises(UploadError) as caught:
        upload("http://testserver", token, [report], metadata(commit_sha="zz"), client=client)
    assert caught.value.status_code == 422
    assert "HTTP 422" in str(caught.value)
    assert "7 to 64 hexadecimal characters [field: commit_sha]" in str(caught.value)


class Recorder:
    """A fake server answering from a script: status codes or exceptions to raise."""

    def __init__(self, script: list[int | Exception]) -> None:
        self.script = list(script)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        if step >= 400:
            return httpx.Response(step, json={"error": f"status {step}"})
        return httpx.Response(step, json={"run_id": 1, "status": "queued"})


def run_with(
    script: list[int | Exception], report: Path, **kwargs: Any
) -> tuple[Recorder, list[float], Any]:
    recorder = Recorder(script)
    sleeps: list[float] = []
    with httpx.Client(transport=httpx.MockTransport(recorder)) as http:
        try:
            result: Any = upload(
                "https://lw.example",
                "lw_token",
                [report],
                {"repository": REPO},
                client=http,
                sleep=sleeps.append,
                **kwargs,
            )
        except UploadError as exc:
            result = exc
    return recorder, sleeps, result


def test_retries_5xx_and_connection_errors_with_the_same_idempotency_key(report: Path) -> None:
    recorder, sleeps, result = run_with(
        [502, httpx.ConnectError("refused"), 503, 202], report, idempotency_key="k-1"
    )
    assert result == {"run_id": 1, "status": "queued"}
    assert [r.headers["idempotency-key"] for r in recorder.requests] == ["k-1"] * 4
    assert all(JUNIT in r.content for r in recorder.requests)  # the file is re-sent whole
    assert len(sleeps) == 3
    assert sleeps[0] <= 1.0 < sleeps[2] <= 4.0  # exponential backoff with jitter


def test_large_upload_with_a_progress_bar_sends_every_byte(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(b"<x/>" * (1024 * 1024 // 2))  # 2 MiB: over the progress-bar threshold
    recorder, _, result = run_with([202], big, progress=True)
    assert result["status"] == "queued"
    assert big.read_bytes() in recorder.requests[0].content


def test_a_key_is_generated_once_when_none_is_given(report: Path) -> None:
    recorder, _, _ = run_with([500, 202], report)
    keys = {r.headers["idempotency-key"] for r in recorder.requests}
    assert len(keys) == 1 and len(keys.pop()) == 36


def test_gives_up_after_max_attempts(report: Path) -> None:
    recorder, sleeps, result = run_with([502, 502, 502], report, max_attempts=3)
    assert isinstance(result, UploadError)
    assert "failed 3 times" in str(result) and "HTTP 502" in str(result)
    assert (len(recorder.requests), len(sleeps)) == (3, 2)
    recorder, _, result = run_with([httpx.ConnectError("refused")] * 2, report, max_attempts=2)
    assert isinstance(result, UploadError) and "after 2 attempts" in str(result)


def test_client_errors_are_not_retried(report: Path) -> None:
    recorder, sleeps, result = run_with([403], report)
    assert isinstance(result, UploadError) and result.status_code == 403
    assert "status 403" in str(result)
    assert (len(recorder.requests), sleeps) == (1, [])


def test_missing_file_fails_before_sending(tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="no such file"):
        upload("https://lw.example", "lw_t", [tmp_path / "nope.xml"], {})
    with pytest.raises(UploadError, match="no report files"):
        upload("https://lw.example", "lw_t", [], {})


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("https://lw.example", "https://lw.example/api/v1/runs"),
        ("https://lw.example/", "https://lw.example/api/v1/runs"),
        ("https://lw.example/api/v1/runs", "https://lw.example/api/v1/runs"),
        ("https://corp.example/loopwatch", "https://corp.example/loopwatch/api/v1/runs"),
    ],
)
def test_runs_endpoint(url: str, endpoint: str) -> None:
    assert runs_endpoint(url) == endpoint


ACTIONS_ENV = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_REPOSITORY": "octo-org/widgets",
    "GITHUB_SHA": "b" * 40,
    "GITHUB_REF": "refs/heads/main",
    "GITHUB_REF_NAME": "main",
    "GITHUB_WORKFLOW": "e2e",
    "GITHUB_RUN_ID": "987654321",
    "GITHUB_RUN_ATTEMPT": "2",
    "GITHUB_JOB": "staging",
    "RUNNER_OS": "Linux",
}


def test_metadata_from_github_actions_push() -> None:
    assert metadata_from_environment(ACTIONS_ENV) == {
        "repository": "octo-org/widgets",
        "commit_sha": "b" * 40,
        "branch": "main",
        "workflow": "e2e",
        "workflow_run_id": 987654321,
        "run_attempt": 2,
        "environment": {"job": "staging", "runner_os": "Linux"},
    }


def test_metadata_from_github_actions_pull_request(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 42, "head": {"sha": "c" * 40}}}))
    env = {
        **ACTIONS_ENV,
        "GITHUB_REF": "refs/pull/42/merge",
        "GITHUB_REF_NAME": "42/merge",
        "GITHUB_HEAD_REF": "fix-websockets",
        "GITHUB_EVENT_PATH": str(event),
    }
    meta = metadata_from_environment(env)
    assert (meta["pull_request"], meta["commit_sha"], meta["branch"]) == (
        42,
        "c" * 40,  # the PR's head commit, not GitHub's temporary merge commit
        "fix-websockets",
    )
    env["GITHUB_EVENT_PATH"] = str(tmp_path / "missing.json")
    assert metadata_from_environment(env)["pull_request"] == 42  # from GITHUB_REF


def test_a_fork_pull_request_names_its_head_repository(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    head = {"sha": "c" * 40, "repo": {"full_name": "mallory/shop"}}
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": head}}))
    meta = metadata_from_environment({**ACTIONS_ENV, "GITHUB_EVENT_PATH": str(event)})
    assert meta["head_repository"] == "mallory/shop"  # the server treats it as untrusted


def test_metadata_outside_github_actions_is_empty() -> None:
    assert metadata_from_environment({"GITHUB_REPOSITORY": "a/b"}) == {}


def test_metadata_from_the_environment_is_accepted_by_the_server() -> None:
    from webhooks.run_metadata import RunMetadata

    parsed = RunMetadata.model_validate(metadata_from_environment(ACTIONS_ENV))
    assert (parsed.workflow_run_id, parsed.run_attempt) == (987654321, 2)
    assert parsed.effective_run_key() is None  # matrix shards must not collapse into one run
