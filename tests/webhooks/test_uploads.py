"""POST /api/v1/runs and GET /api/v1/runs/{id}: what an uploader sees, and what is stored."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.db import transaction
from bot.adapters.store.models import (
    Campaign,
    CheckRunRecord,
    GitHubIssue,
    Job,
    Run,
    RunFile,
    RunFileChunk,
)
from bot.adapters.store.run_files import run_file_contents
from bot.adapters.tokens import revoke_upload_token
from tests.webhooks.conftest import (
    JUNIT,
    MULTIPART,
    OTHER_REPO,
    REPO,
    UPLOAD_LIMIT,
    count,
    metadata,
    multipart_body,
    post_run,
    process_jobs,
    run_parts,
    stored_files,
)


def nothing_stored(factory: sessionmaker[Session]) -> bool:
    return all(count(factory, model) == 0 for model in (Run, RunFile, RunFileChunk, Campaign, Job))


def test_upload_stores_run_files_and_job_and_answers_202(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    analysis = {"root_cause": "env vars not propagated", "fix_strategy": ["propagate them"]}
    files = [("reports/junit.xml", JUNIT), ("reports/second.xml", b"<testsuite/>")]
    response = post_run(client, token, metadata(analysis=analysis, pull_request=7), files)

    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "queued"
    assert body["status_url"] == f"https://loopwatch.example/api/v1/runs/{body['run_id']}"
    with session_factory() as session:
        run = session.get(Run, body["run_id"])
        assert run is not None
        assert run.status == "queued"
        assert run.commit_sha == "a" * 40
        assert run.pull_request == 7
        assert run.analysis is not None
        assert run.analysis["root_cause"] == "env vars not propagated"
        assert run.analysis["fix_strategy"][0]["item"] == "propagate them"
        assert [(f.filename, f.size) for f in run.files] == [
            ("reports/junit.xml", len(JUNIT)),
            ("reports/second.xml", 12),
        ]
        assert run.files[0].sha256 == hashlib.sha256(JUNIT).hexdigest()
        assert run_file_contents(session, run.id) == files
        campaign = session.get(Campaign, run.campaign_id)
        assert campaign is not None and campaign.name == "staging-e2e"
        jobs = session.scalars(select(Job).order_by(Job.id)).all()
        (check,) = session.scalars(select(CheckRunRecord)).all()
    # The run names its commit: its check run shows "in progress" unless processing is
    # quicker than the sync's debounce.
    assert [(j.kind, j.payload, j.lock_key) for j in jobs] == [
        ("process_run", {"run_id": run.id}, f"repo:{REPO}"),
        # No installation known yet: the sync finds it and moves to installation:N.
        ("sync_checks", {"repository_id": run.repository_id}, f"installation-unknown:{REPO}"),
    ]
    assert (check.status, check.name, check.head_sha) == (
        "in_progress",
        "Loopwatch / staging-e2e",
        "a" * 40,
    )


def test_campaign_defaults_and_is_shared_between_runs(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    meta = {"repository": REPO.upper()}  # names are case-insensitive
    first = post_run(client, token, meta)
    second = post_run(client, token, meta)
    assert first.status_code == second.status_code == 202
    assert first.json()["run_id"] != second.json()["run_id"]
    with session_factory() as session:
        assert session.scalars(select(Campaign.name)).all() == ["default"]


def test_empty_report_file_is_stored_for_the_worker_to_report(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    response = post_run(client, token, metadata(), [("empty.xml", b""), ("junit.xml", JUNIT)])
    assert response.status_code == 202
    with session_factory() as session:
        sizes = session.scalars(select(RunFile.size).order_by(RunFile.id)).all()
    assert sizes == [0, len(JUNIT)]


def test_unreadable_report_is_accepted_for_the_worker_to_report(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    garbage = bytes(range(256)) * 4
    response = post_run(client, token, metadata(), [("junit.xml", JUNIT), ("core.bin", garbage)])
    assert response.status_code == 202
    assert stored_files(session_factory) == [("junit.xml", JUNIT), ("core.bin", garbage)]


def test_failure_while_storing_leaves_nothing_half_stored(
    app: Any, token: str, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    from webhooks import run_intake

    def broken_defer(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("queue table unavailable")

    monkeypatch.setattr(run_intake, "defer_process_run", broken_defer)
    with TestClient(app, raise_server_exceptions=False) as failing_client:
        response = post_run(failing_client, token, metadata())
    assert response.status_code == 500
    assert "nothing was stored" in response.json()["error"]
    assert nothing_stored(session_factory)


def test_status_endpoint_reports_the_run(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    run_id = post_run(client, token, metadata()).json()["run_id"]
    status = client.get(f"/api/v1/runs/{run_id}", headers={"Authorization": f"Bearer {token}"})
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "queued"
    assert body["repository"] == REPO
    assert body["campaign"] == "staging-e2e"
    assert body["files"] == [
        {"filename": "junit.xml", "size": len(JUNIT), "format": None, "error": None}
    ]
    assert body["counts"] is None and body["tracking_issue_url"] is None

    # What the worker records later shows up here.
    with transaction(session_factory) as session:
        run = session.get(Run, run_id)
        assert run is not None
        run.status = "failed"
        run.error = "1 of 1 report files could not be read"
        run.summary = {"counts": {"passed": 3, "failed": 1}}
        run.files[0].error = "junit.xml: not XML"
        session.add(
            GitHubIssue(
                repository_id=run.repository_id,
                key="campaign:staging-e2e",
                title="t",
                body="b",
                desired_hash="h",
                html_url="https://github.example/octo-org/widgets/issues/1",
            )
        )
    body = client.get(f"/api/v1/runs/{run_id}", headers={"Authorization": f"Bearer {token}"}).json()
    assert body["status"] == "failed"
    assert body["error"] == "1 of 1 report files could not be read"
    assert body["counts"] == {"passed": 3, "failed": 1}
    assert body["files"][0]["error"] == "junit.xml: not XML"
    assert body["tracking_issue_url"] == "https://github.example/octo-org/widgets/issues/1"


def test_status_of_another_repositorys_run_is_not_found(
    client: TestClient, token: str, other_token: str
) -> None:
    run_id = post_run(client, token, metadata()).json()["run_id"]
    response = client.get(
        f"/api/v1/runs/{run_id}", headers={"Authorization": f"Bearer {other_token}"}
    )
    assert response.status_code == 404
    assert response.json() == {"error": f"no run {run_id} in {OTHER_REPO}"}
    missing = client.get("/api/v1/runs/999999", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 404
    no_token = client.get(f"/api/v1/runs/{run_id}")
    assert no_token.status_code == 401


# --- idempotency -------------------------------------------------------------------------


def test_same_idempotency_key_returns_the_first_run(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    headers = {"Idempotency-Key": "upload-7f3a"}
    meta = metadata(workflow_run_id=None)  # no run key: only the header makes it idempotent
    first = post_run(client, token, meta, headers=headers)
    again = post_run(client, token, meta, [("other.xml", JUNIT)], headers=headers)
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json() == first.json()
    assert (count(session_factory, Run), count(session_factory, RunFile)) == (1, 1)
    assert process_jobs(session_factory) == 1


def test_matrix_shards_of_one_ci_run_are_each_kept_without_a_key(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    """Jobs of a matrix share the workflow run id and attempt: no shard may be dropped."""
    shard_1 = post_run(client, token, metadata())
    shard_2 = post_run(client, token, metadata())
    assert shard_1.status_code == shard_2.status_code == 202
    assert shard_1.json()["run_id"] != shard_2.json()["run_id"]
    assert count(session_factory, Run) == 2
    assert count(session_factory, RunFile) == 2
    assert process_jobs(session_factory) == 2


def test_explicit_run_key_makes_uploads_idempotent(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    meta = {"repository": REPO, "run_key": "nightly-2026-11-29"}
    first = post_run(client, token, meta)
    again = post_run(client, token, meta)
    assert again.status_code == 200 and again.json()["run_id"] == first.json()["run_id"]
    assert count(session_factory, Run) == 1


def test_idempotency_is_per_repository(
    client: TestClient, token: str, other_token: str, session_factory: sessionmaker[Session]
) -> None:
    headers = {"Idempotency-Key": "same-key"}
    first = post_run(client, token, metadata(), headers=headers)
    second = post_run(client, other_token, metadata(repository=OTHER_REPO), headers=headers)
    assert first.status_code == second.status_code == 202
    assert count(session_factory, Run) == 2


def test_lost_race_on_the_unique_key_returns_the_winner(
    client: TestClient,
    token: str,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two identical uploads both pass the look-up; the constraint stops the second."""
    from webhooks import run_intake

    first = post_run(client, token, metadata(run_key="ci-1234567-1"))
    real_lookup = run_intake._existing_run
    calls: list[Any] = []

    def blind_first_lookup(*args: Any) -> Any:
        calls.append(args)
        return None if len(calls) == 1 else real_lookup(*args)

    monkeypatch.setattr(run_intake, "_existing_run", blind_first_lookup)
    again = post_run(client, token, metadata(run_key="ci-1234567-1"))
    assert len(calls) == 2  # the insert failed on the constraint and was retried
    assert again.status_code == 200
    assert again.json()["run_id"] == first.json()["run_id"]
    assert (count(session_factory, Run), process_jobs(session_factory)) == (1, 1)


