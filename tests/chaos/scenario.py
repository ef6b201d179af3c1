"""A seeded scenario of test runs: campaigns whose failures appear, recur, get fixed, regress.

Pure: the same seed and size give the same uploads, byte for byte. Reports are small
JUnit XML files shaped like real pytest (``--junitxml``) and Maven surefire output.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.chaos.junit import Case, Cause, pytest_report, surefire_report

START = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)  # far from any wall clock the bot may render
RUN_SPACING = timedelta(minutes=20)
INSTALLATION_OWNER = "acme"


@dataclass(frozen=True)
class CampaignPlan:
    repo: str
    name: str
    shape: str  # "pytest" | "surefire"
    tests: tuple[str, ...]  # "file::name" (pytest) or "Class#method" (surefire)
    weight: float


CAMPAIGNS = (
    CampaignPlan(
        "acme/shop",
        "staging-e2e",
        "pytest",
        tuple(
            f"tests/e2e/{module}.py::{name}"
            for module, names in {
                "test_checkout": ("test_pay_by_card", "test_pay_by_invoice", "test_refund"),
                "test_cart_websocket": ("test_events_delivered", "test_reconnect"),
                "test_search": ("test_facets", "test_typo_tolerance", "test_empty_query"),
                "test_accounts": ("test_signup", "test_password_reset"),
            }.items()
            for name in names
        ),
        0.5,
    ),
    CampaignPlan(
        "acme/shop",
        "nightly-integration",
        "surefire",
        tuple(
            f"com.acme.shop.{cls}#{name}"
            for cls, names in {
                "OrderServiceIT": ("placesOrder", "cancelsOrder", "rejectsEmptyCart"),
                "InventoryIT": ("reservesStock", "releasesStock"),
                "BillingIT": ("chargesCard", "issuesInvoice"),
            }.items()
            for name in names
        ),
        0.3,
    ),
    CampaignPlan(
        "acme/api",
        "api-smoke",
        "pytest",
        tuple(
            f"tests/smoke/{module}.py::{name}"
            for module, names in {
                "test_health": ("test_liveness", "test_readiness"),
                "test_orders_api": ("test_create_order", "test_list_orders", "test_rate_limit"),
            }.items()
            for name in names
        ),
        0.2,
    ),
)

PYTEST_CAUSES = (
    Cause(
        "websockets.exceptions.ConnectionClosedError",
        "received 1011 (internal error); then sent 1011 (internal error)",
        "app/realtime/ws_client.py",
        41,
    ),
    Cause("AssertionError", "assert 500 == 200", "app/api/payments.py", 117),
    Cause("TimeoutError", "timed out after 30.0 s waiting for the order service", "app/svc.py", 9),
    Cause("KeyError", "'currency'", "app/pricing/convert.py", 58),
)
SUREFIRE_CAUSES = (
    Cause(
        "java.lang.NullPointerException",
        'Cannot invoke "Order.total()" because "order" is null',
        "OrderService.java",
        212,
    ),
    Cause(
        "org.opentest4j.AssertionFailedError",
        "expected: <RESERVED> but was: <PENDING>",
        "InventoryIT.java",
        77,
    ),
    Cause("java.net.SocketTimeoutException", "Read timed out", "BillingClient.java", 133),
)


@dataclass(frozen=True)
class Upload:
    index: int
    repo: str
    campaign: str
    commit_sha: str
    branch: str
    pull_request: int | None
    started_at: datetime
    finished_at: datetime
    filename: str
    report: bytes
    failing: tuple[str, ...]  # for the scenario's own summary

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "repository": self.repo,
            "campaign": self.campaign,
            "commit_sha": self.commit_sha,
            "branch": self.branch,
            "workflow": "ci",
            "workflow_run_id": 7_000 + self.index,
            "run_attempt": 1,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
        }
        if self.pull_request is not None:
            meta["pull_request"] = self.pull_request
        return meta


@dataclass(frozen=True)
class _Lifecycle:
    """One cause in one campaign: failing from ``start`` until ``fixed``, and again from
    ``regressed`` (if any), on the campaign's run indexes; ``tests`` it breaks."""

    cause: Cause
    tests: tuple[str, ...]
    start: int
    fixed: int
    regressed: int | None

    def active(self, k: int) -> bool:
        return self.start <= k < self.fixed or (self.regressed is not None and k >= self.regressed)


