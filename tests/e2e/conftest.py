"""End-to-end over real HTTP: sandbox, web and worker as separate processes."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from loopwatch_sandbox.keys import generate_rsa_keypair
from loopwatch_sandbox.server import free_port

BIN = Path(sys.executable).parent / "loopwatch"
REPO = "acme/shop"


def wait_for(predicate: Callable[[], Any], what: str, timeout_s: float = 60.0) -> Any:
    """Poll until ``predicate`` returns something truthy (a deadline, not a timing check)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Stack:
    workdir: Path
    env: dict[str, str]
    sandbox_url: str
    web_url: str
    secret: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(BIN), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"loopwatch {args[0]} exited with {result.returncode}\n"
                f"stdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-3000:]}"
            )
        return result

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [str(BIN), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes[name] = process
        return process

    def start_worker(self, name: str = "worker") -> subprocess.Popen[bytes]:
        return self.start(name, "worker")

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    # -- the sandbox's admin API
    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.sandbox_url}/_sandbox{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def issues(self, repo: str = REPO) -> list[dict[str, Any]]:
        for entry in self.admin("GET", "/state")["repos"]:
            if entry["full_name"] == repo:
                return list(entry["issues"])
        return []

    def writes(self) -> list[dict[str, Any]]:
        return list(self.admin("GET", "/requests", params={"mutating": "true"}))

    def sign(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()

    def post_webhook(self, event: str, delivery: str, payload: dict[str, Any]) -> httpx.Response:
        body = json.dumps(payload).encode()
        return httpx.post(
            f"{self.web_url}/webhooks/github",
            content=body,
            headers={
                "X-GitHub-Event": event,
                "X-GitHub-Delivery": delivery,
                "X-Hub-Signature-256": self.sign(body),
                "Content-Type": "application/json",
            },
            timeout=30,
        )


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not come up:\n{log.read_text()[-3000:]}")


@pytest.fixture
def stack(tmp_path: Path, db_url: str) -> Iterator[Stack]:
    private_pem, public_pem = generate_rsa_keypair()
    (tmp_path / "app.pem").write_text(private_pem)
    (tmp_path / "app.pub.pem").write_text(public_pem)
    secret = secrets.token_hex(16)
    sandbox_port, web_port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    web_url = f"http://127.0.0.1:{web_port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOOPWATCH_")},
        "LOOPWATCH_APP_ID": "4242",
        "LOOPWATCH_PRIVATE_KEY_PATH": str(tmp_path / "app.pem"),
        "LOOPWATCH_WEBHOOK_SECRET": secret,
        "LOOPWATCH_DATABASE_URL": db_url,
        "LOOPWATCH_GITHUB_API_URL": sandbox_url,
        "LOOPWATCH_PUBLIC_URL": web_url,
        "LOOPWATCH_LOG_FORMAT": "json",
        "LOOPWATCH_WRITE_PAUSE_S": "0",
        "LOOPWATCH_NOTIFY_PAUSE_S": "0",
        "LOOPWATCH_SYNC_DEBOUNCE_S": "0.3",
        "LOOPWATCH_JOB_LEASE_S": "3",
        "LOOPWATCH_JOB_HEARTBEAT_S": "1",
        "LOOPWATCH_JOB_POLL_S": "0.1",
        "LOOPWATCH_JOB_BACKOFF_BASE_S": "0.2",
        "LOOPWATCH_JOB_BACKOFF_MAX_S": "1",
        "LOOPWATCH_GITHUB_TIMEOUT_S": "5",
        "LOOPWATCH_LATE_WRITE_WINDOW_S": "6",
    }
    the_stack = Stack(tmp_path, env, sandbox_url, web_url, secret)
    the_stack.cli("migrate")
    sandbox = the_stack.start(
        "sandbox",
        "sandbox",
        "--port",
        str(sandbox_port),
        "--app-id",
        "4242",
        "--public-key-path",
        str(tmp_path / "app.pub.pem"),
        "--webhook-url",
        f"{web_url}/webhooks/github",
        "--webhook-secret",
        secret,
    )
    _wait_http(f"{sandbox_url}/_sandbox/state", sandbox, tmp_path / "sandbox.log")
    web = the_stack.start("web", "serve", "--port", str(web_port))
    _wait_http(f"{web_url}/healthz", web, tmp_path / "web.log")
    the_stack.admin("POST", "/repos", json={"full_name": REPO, "default_branch": "main"})
    try:
        yield the_stack
    finally:
        the_stack.stop_all()