@pytest.mark.anyio
async def test_concurrent_identical_uploads_make_one_run(
    app: Any, token: str, session_factory: sessionmaker[Session]
) -> None:
    import anyio
    import httpx

    body = multipart_body(run_parts(metadata(run_key="ci-1234567-1")))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": MULTIPART}
    statuses: list[int] = []
    run_ids: set[int] = set()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:

        async def one() -> None:
            response = await http.post("/api/v1/runs", content=body, headers=headers)
            statuses.append(response.status_code)
            run_ids.add(response.json()["run_id"])

        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(one)
    assert sorted(statuses) == [200] * 5 + [202]
    assert len(run_ids) == 1
    assert (count(session_factory, Run), process_jobs(session_factory)) == (1, 1)


# --- authentication ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "missing upload token"),
        ("Basic dXNlcjpwYXNz", "malformed Authorization header"),
        ("Bearer", "malformed Authorization header"),
        ("Bearer lw_not-a-real-token", "unknown or revoked"),
        ("Bearer ghp_somethingelse", "unknown or revoked"),
    ],
)
def test_upload_without_a_valid_token_is_401(
    client: TestClient,
    token: str,
    session_factory: sessionmaker[Session],
    authorization: str | None,
    message: str,
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = post_run(client, None, metadata(), headers=headers)
    assert response.status_code == 401
    assert message in response.json()["error"]
    assert "loopwatch token create" in response.json()["error"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert nothing_stored(session_factory)


def test_revoked_token_is_401(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    with transaction(session_factory) as session:
        assert revoke_upload_token(session, token) is not None
    response = post_run(client, token, metadata())
    assert response.status_code == 401
    assert nothing_stored(session_factory)


def test_token_of_another_repository_is_403(
    client: TestClient, other_token: str, session_factory: sessionmaker[Session]
) -> None:
    response = post_run(client, other_token, metadata())
    assert response.status_code == 403
    assert response.json() == {
        "error": f"this upload token is for {OTHER_REPO}, not {REPO}; "
        "use the token created for that repository",
        "field": "repository",
    }
    assert nothing_stored(session_factory)


# --- bad metadata ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meta", "field", "message"),
    [
        (None, "metadata", "the 'metadata' part is missing"),
        (b"", "metadata", "metadata is empty"),
        (b'{"repository": "octo-org/widgets",', "metadata", "metadata is not valid JSON"),
        (b'["octo-org/widgets"]', "metadata", "must be a JSON object, not an array"),
        (b'"octo-org/widgets"', "metadata", "must be a JSON object, not a string"),
        (b'{"repository": "octo-org/\xff\xfe"}', "metadata", "not valid UTF-8"),
        (b"[" * 20_000 + b"]" * 20_000, "metadata", "nested too deeply"),
        ({"campaign": "x"}, "repository", "'repository': this field is required"),
        ({"repository": "widgets"}, "repository", "not a repository name of the form owner/name"),
        ({"repository": "a/b/c"}, "repository", "owner/name"),
        (metadata(commit_sha="not-a-sha"), "commit_sha", "7 to 64 hexadecimal characters"),
        (metadata(workflow_run_id="soon"), "workflow_run_id", "valid integer"),
        (metadata(pull_request=0), "pull_request", "greater than or equal to 1"),
        (metadata(environment={"os": 3}), "environment.os", "valid string"),
        (metadata(environment=["os"]), "environment", "valid dictionary"),
        (metadata(started_at="yesterday"), "started_at", "use ISO 8601"),
        (
            metadata(started_at="2026-11-29T10:00:00Z", finished_at="2026-11-29T09:00:00Z"),
            "metadata",
            "finished_at is before started_at",
        ),
        (metadata(comit_sha="abc1234"), "comit_sha", "unknown field"),
        (metadata(campaign=""), "campaign", "at least 1 character"),
        (
            metadata(analysis={"five_whys": [{"because": "no why"}]}),
            "analysis.five_whys.0.why",
            "this field is required",
        ),
        (metadata(analysis={"root_cause": 42}), "analysis.root_cause", "valid string"),
    ],
)
def test_invalid_metadata_is_422_naming_the_field(
    client: TestClient,
    token: str,
    session_factory: sessionmaker[Session],
    meta: dict[str, Any] | bytes | None,
    field: str,
    message: str,
) -> None:
    response = post_run(client, token, meta)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == field
    assert message in body["error"]
    assert nothing_stored(session_factory)


def test_several_metadata_problems_are_all_listed(client: TestClient, token: str) -> None:
    response = post_run(client, token, metadata(pull_request="x", run_attempt=0))
    body = response.json()
    assert response.status_code == 422
    assert "(and 1 more problem)" in body["error"]
    assert {e["field"] for e in body["errors"]} == {"pull_request", "run_attempt"}


def test_metadata_sent_as_a_file_part_is_accepted(client: TestClient, token: str) -> None:
    response = post_run(
        client,
        token,
        None,
        parts=[
            ("metadata", "meta.json", json.dumps(metadata()).encode()),
            ("files", "j.xml", JUNIT),
        ],
    )
    assert response.status_code == 202


# --- bad bodies --------------------------------------------------------------------------


def test_no_report_files_is_422(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    response = post_run(client, token, metadata(), files=[])
    assert response.status_code == 422
    assert response.json()["field"] == "files"
    assert "no report files" in response.json()["error"]
    assert nothing_stored(session_factory)


@pytest.mark.parametrize(
    ("part", "field", "message"),
    [
        (("files", None, JUNIT), "files", "has no filename"),
        (("report", "junit.xml", JUNIT), "report", "unexpected part 'report'"),
        (("metadata", None, b"{}"), "metadata", "sent more than once"),
    ],
)
def test_unexpected_parts_are_422(
    client: TestClient,
    token: str,
    session_factory: sessionmaker[Session],
    part: tuple[str, str | None, bytes],
    field: str,
    message: str,
) -> None:
    response = post_run(client, token, None, parts=[*run_parts(metadata()), part])
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert message in response.json()["error"]
    assert nothing_stored(session_factory)


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "application/x-www-form-urlencoded", ""]
)
def test_non_multipart_body_is_415(
    client: TestClient, token: str, session_factory: sessionmaker[Session], content_type: str
) -> None:
    response = client.post(
        "/api/v1/runs",
        content=json.dumps(metadata()),
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
    )
    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["error"]
    assert nothing_stored(session_factory)


def test_truncated_multipart_body_is_400_and_stores_nothing(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    body = multipart_body(run_parts(metadata()))
    response = client.post(
        "/api/v1/runs",
        content=body[: len(body) - 40],  # cut inside the report file
        headers={"Authorization": f"Bearer {token}", "Content-Type": MULTIPART},
    )
    assert response.status_code == 400
    assert "ended before its closing boundary" in response.json()["error"]
    assert nothing_stored(session_factory)


def test_multipart_without_boundary_is_400(client: TestClient, token: str) -> None:
    response = client.post(
        "/api/v1/runs",
        content=b"whatever",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "multipart/form-data"},
    )
    assert response.status_code == 400
    assert "boundary" in response.json()["error"]


def test_too_many_parts_is_422(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    files = [(f"r{i}.xml", b"<x/>") for i in range(10_000)]
    # Raise the size limit so the part count, not the size, is what is refused.
    app_settings = client.app.state.settings  # type: ignore[attr-defined]
    app_settings.max_upload_bytes = 4 * 1024 * 1024
    response = post_run(client, token, metadata(), files)
    assert response.status_code == 422
    assert "too many parts" in response.json()["error"]
    assert nothing_stored(session_factory)


def test_body_over_the_limit_with_content_length_is_413(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    response = post_run(client, token, metadata(), [("big.xml", b"x" * UPLOAD_LIMIT)])
    assert response.status_code == 413
    assert "larger than this server accepts (64 KiB)" in response.json()["error"]
    assert nothing_stored(session_factory)


def test_body_over_the_limit_without_content_length_is_413(
    client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    body = multipart_body(run_parts(metadata(), [("big.xml", b"x" * UPLOAD_LIMIT)]))

    def chunks() -> Any:
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    response = client.post(
        "/api/v1/runs",
        content=chunks(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": MULTIPART},
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert nothing_stored(session_factory)


def test_idempotency_key_must_be_printable(client: TestClient, token: str) -> None:
    response = post_run(client, token, metadata(), headers={"Idempotency-Key": "x" * 300})
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"


@pytest.mark.parametrize("run_id", ["abc", "0", str(2**63)])
def test_status_of_an_impossible_run_id_is_422(client: TestClient, token: str, run_id: str) -> None:
    response = client.get(f"/api/v1/runs/{run_id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert response.json()["field"] == "run_id"


def test_metadata_over_one_mebibyte_is_refused() -> None:
    from webhooks.run_metadata import MetadataError, parse_metadata

    huge = json.dumps({"repository": REPO, "environment": {"pad": "x" * (1024 * 1024)}})
    with pytest.raises(MetadataError, match="at most 1048576 are accepted"):
        parse_metadata(huge.encode())
