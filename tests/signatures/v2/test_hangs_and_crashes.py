"""Version 2: test-level timeouts and native crashes that say nothing but their family.

A bare "this test hung" or "Segmentation fault" is a family, not a cause: two of them in
one repository merge only when the same test (file) hung or the crash happened at the same
place. Each test quotes a public failure text (URL above it).
"""

from __future__ import annotations

from bot.core.signatures.model import Signature
from bot.core.signatures.v2.compute import compute_v2
from tests.signatures.conftest import failure


def v2(message: str, trace: str | None, test_id: str, failure_type: str | None = None) -> Signature:
    return compute_v2(failure(message, failure_type, trace, test_id), ())


# https://github.com/relab/gorums/issues/101 and https://github.com/fybrik/fybrik/issues/2077:
# go test's alarm, nothing else in the report
GO_TIMEOUT = "panic: test timed out after 10m0s"


def test_go_timeouts_of_two_tests_are_two_failures() -> None:
    gorums = v2(
        GO_TIMEOUT, GO_TIMEOUT, "github.com/x/gorums/tests/ordering.TestOrderingRPC", "panic"
    )
    fybrik = v2(GO_TIMEOUT, GO_TIMEOUT, "x.io/fybrik/controllers/app.TestController", "panic")
    rerun = v2(
        GO_TIMEOUT, GO_TIMEOUT, "github.com/x/gorums/tests/ordering.TestOrderingRPC", "panic"
    )
    assert gorums.family == fybrik.family == "timeout-test"
    assert gorums.fingerprint != fybrik.fingerprint
    assert gorums.fingerprint == rerun.fingerprint


# https://github.com/ipfs/gateway-conformance/issues/46 (Go >= 1.20 names the running tests)
GO_RUNNING = """panic: test timed out after 10m0s
running tests:
\tTestGatewayTar (9m52s)
\tTestGatewayTar/GET_TAR_has_expected_root_directory (9m52s)

goroutine 1028 [running]:
testing.(*M).startAlarm.func1()
\t/usr/local/go/src/testing/testing.go:2241 +0x3c5
created by time.goFunc
\t/usr/local/go/src/time/sleep.go:176 +0x32"""


def test_go_names_the_hung_test_whichever_test_reported_it() -> None:
    a = v2(GO_TIMEOUT, GO_RUNNING, "github.com/ipfs/gateway-conformance/tests.TestGatewayTar")
    b = v2(GO_TIMEOUT, GO_RUNNING, "github.com/ipfs/gateway-conformance/tests")
    other = GO_RUNNING.replace("TestGatewayTar", "TestGatewayCar")
    c = v2(GO_TIMEOUT, other, "github.com/ipfs/gateway-conformance/tests")
    assert a.fingerprint == b.fingerprint
    assert a.fingerprint != c.fingerprint


# https://github.com/jestjs/jest/issues/14695 (test timeout) and
# https://github.com/callstack/react-native-testing-library/issues/1743 (hook timeout)
JEST_TEST = 'thrown: "Exceeded timeout of 15000 ms for a test.'
JEST_HOOK = 'thrown: "Exceeded timeout of 5000 ms for a hook.'
USE = (
    "\nUse jest.setTimeout(newTimeout) to increase the timeout value,"
    " if this is a long-running test."
)


def test_jest_timeouts_are_told_apart_by_the_hung_tests_file() -> None:
    orders = v2(JEST_TEST, JEST_TEST + USE, "src/__tests__/orders.test.ts::orders › creates")
    orders_again = v2(JEST_TEST, JEST_TEST + USE, "src/__tests__/orders.test.ts::orders › lists")
    profile = v2(JEST_HOOK, JEST_HOOK + USE, "src/screens/Profile.test.tsx::Profile › shows name")
    assert orders.fingerprint == orders_again.fingerprint  # one slow suite, test after test
    assert orders.fingerprint != profile.fingerprint
    assert orders.title == profile.title == "Test timed out"


def test_mocha_and_jest_timeouts_of_one_file_are_one_failure() -> None:
    mocha = v2("Timeout of 2000ms exceeded.", None, "test/arithmetic.js::divides", "Error")
    jest = v2("Exceeded timeout of 5000 ms for a test.", None, "test/arithmetic.js::multiplies")
    assert mocha.fingerprint == jest.fingerprint


# https://github.com/microsoft/vscode-python/issues/22090 (ctypes) and
# https://github.com/pytest-dev/pytest/issues/10720 (inside pytest's own hook)
CTYPES = """Fatal Python error: Segmentation fault

Current thread 0x00007f9fa8dd2000 (most recent call first):
  File "/usr/lib/python3.10/ctypes/__init__.py", line 517 in string_at
  File "/home/u/repo/suite/test_many_functions.py", line 7 in test_many_1p
  File "/home/u/repo/.venv/lib/python3.10/site-packages/_pytest/python.py", line 194 in pyfunc"""
PYTEST_HOOK = (
    "test1.py FFatal Python error: Segmentation fault\n\n"
    "Current thread 0x00007f769f034740 (most recent call first):\n"
    '  File "/usr/local/lib/python3.7/site-packages/_pytest/faulthandler.py", line 116'
    " in pytest_exception_interact\n"
    '  File "/usr/local/lib/python3.7/site-packages/pluggy/callers.py", line 187 in _multicall'
)
SEGV = "Fatal Python error: Segmentation fault"


def test_faulthandler_segfaults_are_keyed_by_where_they_crashed() -> None:
    ctypes = v2(SEGV, CTYPES, "test_many_functions.py::test_many_1p")
    ctypes_again = v2(SEGV, CTYPES.replace("0x00007f9fa8dd2000", "0x00007f0000000000"), "t::b")
    hook = v2(SEGV, PYTEST_HOOK, "test1.py::test_one")
    assert ctypes.family == hook.family == "signal-sigsegv"
    assert ctypes.fingerprint == ctypes_again.fingerprint
    assert ctypes.fingerprint != hook.fingerprint
    assert "test_many_functions.py:test_many_1p" in ctypes.normalized
    assert "_pytest/faulthandler.py:pytest_exception_interact" in hook.normalized


def test_faulthandler_reads_the_current_thread_not_the_others() -> None:
    other_thread = (
        '\nThread 0x00007f00 (most recent call first):\n  File "/w/app/pool.py", line 3 in run'
    )
    crash = v2(SEGV, CTYPES + other_thread, "test_many_functions.py::test_many_1p")
    assert crash.fingerprint == v2(SEGV, CTYPES, "test_many_functions.py::test_many_1p").fingerprint


# https://github.com/ai-on-browser/ai-on-browser.github.io/issues/595 (the V8 heap limit) and
# https://github.com/jestjs/jest/issues/14445 (a V8 zone allocation: not the heap)
V8_HEAP = (
    "FATAL ERROR: Ineffective mark-compacts near heap limit"
    " Allocation failed - JavaScript heap out of memory"
)
V8_PROCESS = "FATAL ERROR: RegExpCompiler Allocation failed - process out of memory"


def test_node_heap_limit_and_process_out_of_memory_are_two_failures() -> None:
    heap = v2(V8_HEAP, V8_HEAP, "tests/gan.test.js::Test suite failed to run")
    process = v2(V8_PROCESS, V8_PROCESS, "src/format.test.ts::Test suite failed to run")
    assert heap.family == "oom-js-heap"
    assert process.family == "oom-js-process"
    assert heap.fingerprint != process.fingerprint
