"""The client side of the upload API (``loopwatch upload``): stream reports to the server.

Retries on connection errors and 5xx with exponential backoff, always with the same
``Idempotency-Key``, so a retry of an upload the server did store returns that run
instead of making a second one.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from bot.cli.upload_progress import progress_style, upload_progress

RUNS_PATH = "/api/v1/runs"
DEFAULT_TIMEOUT = httpx.Timeout(connect=15.0, read=120.0, write=120.0, pool=15.0)


class UploadError(Exception):
    """The upload failed; the message says why (with the server's own words on a 4xx)."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def runs_endpoint(url: str) -> str:
    """``https://host`` or ``https://host/api/v1/runs`` → the runs endpoint."""
    url = url.rstrip("/")
    return url if url.endswith(RUNS_PATH) else url + RUNS_PATH


@dataclass(frozen=True)
class _PullRequest:
    number: int | None = None
    head_sha: str | None = None
    head_repository: str | None = None  # owner/name: another one for a fork


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _pull_request_from_event(env: Mapping[str, str]) -> _PullRequest:
    """The PR's number, head sha and head repository from the event payload GitHub
    Actions leaves on disk."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return _PullRequest()
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return _PullRequest()
    pull = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pull, dict):
        return _PullRequest()
    number = pull.get("number")
    head = _object(pull.get("head"))
    sha = head.get("sha")
    full_name = _object(head.get("repo")).get("full_name")
    return _PullRequest(
        number if isinstance(number, int) else None,
        sha if isinstance(sha, str) else None,
        full_name if isinstance(full_name, str) else None,
    )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def metadata_from_environment(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run metadata from GitHub Actions' variables; {} outside GitHub Actions.

    On a pull request, ``GITHUB_SHA`` is the temporary merge commit; the head commit
    (the one people see in the PR) is read from the event payload instead.
    """
    env = os.environ if env is None else env
    if env.get("GITHUB_ACTIONS", "").lower() != "true":
        return {}
    pull = _pull_request_from_event(env)
    pr_number, head_sha = pull.number, pull.head_sha
    ref = env.get("GITHUB_REF", "")
    if pr_number is None and ref.startswith("refs/pull/"):
        pr_number = _int_or_none(ref.split("/")[2])
    candidates: dict[str, Any] = {
        "repository": env.get("GITHUB_REPOSITORY"),
        "commit_sha": head_sha or env.get("GITHUB_SHA"),
        "branch": env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME"),
        "pull_request": pr_number,
        "workflow": env.get("GITHUB_WORKFLOW"),
        "workflow_run_id": _int_or_none(env.get("GITHUB_RUN_ID")),
        "run_attempt": _int_or_none(env.get("GITHUB_RUN_ATTEMPT")),
        "head_repository": pull.head_repository,
    }
    environment = {
        name: env[variable]
        for name, variable in (
            ("job", "GITHUB_JOB"),
            ("event", "GITHUB_EVENT_NAME"),
            ("runner_os", "RUNNER_OS"),
            ("runner_arch", "RUNNER_ARCH"),
        )
        if env.get(variable)
    }
    metadata = {key: value for key, value in candidates.items() if value not in (None, "")}
    if environment:
        metadata["environment"] = environment
    return metadata


class _CountingReader:
    """A binary file that reports every chunk httpx reads from it to a callback."""

    def __init__(self, file: IO[bytes], on_read: Callable[[int], None]) -> None:
        self._file = file
        self._on_read = on_read

    def read(self, size: int = -1) -> bytes:
        chunk = self._file.read(size)
        self._on_read(len(chunk))
        return chunk

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def fileno(self) -> int:
        return self._file.fileno()


def _server_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:500] or response.reason_phrase
    if isinstance(body, dict) and "error" in body:
        field = body.get("field")
        return f"{body['error']}" + (f" [field: {field}]" if field else "")
    return json.dumps(body)[:500]


OIDC_REQUEST_URL_ENV = "ACTIONS_ID_TOKEN_REQUEST_URL"
OIDC_REQUEST_TOKEN_ENV = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"  # noqa: S105 (a variable's name)
DEFAULT_AUDIENCE = "loopwatch"
NO_CREDENTIALS = (
    "no upload credentials: pass --token (or set LOOPWATCH_TOKEN) with an upload token, "
    "or, in GitHub Actions, add `permissions: id-token: write` to the workflow or job so "
    "Loopwatch can use the job's OIDC token"
)


