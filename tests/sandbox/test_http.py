"""The sandbox over real HTTP (uvicorn on a loopback port) with githubkit's sync client."""

from __future__ import annotations

import time

import httpx
import pytest
from githubkit import AppAuthStrategy, GitHub
from githubkit.cache import MemCacheStrategy
from githubkit.exception import RequestTimeout
from loopwatch_sandbox import SandboxConfig
from loopwatch_sandbox.server import BackgroundSandbox


def test_issue_round_trip_over_http(keypair: tuple[str, str]) -> None:
    config = SandboxConfig(app_id=7, app_public_key_pem=keypair[1])
    with BackgroundSandbox(config) as sandbox:
        assert sandbox.url.startswith("http://127.0.0.1:")
        admin = httpx.Client(base_url=sandbox.url)
        made = admin.post("/_sandbox/repos", json={"full_name": "octo/demo"}).json()
        gh = GitHub(
            AppAuthStrategy(7, keypair[0]).as_installation(made["installation_id"]),
            base_url=sandbox.url,
            cache_strategy=MemCacheStrategy(),
            timeout=10,
        )
        issue = gh.rest.issues.create(
            "octo", "demo", title="over http", body="**bold**"
        ).parsed_data
        assert issue.html_url == f"{sandbox.url}/octo/demo/issues/1"
        page = httpx.get(issue.html_url)
        assert page.status_code == 200 and "<strong>bold</strong>" in page.text
        writes = admin.get("/_sandbox/requests", params={"mutating": "true"}).json()
        assert [(w["method"], w["path"], w["status"]) for w in writes] == [
            ("POST", "/repos/octo/demo/issues", 201)
        ]
        assert writes[0]["user_agent"].startswith("GitHubKit")


def test_delay_fault_makes_a_client_time_out_while_the_write_still_lands(
    keypair: tuple[str, str],
) -> None:
    config = SandboxConfig(app_id=7, app_public_key_pem=keypair[1])
    with BackgroundSandbox(config) as sandbox:
        admin = httpx.Client(base_url=sandbox.url)
        made = admin.post("/_sandbox/repos", json={"full_name": "octo/slow"}).json()
        gh = GitHub(
            AppAuthStrategy(7, keypair[0]).as_installation(made["installation_id"]),
            base_url=sandbox.url,
            cache_strategy=MemCacheStrategy(),
            # Generous for the setup call on a loaded machine; the fault's delay is longer.
            timeout=2.0,
            auto_retry=False,
            http_cache=False,  # with githubkit's default hishel cache the timeout is ignored
        )
        gh.rest.repos.get("octo", "slow")  # token obtained before the fault
        admin.post("/_sandbox/faults", json={"path_regex": "/issues$", "delay_s": 4.0})
        with pytest.raises(RequestTimeout):
            gh.rest.issues.create("octo", "slow", title="late")
        for _ in range(300):  # the server finishes the write after its delay
            state = admin.get("/_sandbox/state").json()
            if state["repos"][0]["issues"]:
                break
            time.sleep(0.05)
        assert [i["title"] for i in state["repos"][0]["issues"]] == ["late"]
