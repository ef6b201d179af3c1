"""The cause reader: which part of a failure is hashed (real texts cite their source)."""

from __future__ import annotations

import pytest

from bot.core.signatures.v2.cause import pick_cause
from tests.signatures.conftest import failure

GRPC_TRACE = (
    # https://github.com/grpc/grpc-java/issues/10802
    "io.grpc.StatusRuntimeException: UNAVAILABLE: io exception\n"
    "\tat io.grpc.stub.ClientCalls.toStatusRuntimeException(ClientCalls.java:268)\n"
    "Caused by: io.grpc.netty.shaded.io.netty.channel.AbstractChannel$AnnotatedConnectException:"
    " Connection refused: no further information: /127.0.0.1:9898\n"
    "Caused by: java.net.ConnectException: Connection refused: no further information\n"
    "\tat java.base/sun.nio.ch.Net.pollConnect(Native Method)\n"
)
SPRING = (
    # https://github.com/apache/incubator-kie-kogito-runtimes/pull/3740 (shortened)
    "Failed to load ApplicationContext for [WebMergedContextConfiguration@265287ec testClass = "
    "it.pkg.GreetingsTest, locations = [], classes = [it.pkg.KogitoApplication]]"
)
GO_PANIC = (
    # https://github.com/go-mix/mix/issues/77
    "panic: runtime error: invalid memory address or nil pointer dereference\n"
    "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x51e699]\n\n"
    "goroutine 7 [running]:\n"
    "github.com/go-mix/mix/bind/sample.OutNextBytes()\n"
    "\t/home/runner/work/mix/mix/bind/sample/out.go:27 +0x19\n"
)
TESTIFY = (
    "    handler_test.go:42: \n"
    "        \tError Trace:\thandler_test.go:42\n"
    "        \tError:      \tNot equal: \n"
    "        \t            \texpected: 200\n"
    "        \t            \tactual  : 503\n"
    "        \tTest:       \tTestHealth\n"
)
JEST_OOM = (
    # https://github.com/ai-on-browser/ai-on-browser.github.io/issues/595
    "  ● Test suite failed to run\n\n"
    "    FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - "
    "JavaScript heap out of memory\n"
)
PYDANTIC = (
    "2 validation errors for ToolCall\narguments.query\n  Field required [type=missing, "
    "input_value={}, input_type=dict]\narguments.limit\n  Input should be a valid integer "
    "[type=int_parsing, input_value='x', input_type=str]"
)
DOTNET = (
    "System.AggregateException : One or more errors occurred. ---> "
    "System.Net.Http.HttpRequestException : Connection refused (localhost:5432)"
)


@pytest.mark.parametrize(
    ("message", "failure_type", "trace", "reader", "kind", "message_start"),
    [
        (
            "UNAVAILABLE: io exception",
            "io.grpc.StatusRuntimeException",
            GRPC_TRACE,
            "java-caused-by",
            "ConnectException",
            "Connection refused",
        ),
        (
            SPRING,
            "java.lang.IllegalStateException",
            None,
            "spring-context",
            "IllegalStateException",
            "Failed to load ApplicationContext",
        ),
        ("Failed", None, GO_PANIC, "go-panic", "panic", "runtime error: invalid memory"),
        ("Failed", None, TESTIFY, "testify", None, "Not equal:"),
        (
            "Test suite failed to run",
            None,
            JEST_OOM,
            "jest-suite",
            None,
            "FATAL ERROR: Ineffective",
        ),
        (
            PYDANTIC,
            "ValidationError",
            None,
            "pydantic",
            "ValidationError",
            "validation error for ToolCall: arguments.limit [type=int_parsing]; arguments.query",
        ),
        (DOTNET, None, None, "dotnet-inner", "HttpRequestException", "Connection refused"),
        (
            "Failure/Error: expect(response.status).to eq(200)\n\n  expected: 200\n       got: 503",
            None,
            None,
            "rspec",
            None,
            "expected: 200",
        ),
        (
            "",
            None,
            "def test_x():\n>       client.get()\nE       requests.exceptions.ReadTimeout: "
            "HTTPConnectionPool(host='httpbin.org', port=80): Read timed out.",
            "last-exception",
            "ReadTimeout",
            "HTTPConnectionPool",
        ),
    ],
)
def test_reader(
    message: str,
    failure_type: str | None,
    trace: str | None,
    reader: str,
    kind: str | None,
    message_start: str,
) -> None:
    cause = pick_cause(failure(message, failure_type, trace))
    assert (cause.reader, cause.type) == (reader, kind)
    assert cause.message.startswith(message_start)


def test_gotestsum_test_name_prefix_is_not_a_type() -> None:
    cause = pick_cause(
        failure("TestHealth: handler_test.go:42: boom", None, None, test_id="pkg/TestHealth")
    )
    assert (cause.type, cause.message) == (None, "boom")


def test_grpc_status_is_not_a_type() -> None:
    cause = pick_cause(failure("io.grpc.StatusRuntimeException: UNAVAILABLE: io exception"))
    assert (cause.type, cause.message) == ("StatusRuntimeException", "UNAVAILABLE: io exception")


def test_xunit_nested_inner_exceptions_the_deepest_wins() -> None:
    message = (
        "System.InvalidOperationException : An exception has been raised that is likely due "
        "to a transient failure.\n---- Npgsql.NpgsqlException (0x80004005): Failed to connect "
        "to 127.0.0.1:5432\n-------- System.Net.Sockets.SocketException (111): Connection refused"
    )
    cause = pick_cause(failure(message))
    assert (cause.reader, cause.type, cause.message) == (
        "dotnet-inner",
        "SocketException",
        "Connection refused",
    )
