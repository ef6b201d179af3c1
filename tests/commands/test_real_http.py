"""Commands over real HTTP: the sandbox, the web app and a worker as separate processes.
People of chosen permission comment through the sandbox's admin API, which sends the
signed webhook to the running server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.commands.conftest import JUNIT_1011
from tests.e2e.conftest import REPO, Stack, stack, wait_for  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e


def _issue(on: Stack, number: int) -> dict[str, Any]:
    return next(i for i in on.issues() if i["number"] == number)


def _replies(on: Stack, number: int) -> list[str]:
    return [c["body"] for c in _issue(on, number)["comments"] if c["user"] == "loopwatch[bot]"]


def test_people_triage_a_failure_with_commands(stack: Stack) -> None:  # noqa: F811
    token = stack.cli("token", "create", "--repo", REPO).stdout.strip()
    stack.start_worker()
    report = stack.workdir / "report.xml"
    report.write_bytes(JUNIT_1011)
    stack.cli(
        "upload", "--url", stack.web_url, "--token", token, "--repo", REPO, "--no-progress",
        "--campaign", "nightly", "--branch", "main", str(report),
    )  # fmt: skip
    failure = wait_for(
        lambda: next((i["number"] for i in stack.issues() if "1011" in i["title"]), None),
        "the failure issue",
    )
    for login, role in (("rob", "read"), ("tia", "triage")):
        stack.admin("POST", "/users", json={"login": login})
        stack.admin("PUT", f"/repos/{REPO}/collaborators/{login}", json={"permission": role})

    def say(user: str, body: str) -> int:
        made = stack.admin(
            "POST", f"/repos/{REPO}/issues/{failure}/comments", json={"user": user, "body": body}
        )
        return int(made["comment"]["id"])

    refused = say("rob", "/mute for 1d")
    wait_for(lambda: len(_replies(stack, failure)) == 1, "the refusal")
    assert "> /mute for 1d" in _replies(stack, failure)[0]
    assert "needs **triage** permission" in _replies(stack, failure)[0]

    say("tia", "/mute for 1d flaky infra\n/status")
    wait_for(lambda: "muted" in _issue(stack, failure)["labels"], "the muted label")
    wait_for(lambda: len(_replies(stack, failure)) == 2, "the reply to tia")
    assert "* state: **muted** until" in _replies(stack, failure)[1]
    comments = {c["id"]: c for c in _issue(stack, failure)["comments"]}
    assert comments[refused]["reactions"] == ["eyes", "confused"]
