"""Creates whose answer never came but which GitHub stores late are made once: the retry
looks for the object, waits while it may still land, and creates again only after the
late-write window (issue 18)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from githubkit import AppAuthStrategy, GitHub
from githubkit.cache import MemCacheStrategy
from githubkit.exception import RequestTimeout
from loopwatch_sandbox.app import SandboxConfig
from loopwatch_sandbox.server import BackgroundSandbox
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.github.body import extract_comment_key, extract_key
from bot.adapters.github.desired_state import add_comment, set_desired_issue
from bot.adapters.github.errors import GitHubPermanentError, GitHubTransientError
from bot.adapters.github.late_writes import SettleWait
from bot.adapters.store.db import transaction
from tests.github.conftest import APP_ID, FULL_NAME, INSTALLATION_ID
from tests.github.late import WINDOW, LateWorld, open_late_world

KEY = "campaign:e2e-staging"
ISSUES = f"/repos/{FULL_NAME}/issues"
CHECK_RUNS = f"/repos/{FULL_NAME}/check-runs"
SHA = "a" * 40


@pytest.fixture
async def late(
    session_factory: sessionmaker[Session], app_keys: tuple[str, str]
) -> AsyncIterator[LateWorld]:
    async for world in open_late_world(session_factory, app_keys):
        yield world


@pytest.mark.anyio
async def test_over_http_a_delayed_create_lands_after_the_client_gave_up(
    app_keys: tuple[str, str],
) -> None:
    """The sandbox's premise for late writes: a delay fault without a status stores the
    write once the delay is over, even though the client has disconnected by then."""
    private_pem, public_pem = app_keys
    config = SandboxConfig(app_id=APP_ID, app_public_key_pem=public_pem)
    with BackgroundSandbox(config) as sandbox:
        async with httpx.AsyncClient(base_url=sandbox.url) as admin:
            repo = {"full_name": FULL_NAME, "installation_id": INSTALLATION_ID}
            (await admin.post("/_sandbox/repos", json=repo)).raise_for_status()
            fault = {"path_regex": f"^{ISSUES}$", "method": "POST", "delay_s": 1.0}
            (await admin.post("/_sandbox/faults", json=fault)).raise_for_status()
            gh = GitHub(
                AppAuthStrategy(APP_ID, private_pem).as_installation(INSTALLATION_ID),
                base_url=sandbox.url,
                timeout=httpx.Timeout(0.3),
                http_cache=False,
                auto_retry=False,
                cache_strategy=MemCacheStrategy(),
            )

            with pytest.raises(RequestTimeout):
                await gh.rest.issues.async_create("octo", "widgets", title="late", body="b")

            for _ in range(100):  # a deadline, not a timing check
                state = (await admin.get("/_sandbox/state")).json()
                if state["repos"][0]["issues"]:
                    break
                await asyncio.sleep(0.1)
            assert [i["title"] for i in state["repos"][0]["issues"]] == ["late"]


def desire_issue(world: LateWorld, section: str = "run 1") -> None:
    with transaction(world.factory) as session:
        set_desired_issue(
            session, world.repository_id, KEY, title="E2E staging", section=section, labels=[]
        )


@pytest.mark.anyio
async def test_a_late_issue_create_is_waited_for_and_adopted(late: LateWorld) -> None:
    desire_issue(late)
    late.transport.hold("POST", f"^{ISSUES}$")

    with pytest.raises(GitHubTransientError, match="in time"):
        await late.sync()
    assert await late.issues() == []  # not stored yet: the answer is still coming
    with pytest.raises(SettleWait) as wait:
        await late.sync()  # the job's immediate retry: looks, finds nothing, waits
    claim = late.issue_row(KEY).create_claimed_at
    assert claim is not None and wait.value.at == claim + WINDOW
    assert await late.posts(ISSUES) == []  # the first POST has not reached GitHub yet

    await late.transport.settle()  # GitHub stores the first POST, late
    report = await late.sync()

    [issue] = await late.issues()
    assert extract_key(issue["body"]) == KEY
    assert report.issues_recovered == [KEY] and report.issues_created == []
    row = late.issue_row(KEY)
    assert (row.number, row.create_attempts) == (issue["number"], 1)
    assert row.synced_hash == row.desired_hash
    assert await late.posts(ISSUES) == [201]


@pytest.mark.anyio
async def test_a_create_that_never_landed_is_sent_again_after_the_window(
    late: LateWorld,
) -> None:
    desire_issue(late)
    await late.fault(path_regex=f"^{ISSUES}$", method="POST", status=502)

    with pytest.raises(GitHubTransientError):
        await late.sync()
    with pytest.raises(SettleWait):
        await late.sync()
    late.clock.advance(WINDOW - timedelta(seconds=1))
    with pytest.raises(SettleWait):
        await late.sync()
    assert await late.issues() == []

    late.clock.advance(timedelta(seconds=1))
    report = await late.sync()

    assert report.issues_created == [KEY]
    [issue] = await late.issues()
    row = late.issue_row(KEY)
    assert (row.number, row.create_attempts) == (issue["number"], 2)
    assert row.create_claimed_at == late.clock.now
    assert await late.posts(ISSUES) == [502, 201]


@pytest.mark.anyio
async def test_a_refused_create_releases_its_claim(late: LateWorld) -> None:
    desire_issue(late)
    await late.fault(path_regex=f"^{ISSUES}$", method="POST", status=422, message="Validation")

    with pytest.raises(GitHubPermanentError):
        await late.sync()
    row = late.issue_row(KEY)
    assert (row.create_claimed_at, row.create_attempts) == (None, 1)

    report = await late.sync()  # nothing was created: no look-up, no wait

    assert report.issues_created == [KEY]
    assert len(await late.issues()) == 1


@pytest.mark.anyio
async def test_a_late_comment_is_waited_for_and_adopted(late: LateWorld) -> None:
    desire_issue(late)
    with transaction(late.factory) as session:
        add_comment(session, late.repository_id, "note:run-2", "Run 2 regressed", issue_key=KEY)
    late.transport.hold("POST", r"/issues/\d+/comments$")

    with pytest.raises(GitHubTransientError):
        await late.sync()
    with pytest.raises(SettleWait):
        await late.sync()
    await late.transport.settle()
    report = await late.sync()
    again = await late.sync()

    assert report.comments_recovered == ["note:run-2"] and report.comments_posted == []
    assert again.comments_posted == again.comments_recovered == []
    [issue] = await late.issues()
    [comment] = issue["comments"]
    assert extract_comment_key(comment["body"]) == "note:run-2"
    row = late.comment_row("note:run-2")
    assert (row.comment_id, row.post_attempts) == (comment["id"], 1)


@pytest.mark.anyio
async def test_a_late_check_run_is_waited_for_and_adopted(late: LateWorld) -> None:
    late.desire_check("check:1", SHA)
    late.transport.hold("POST", f"^{CHECK_RUNS}$")

    with pytest.raises(GitHubTransientError):
        await late.sync_checks()
    with pytest.raises(SettleWait):
        await late.sync_checks()
    await late.transport.settle()
    report = await late.sync_checks()

    assert report.recovered == ["check:1"] and report.created == []
    [check] = await late.check_runs()
    assert check["external_id"] == "check:1"
    row = late.check_row("check:1")
    assert (row.github_id, row.create_attempts) == (check["id"], 1)
    assert row.synced_hash == row.desired_hash


@pytest.mark.anyio
async def test_one_502_before_store_still_gives_the_commit_its_check_run(
    late: LateWorld,
) -> None:
    late.desire_check("check:1", SHA)
    await late.fault(path_regex=f"^{CHECK_RUNS}$", method="POST", status=502)

    with pytest.raises(GitHubTransientError):
        await late.sync_checks()
    with pytest.raises(SettleWait):
        await late.sync_checks()  # the immediate retry must not drop it as "claimed"
    assert late.check_row("check:1").synced_hash is None
    late.clock.advance(WINDOW)
    report = await late.sync_checks()

    assert report.created == ["check:1"]
    [check] = await late.check_runs()
    assert late.check_row("check:1").github_id == check["id"]
    assert await late.posts(CHECK_RUNS) == [502, 201]


async def _converge(late: LateWorld, rounds: int = 100) -> tuple[int, int]:
    """Run the check sync as the queue would until it succeeds; (retries, waits)."""
    retries = waits = 0
    for _ in range(rounds):
        try:
            await late.sync_checks()
            return retries, waits
        except GitHubTransientError:
            retries += 1
        except SettleWait as wait:
            waits += 1
            await late.transport.settle()
            late.clock.now = max(late.clock.now, wait.at)
    raise AssertionError(f"no convergence after {rounds} rounds")


@pytest.mark.anyio
async def test_thirty_commits_under_random_faults_each_get_exactly_one_check_run(
    late: LateWorld,
) -> None:
    chance = random.Random(18)
    shas = [f"{n:040x}" for n in range(1, 31)]
    for n, sha in enumerate(shas):
        late.desire_check(f"check:{n}", sha)
    faults = {"before": 0, "after_store": 0, "late": 0}
    for _ in range(20):
        kind = chance.choice(list(faults))
        faults[kind] += 1
        if kind == "late":
            late.transport.hold("POST", f"^{CHECK_RUNS}$")
        else:
            await late.fault(
                path_regex=f"^{CHECK_RUNS}$",
                method="POST",
                status=chance.choice([500, 502, 503]),
                after_store=kind == "after_store",
            )

    retries, waits = await _converge(late)
    await late.transport.settle()

    per_commit = {sha: 0 for sha in shas}
    for check in await late.check_runs():
        per_commit[check["head_sha"]] += 1
    assert per_commit == {sha: 1 for sha in shas}, faults
    assert retries >= faults["late"] and waits > 0  # a late POST may meet a fault itself
    for n, sha in enumerate(shas):
        row = late.check_row(f"check:{n}")
        [check] = [c for c in await late.check_runs() if c["head_sha"] == sha]
        assert row.github_id == check["id"] and row.synced_hash == row.desired_hash


@pytest.mark.anyio
async def test_two_syncs_at_once_create_each_check_run_once(late: LateWorld) -> None:
    for n in range(5):
        late.desire_check(f"check:{n}", f"{n + 1:040x}")

    outcomes = await asyncio.gather(late.sync_checks(), late.sync_checks(), return_exceptions=True)

    for outcome in outcomes:  # the loser of a claim waits to look again, or finds it done
        assert not isinstance(outcome, BaseException) or isinstance(outcome, SettleWait)
    late.clock.advance(WINDOW)
    await late.sync_checks()
    assert sorted(c["external_id"] for c in await late.check_runs()) == [
        f"check:{n}" for n in range(5)
    ]
    assert await late.posts(CHECK_RUNS) == [201] * 5
