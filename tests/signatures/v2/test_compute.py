"""Version 2 end to end: grouping decisions a user would notice.

Reporter fixtures in ``reports/`` were written here, after the real tools' output
formats (surefire, Gradle, jest-junit, CTRF, Playwright JUnit, TRX); every pair of
"same" / "different" below is a promise of docs/signatures.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.reports import parse_report
from bot.core.signatures.model import Signature
from bot.core.signatures.v2.compute import compute_v2
from tests.signatures.conftest import failure

REPORTS = Path(__file__).with_name("reports")


def v2(
    message: str | None = None,
    failure_type: str | None = None,
    trace: str | None = None,
    test_id: str = "tests/test_a.py::test_one",
) -> Signature:
    return compute_v2(failure(message, failure_type, trace, test_id), ())


def reported(name: str) -> Signature:
    cases = parse_report((REPORTS / name).read_bytes(), path=name).failures
    assert len(cases) == 1
    return compute_v2(cases[0], ())


@pytest.mark.parametrize(
    "names",
    [
        ["surefire-grpc.xml", "gradle-grpc.xml", "ctrf-grpc.json"],
        ["jest-junit-503.xml", "ctrf-503.json", "playwright-503.xml", "trx-503.trx"],
    ],
)
def test_one_failure_in_every_reporter_is_one_fingerprint(names: list[str]) -> None:
    assert len({reported(name).fingerprint for name in names}) == 1


def test_grpc_status_is_the_family_in_every_reporter() -> None:
    signature = reported("surefire-grpc.xml")
    assert signature.family == "grpc-unavailable"
    assert "frames=com/acme/orders/OrderClient.java:OrderClient.place" in signature.normalized


def test_the_demo_smoke_failure_is_titled_by_its_status() -> None:
    # sandbox/loopwatch_sandbox/demo/artifacts_scene.py
    signature = v2("AssertionError: expected 200, got 503", "AssertionError")
    assert signature.title == "AssertionError: expected 200, got 503"
    assert signature.family == "http-503"


def test_the_actual_status_is_the_failure() -> None:
    a = v2('expected 200 "OK", got 500 "Internal Server Error"')
    b = v2('expected 200 "OK", got 503 "Service Unavailable"')
    assert (a.family, b.family) == ("http-500", "http-503")
    junit = v2(
        "expected: <CloseStatus[code=1000, reason=null]> but was: <CloseStatus[code=1011, "
        "reason=null]>",
        "org.opentest4j.AssertionFailedError",
    )
    assert junit.family == "websocket-close-1011"


def test_the_1011_from_many_e2e_tests_is_one_cluster() -> None:
    def seen_from(test: str) -> Signature:
        trace = f"    at Object.<anonymous> (/home/runner/work/web/web/e2e/{test}.spec.ts:27:58)"
        return v2("WebSocket closed with code=1011", None, trace, f"e2e/{test}.spec.ts::streams")

    assert seen_from("chat").fingerprint == seen_from("billing").fingerprint


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # five kinds of timeout are five clusters
        (
            ("Message: \n", "selenium.common.exceptions.TimeoutException"),
            (
                "HTTPConnectionPool(host='api.acme.test', port=443): Read timed out.",
                "requests.exceptions.ReadTimeout",
            ),
        ),
        (("Timeout (0:00:30)!", "Failed"), ("", "asyncio.TimeoutError")),
        (
            (
                "QueuePool limit of size 5 overflow 10 reached, connection timed out, "
                "timeout 30.00",
                "sqlalchemy.exc.TimeoutError",
            ),
            ("Timeout (0:00:30)!", "Failed"),
        ),
        # a 503 from two upstreams
        (
            (
                "503 Server Error: Service Unavailable for url: https://payments.acme.test/v1/charge",
                "requests.exceptions.HTTPError",
            ),
            (
                "503 Server Error: Service Unavailable for url: https://search.acme.test/q",
                "requests.exceptions.HTTPError",
            ),
        ),
        # connection refused to PostgreSQL and to Redis
        (
            (
                'connection to server at "127.0.0.1", port 5432 failed: Connection refused',
                "psycopg.OperationalError",
            ),
            (
                "Error 111 connecting to localhost:6379. Connection refused.",
                "redis.exceptions.ConnectionError",
            ),
        ),
        # Java heap vs Metaspace
        (
            ("Java heap space", "java.lang.OutOfMemoryError"),
            ("Metaspace", "java.lang.OutOfMemoryError"),
        ),
        # alembic vs npm build exiting 1
        (
            (
                "Command '['alembic', 'upgrade', 'head']' returned non-zero exit status 1.",
                "subprocess.CalledProcessError",
            ),
            ("Command failed: `npm run build` exited with 1", None),
        ),
        # MySQL 2013 vs 2006
        (
            (
                "(2013, 'Lost connection to MySQL server during query')",
                "pymysql.err.OperationalError",
            ),
            ('(2006, "MySQL server has gone away")', "pymysql.err.OperationalError"),
        ),
    ],
)
def test_family_discriminators_keep_causes_apart(
    a: tuple[str, str | None], b: tuple[str, str | None]
) -> None:
    assert v2(*a).fingerprint != v2(*b).fingerprint


@pytest.mark.parametrize(
    "spellings",
    [
        [
            ("Command '['./crash']' died with <Signals.SIGSEGV: 11>.", None),
            ("Command '['./crash']' returned non-zero exit status -11.", None),
            ("Command '['./crash']' returned non-zero exit status 139.", None),
        ],
        [
            ("HTTP 503 from https://api.acme.test/health", "AssertionError"),
            (
                "503 Server Error: Service Unavailable for url: https://api.acme.test/v1/runs",
                "requests.exceptions.HTTPError",
            ),
            (
                "Server error '503 Service Unavailable' for url 'https://api.acme.test/v1/x'",
                "httpx.HTTPStatusError",
            ),
        ],
    ],
)
def test_spellings_of_one_failure_are_one(spellings: list[tuple[str, str | None]]) -> None:
    assert len({v2(*spelling).fingerprint for spelling in spellings}) == 1


def test_xdist_worker_ids_do_not_split() -> None:
    # https://github.com/pytest-dev/pytest-xdist/issues/714
    a = v2("worker 'gw1' crashed while running 'tests/test_a.py::test_x'")
    b = v2("worker 'gw3' crashed while running 'tests/test_a.py::test_x'")
    assert a.fingerprint == b.fingerprint


def test_go_nil_panics_are_keyed_by_where_they_happen() -> None:
    def panic(where: str) -> Signature:
        trace = (
            "panic: runtime error: invalid memory address or nil pointer dereference\n"
            "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x51e699]\n\n"
            f"goroutine 7 [running]:\ngithub.com/acme/app/{where}()\n"
            f"\t/home/runner/work/app/app/{where.replace('.', '/')}.go:27 +0x19\n"
        )
        return v2("Failed", None, trace, "pkg/TestX")

    assert panic("store.Get").fingerprint != panic("cache.Put").fingerprint
    assert panic("store.Get").family is None  # a nil panic is not a SIGSEGV crash


def test_normalized_is_readable() -> None:
    signature = v2("order 42 has no items", "ValueError")
    assert signature.normalized == (
        "v2 | computed | family=- | type=ValueError | detail=order <n> has no items | frames="
    )
    assert signature.title == "ValueError: order <n> has no items"


def test_a_second_server_on_its_own_port_is_another_callee() -> None:
    error = "redis.exceptions.ConnectionError"
    default = v2("Error 111 connecting to localhost:6379. Connection refused.", error)
    again = v2("Error 111 connecting to 127.0.0.1:6379. Connection refused.", error)
    replica = v2("Error 111 connecting to localhost:6380. Connection refused.", error)
    assert default.fingerprint == again.fingerprint != replica.fingerprint
    assert default.title == "Connection refused (redis)"
    assert replica.title == "Connection refused (redis:6380)"


def test_a_random_port_is_data() -> None:
    a = v2("[Errno 111] Connect call failed ('127.0.0.1', 41234)", "ConnectionRefusedError")
    b = v2("[Errno 111] Connect call failed ('127.0.0.1', 52011)", "ConnectionRefusedError")
    assert a.fingerprint == b.fingerprint


def test_a_500_is_keyed_by_the_request_a_503_by_the_service() -> None:
    # https://github.com/forwardemail/supertest/issues/226 (supertest's wording)
    get = v2('expected 200 "OK", got 500 "Internal Server Error"')
    post = v2('expected 201 "Created", got 500 "Internal Server Error"')
    assert get.fingerprint != post.fingerprint
    down_get = v2('expected 200 "OK", got 503 "Service Unavailable"')
    down_post = v2('expected 201 "Created", got 503 "Service Unavailable"')
    assert down_get.fingerprint == down_post.fingerprint


def test_grpc_unknown_keeps_the_servers_error() -> None:
    a = v2("io.grpc.StatusRuntimeException: UNKNOWN: refCnt: 0")
    b = v2("io.grpc.StatusRuntimeException: UNKNOWN: Cannot transition phase")
    assert a.family == b.family == "grpc-unknown"
    assert a.fingerprint != b.fingerprint


def test_a_test_timeout_is_keyed_by_the_pending_browser_action() -> None:
    # https://github.com/research-software-directory/RSD-as-a-service/pull/834
    click = v2("Test timeout of 30000ms exceeded.\n\nError: locator.click: Target closed")
    goto = v2("Test timeout of 30000ms exceeded.\n\nError: page.goto: net::ERR_ABORTED")
    assert click.family == goto.family == "timeout-test"
    assert click.fingerprint != goto.fingerprint


def test_strerror_words_are_errno() -> None:
    # https://github.com/apache/pulsar/issues/19005
    a = v2("failed to bind to /0.0.0.0:6650: Address already in use", None, None, "t::a")
    b = v2("failed to bind to /0.0.0.0:6650: Address already in use", None, None, "t::b")
    assert a.family == "errno-eaddrinuse"
    assert a.fingerprint == b.fingerprint