def _lifecycles(rng: random.Random, plan: CampaignPlan, runs: int) -> list[_Lifecycle]:
    causes = PYTEST_CAUSES if plan.shape == "pytest" else SUREFIRE_CAUSES
    lifecycles = []
    for cause in causes:
        start = rng.randrange(0, max(1, runs * 2 // 3))
        fixed = rng.randint(start + 2, max(start + 2, runs - 2))
        regressed = (
            rng.randint(fixed + 2, runs) if rng.random() < 0.5 and fixed + 2 < runs else None
        )
        tests = tuple(rng.sample(plan.tests, rng.randint(1, 3)))
        lifecycles.append(_Lifecycle(cause, tests, start, fixed, regressed))
    return lifecycles


def _sha(seed: int, index: int) -> str:
    return hashlib.sha1(f"chaos:{seed}:{index}".encode()).hexdigest()


def generate(seed: int, runs: int) -> list[Upload]:
    """``runs`` uploads over the campaigns above, in upload (and ``finished_at``) order."""
    rng = random.Random(seed)
    picks = rng.choices(range(len(CAMPAIGNS)), [c.weight for c in CAMPAIGNS], k=runs)
    per_campaign = [picks.count(i) for i in range(len(CAMPAIGNS))]
    lifecycles = [
        _lifecycles(rng, plan, max(n, 1)) for plan, n in zip(CAMPAIGNS, per_campaign, strict=True)
    ]
    seen = [0] * len(CAMPAIGNS)
    uploads = []
    for index, pick in enumerate(picks):
        plan, k = CAMPAIGNS[pick], seen[pick]
        seen[pick] += 1
        failures: dict[str, Cause] = {}
        for life in lifecycles[pick]:
            if life.active(k) and rng.random() < 0.85:  # recurs most of the time
                for test in life.tests:
                    failures.setdefault(test, life.cause)
        if rng.random() < 0.08:  # a one-off (flaky) failure
            failures.setdefault(rng.choice(plan.tests), lifecycles[pick][-1].cause)
        pull_request = rng.choice((101, 102, 103)) if rng.random() < 0.15 else None
        finished = START + RUN_SPACING * index
        cases = [
            Case(test, round(rng.uniform(0.05, 40.0), 3), failures.get(test)) for test in plan.tests
        ]
        build = pytest_report if plan.shape == "pytest" else surefire_report
        filename = "junit.xml" if plan.shape == "pytest" else "TEST-com.acme.shop.xml"
        uploads.append(
            Upload(
                index=index,
                repo=plan.repo,
                campaign=plan.name,
                commit_sha=_sha(seed, index),
                branch=f"feature/pr-{pull_request}" if pull_request else "main",
                pull_request=pull_request,
                started_at=finished - timedelta(minutes=rng.randint(3, 15)),
                finished_at=finished,
                filename=filename,
                report=build(cases, finished),
                failing=tuple(sorted(failures)),
            )
        )
    return uploads


def repositories() -> list[str]:
    return sorted({plan.repo for plan in CAMPAIGNS})


def config_for(repo: str) -> str:
    """The repository's ``.github/loopwatch.yml``: its campaigns, titled and labelled."""
    lines = ["campaigns:"]
    for plan in CAMPAIGNS:
        if plan.repo != repo:
            continue
        lines += [
            f"  {plan.name}:",
            '    title: "Test loop: {campaign}"',
            "    labels:",
            "      - {name: loopwatch, color: 5319e7}",
            f"      - {{name: {plan.shape}, color: 0e8a16}}",
        ]
    return "\n".join(lines) + "\n"