def fetch_actions_oidc_token(
    audience: str = DEFAULT_AUDIENCE,
    env: Mapping[str, str] | None = None,
    *,
    client: httpx.Client | None = None,
) -> str:
    """The job's OIDC token for ``audience``, asked of the runner as @actions/core does.

    UploadError when the runner does not offer one or refuses.
    """
    env = os.environ if env is None else env
    url, request_token = env.get(OIDC_REQUEST_URL_ENV), env.get(OIDC_REQUEST_TOKEN_ENV)
    if not url or not request_token:
        raise UploadError(NO_CREDENTIALS)
    with ExitStack() as stack:
        http = client or stack.enter_context(httpx.Client(timeout=DEFAULT_TIMEOUT))
        try:
            response = http.get(
                url,  # already has ?api-version=…: httpx merges the audience into it
                params={"audience": audience},
                headers={"Authorization": f"bearer {request_token}", "Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise UploadError(f"could not get an OIDC token from GitHub Actions: {exc!r}") from exc
    if response.status_code != 200:
        raise UploadError(
            f"GitHub Actions refused an OIDC token (HTTP {response.status_code}: "
            f"{_server_message(response)}); check the workflow's `permissions: id-token: write`",
            response.status_code,
        )
    try:
        value = response.json().get("value")
    except (ValueError, AttributeError):
        value = None
    if not isinstance(value, str) or not value:
        raise UploadError("GitHub Actions answered the OIDC token request without a token")
    return value


def upload_credential(
    token: str | None,
    audience: str = DEFAULT_AUDIENCE,
    env: Mapping[str, str] | None = None,
    *,
    client: httpx.Client | None = None,
) -> str:
    """The upload token if given, else the job's GitHub Actions OIDC token."""
    if token:
        return token
    return fetch_actions_oidc_token(audience, env, client=client)


def _check_files(files: list[Path]) -> int:
    if not files:
        raise UploadError("no report files given")
    total = 0
    for path in files:
        if not path.is_file():
            raise UploadError(f"{path}: no such file")
        total += path.stat().st_size
    return total


def _post_once(
    client: httpx.Client,
    endpoint: str,
    headers: dict[str, str],
    files: list[Path],
    metadata_json: str,
    on_read: Callable[[int], None],
) -> httpx.Response:
    """One attempt; httpx reads each file in 64 KiB chunks as it sends (never whole)."""
    with ExitStack() as stack:
        parts = [
            (
                "files",
                (
                    path.name,
                    _CountingReader(stack.enter_context(path.open("rb")), on_read),
                    "application/octet-stream",
                ),
            )
            for path in files
        ]
        return client.post(
            endpoint,
            headers=headers,
            data={"metadata": metadata_json},
            files=parts,  # type: ignore[arg-type]  # any readable binary object is fine
        )


def upload(
    url: str,
    token: str,
    files: list[Path],
    metadata: dict[str, Any],
    *,
    idempotency_key: str | None = None,
    progress: bool = False,
    max_attempts: int = 5,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Upload one run's report files; the server's answer (``run_id``, ``status``, …).

    ``token``: an upload token or an OIDC token (see ``upload_credential``).
    """
    total = _check_files(files)
    key = idempotency_key or str(uuid.uuid4())
    headers = {
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": key,
        "Accept": "application/json",
    }
    endpoint = runs_endpoint(url)
    metadata_json = json.dumps(metadata)
    style = progress_style(progress, total, sys.stderr, os.environ)
    with ExitStack() as stack:
        http = client or stack.enter_context(httpx.Client(timeout=DEFAULT_TIMEOUT))
        for attempt in range(1, max_attempts + 1):
            last = attempt == max_attempts
            try:
                with upload_progress(
                    style, total, len(files), sys.stderr, attempt=attempt, max_attempts=max_attempts
                ) as reporter:
                    response = _post_once(
                        http, endpoint, headers, files, metadata_json, reporter.advance
                    )
                    if response.status_code < 400:
                        reporter.done()
            except httpx.TransportError as exc:
                if last:
                    raise UploadError(
                        f"could not reach {endpoint} after {attempt} attempts: {exc!r}"
                    ) from exc
            else:
                if response.status_code < 400:
                    result: dict[str, Any] = response.json()
                    return result
                if response.status_code < 500 and response.status_code != 429:
                    raise UploadError(
                        f"the server refused the upload (HTTP {response.status_code}): "
                        f"{_server_message(response)}",
                        response.status_code,
                    )
                if last:
                    raise UploadError(
                        f"the server failed {attempt} times (last: HTTP "
                        f"{response.status_code}: {_server_message(response)})",
                        response.status_code,
                    )
            sleep(min(30.0, 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.0))
    raise AssertionError("unreachable")
