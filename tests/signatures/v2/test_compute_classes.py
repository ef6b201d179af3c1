"""Version 2, classes of real failures that re-run or repeat with varying parts.

Each test quotes a public failure text (URL above it) and states a grouping promise of
docs/signatures.md for the whole class, not for that one project.
"""

from __future__ import annotations

from bot.core.signatures.model import Signature
from bot.core.signatures.v2.compute import compute_v2
from tests.signatures.conftest import failure


def v2(
    message: str | None = None,
    failure_type: str | None = None,
    trace: str | None = None,
    test_id: str = "tests/test_a.py::test_one",
) -> Signature:
    return compute_v2(failure(message, failure_type, trace, test_id), ())


# https://github.com/hubmapconsortium/portal-ui/issues/102: every error page answers 200
ERROR_PAGE = """AssertionError: assert '200 OK' == '{code} {reason}'
  - 200 OK
  + {code} {reason}"""


def test_a_success_where_errors_were_expected_is_one_failure() -> None:
    bad_request = v2(ERROR_PAGE.format(code=400, reason="BAD REQUEST"), test_id="t.py::test_400")
    forbidden = v2(ERROR_PAGE.format(code=403, reason="FORBIDDEN"), test_id="t.py::test_403")
    assert bad_request.fingerprint == forbidden.fingerprint
    assert bad_request.family == "http-200"


def test_an_error_status_still_keeps_the_expected_status_apart() -> None:
    created = v2("AssertionError: expected 201, got 400")
    ok = v2("AssertionError: expected 200, got 400")
    assert created.fingerprint != ok.fingerprint


# https://github.com/Mosibi/whr_930/issues/9 ('a0') and
# https://github.com/moonshawdo/checkgoogleip/issues/47 ('') : the rejected input varies
PARSE_TRACE = """Traceback (most recent call last):
  File "whr930.py", line 753, in get_status
    ActiveStatus1 = int(data[13])
ValueError: invalid literal for int() with base 10: {value}"""


def test_the_input_a_conversion_rejected_is_data() -> None:
    seen = {
        v2(f"invalid literal for int() with base 10: {value}", "ValueError", trace).fingerprint
        for value in ("'a0'", "''", "'12a'")
        for trace in [PARSE_TRACE.format(value=value)]
    }
    assert len(seen) == 1


# https://github.com/folio-org/mod-inventory-storage/pull/649: the matcher's value varies
AWAITILITY = (
    "Lambda expression in org.folio.rest.support.matchers.DomainEventAssertions that uses "
    "java.lang.String, java.lang.Stringjava.lang.String: expected a value greater than <{n}> "
    "but <{n}> was equal to <{n}> within 1 seconds."
)
# https://github.com/elastic/apm-agent-java/pull/2286 (another wait: apart)
AWAITILITY_OTHER = (
    "Condition with lambda expression in co.elastic.apm.agent.profiler.SamplingProfilerTest "
    "that uses co.elastic.apm.agent.profiler.SamplingProfiler was not fulfilled within 6 seconds."
)
CONDITION_TIMEOUT = "org.awaitility.core.ConditionTimeoutException"


def test_an_awaitility_wait_is_keyed_by_where_its_condition_is_defined() -> None:
    runs = {v2(AWAITILITY.format(n=n), CONDITION_TIMEOUT) for n in (0, 1, 2)}
    assert len({s.fingerprint for s in runs}) == 1
    assert v2(AWAITILITY_OTHER, CONDITION_TIMEOUT).fingerprint not in {s.fingerprint for s in runs}


# A native crash or a kill names no in-repo frame; the process that died says which one.
# https://github.com/brave/brave-browser/issues/58778 (jest-worker)
JEST_SEGV = (
    "A jest worker process (pid={pid}) was terminated by another process: signal=SIGSEGV, "
    "exitCode=null. Operating system logs may contain more information on why this occurred."
)
# https://github.com/cloudflare/workerd/issues/6763 (vitest pool running workerd)
WORKERD_SEGV = """*** Received signal #11: Segmentation fault
Error: [vitest-pool]: Worker cloudflare-pool emitted error.
Caused by: Error: Worker exited unexpectedly"""
# https://github.com/dotnet/runtime/issues/56567 and /56165 (Helix work items, exit 137)
HELIX_KILLED = (
    './RunTests.sh: line 162: 11202 Killed                  "$RUNTIME_PATH/dotnet" exec '
    "--runtimeconfig {name}.runtimeconfig.json xunit.console.dll {name}.dll -xml testResults.xml"
    "\n----- end ----- exit code 137"
)
# https://github.com/livepeer/go-livepeer/issues/1700 (the linker killed) and
# https://github.com/matrixorigin/matrixone/issues/27402 (the test binary killed)
GO_LINK_KILLED = """# github.com/livepeer/go-livepeer/core.test
/usr/lib/go-1.13/pkg/tool/linux_amd64/link: signal: killed
FAIL\tgithub.com/livepeer/go-livepeer/core [build failed]"""
GO_TEST_KILLED = """=== RUN   TestUpdate/ivfflat
signal: killed
FAIL github.com/matrixorigin/matrixone/pkg/sql/plan 107.588s"""


def test_crashed_workers_of_different_runners_are_apart() -> None:
    jest = [v2("Test suite failed to run", trace=JEST_SEGV.format(pid=pid)) for pid in (1, 2)]
    workerd = v2("Worker exited unexpectedly", "Error", WORKERD_SEGV)
    assert jest[0].fingerprint == jest[1].fingerprint
    assert jest[0].family == workerd.family == "signal-sigsegv"
    assert jest[0].fingerprint != workerd.fingerprint


def test_killed_test_hosts_are_told_apart_by_what_they_ran() -> None:
    runtime = v2("exit code 137", trace=HELIX_KILLED.format(name="System.Runtime.Tests"))
    io = v2("exit code 137", trace=HELIX_KILLED.format(name="System.IO.Tests"))
    assert runtime.family == io.family == "signal-sigkill"
    assert runtime.fingerprint != io.fingerprint
    assert "dotnet System.Runtime.Tests.dll" in runtime.normalized


def test_a_killed_linker_is_not_a_killed_test_binary() -> None:
    link = v2("Failed", trace=GO_LINK_KILLED, test_id="github.com/x/core::(build)")
    binary = v2("Failed", trace=GO_TEST_KILLED, test_id="github.com/x/core::(build)")
    assert link.family == binary.family == "signal-sigkill"
    assert link.fingerprint != binary.fingerprint


# https://github.com/apache/maven-surefire/issues/3042 (the fork's output buffered in Maven)
SUREFIRE = "org.apache.maven.plugin.surefire"
SUREFIRE_FORK_OOM = f"""java.lang.OutOfMemoryError: Java heap space
    at java.util.Arrays.copyOf(Arrays.java:3332)
    at java.lang.StringBuilder.append(StringBuilder.java:136)
    at {SUREFIRE}.booterclient.ForkStarter$CloseableCloser.run(ForkStarter.java:200)
    at {SUREFIRE}.booterclient.ForkStarter.fork(ForkStarter.java:{{line}})"""
# https://github.com/apache/maven-surefire/issues/1609 (every logged line kept in the report)
SUREFIRE_LISTENER_OOM = f"""Exception in thread "ThreadedStreamConsumer" \
java.lang.OutOfMemoryError: Java heap space
at java.util.Arrays.copyOfRange(Arrays.java:3209)
at java.lang.StringBuilder.toString(StringBuilder.java:430)
at {SUREFIRE}.report.TestSetRunListener.getAsString(TestSetRunListener.java:225)
at {SUREFIRE}.report.TestSetRunListener.wrap(TestSetRunListener.java:230)"""
JAVA_OOM = "java.lang.OutOfMemoryError"


def test_heap_exhausted_in_two_libraries_is_two_causes() -> None:
    fork = [v2("Java heap space", JAVA_OOM, SUREFIRE_FORK_OOM.format(line=n)) for n in (609, 615)]
    listener = v2("Java heap space", JAVA_OOM, SUREFIRE_LISTENER_OOM)
    assert fork[0].fingerprint == fork[1].fingerprint
    assert fork[0].family == listener.family == "oom-java-heap"
    assert fork[0].fingerprint != listener.fingerprint
    assert "ForkStarter.java:ForkStarter.CloseableCloser.run" in fork[0].normalized


# https://github.com/iamshaunjp/complete-mongodb/issues/5 (localhost resolved to ::1) and
# https://github.com/se701g2/Doto/issues/211 (mongod not running)
MONGO_IPV6 = "MongoServerSelectionError: connect ECONNREFUSED ::1:27017"
MONGO_IPV4 = (
    "failed to connect to server [127.0.0.1:27017] on first connect "
    "[Error: connect ECONNREFUSED 127.0.0.1:27017"
)
NODE_BOTH = "connect ECONNREFUSED ::1:27017, connect ECONNREFUSED 127.0.0.1:27017"


def test_a_refusal_on_the_ipv6_loopback_alone_is_its_own_cause() -> None:
    ipv6 = v2("connect ECONNREFUSED ::1:27017", "MongoServerSelectionError", MONGO_IPV6)
    ipv4 = v2(MONGO_IPV4, "MongoNetworkError", f"MongoNetworkError: {MONGO_IPV4}")
    both = v2(NODE_BOTH, "AggregateError", NODE_BOTH)
    assert ipv6.family == ipv4.family == "connection-refused"
    assert ipv6.fingerprint != ipv4.fingerprint
    assert "ipv6" not in both.normalized


# https://github.com/ThePrimeagen/kata-machine/issues/26: one unresolved path alias fails
# every suite; the suite's own name does not belong in the key of a load error.
TS_SUITE = """  ● Test suite failed to run

    ../__tests__/{name}.ts:1:23 - error TS2307: Cannot find module '@code/{name}' or its \
corresponding type declarations.

    1 import fn from "@code/{name}";"""


def test_a_suite_that_fails_to_load_is_not_keyed_by_its_test() -> None:
    seen = {
        v2("Test suite failed to run", trace=TS_SUITE.format(name=name), test_id=test_id)
        for name, test_id in (
            ("LinearSearchList", "__tests__/LinearSearchList.ts::Test suite failed to run"),
            ("BubbleSort", "__tests__/BubbleSort.ts::Test suite failed to run"),
        )
    }
    assert len({s.fingerprint for s in seen}) == 1
    assert "test=" not in next(iter(seen)).normalized


# https://github.com/ember-cli/ember-cli/issues/10065 (testem binds its fixed port 7357)
TESTEM_IN_USE = """Error: listen EADDRINUSE: address already in use :::{port}
    at Server.setupListenHandle [as _listen2] (node:net:1485:16)
    at Server.listen (node:net:1621:7)"""


def test_two_fixed_ports_in_use_are_two_servers() -> None:
    testem = [
        v2(f"listen EADDRINUSE: address already in use :::{port}", "Error", trace)
        for port in (7357, 7357, 4200)
        for trace in [TESTEM_IN_USE.format(port=port)]
    ]
    assert testem[0].family == "errno-eaddrinuse"
    assert testem[0].fingerprint == testem[1].fingerprint != testem[2].fingerprint


# https://github.com/Azure/azure-dev/issues/829: gotestsum's "=== FAIL" over a Go runtime
# fatal error, with and without the CI log's timestamps
AZD_TIMESTAMPED = """2022-10-06T17:46:07.2463931Z === FAIL: cli/azd/test/functional Test_A (unknown)
2022-10-06T17:46:07.2463931Z fatal error: concurrent map writes
2022-10-06T17:46:07.2463931Z
2022-10-06T17:46:07.2463931Z DONE 399 tests, 13 failures in 297.004s"""


def test_a_fatal_error_under_a_message_that_says_nothing_is_the_failure() -> None:
    logged = v2(
        "=== FAIL: cli/azd/test/functional Test_A (unknown)",
        trace=AZD_TIMESTAMPED,
        test_id="cli/azd/test/functional::Test_A",
    )
    plain = v2(
        "Failed",
        trace="fatal error: concurrent map writes",
        test_id="cli/azd/test/functional::Test_B",
    )
    assert logged.fingerprint == plain.fingerprint
    assert "concurrent map writes" in plain.title


# https://github.com/faisaltheparttimecoder/mock-data/issues/48 (PostgreSQL not running)
def test_a_refused_connection_logged_by_a_go_test_is_a_refused_connection() -> None:
    refused = v2("Failed", trace="dial tcp 127.0.0.1:5432: connect: connection refused")
    assert refused.family == "connection-refused"
    assert "postgresql" in refused.normalized


# https://github.com/microsoft/vstest/issues/2952: the test host crashed under two tests
HOST_CRASH = (
    "The active test run was aborted. Reason: Test host process crashed : Fatal error. "
    "System.AccessViolationException: Attempted to read or write protected memory."
)
HOST_CRASH_TRACE = f"""{HOST_CRASH}
   at System.Threading.Thread.get_OptimalMaxSpinWaitsPerSpinIteration()
   at System.Threading.LowLevelSpinWaiter.Wait(Int32, Int32, Int32)"""


def test_a_crashed_test_host_is_one_failure_whichever_test_ran() -> None:
    crashes = {
        v2(HOST_CRASH, trace=HOST_CRASH_TRACE, test_id=test_id).fingerprint
        for test_id in ("System.IO.Tests.File_Copy::CopyFile", "System.IO.Tests.FileStream::Append")
    }
    assert len(crashes) == 1


# https://github.com/openfoodfoundation/openfoodnetwork/issues/11669: the same Ferrum
# timeout alone, and aggregated with an error of the example's teardown
FERRUM = (
    "Timed out waiting for response. It's possible that this happened because something "
    "took a very long time (for example a page load was slow)."
)
FERRUM_ALONE = f"""Failure/Error: example.run

Ferrum::TimeoutError:
  {FERRUM}
# ./spec/system/support/cuprite_setup.rb:41:in `block (2 levels) in <top (required)>'"""
FERRUM_AGGREGATED = f"""Got 0 failures and 2 other errors:

1.1) Failure/Error: example.run

     Ferrum::TimeoutError:
       {FERRUM}
     # ./spec/system/support/cuprite_setup.rb:41:in `block (2 levels) in <top (required)>'

1.2) Failure/Error: example.run

     Ferrum::DeadBrowserError:
       Browser is dead or given window is closed"""


def test_an_rspec_aggregate_is_keyed_by_its_first_error() -> None:
    alone = v2(FERRUM, "Ferrum::TimeoutError", FERRUM_ALONE, test_id="spec/a_spec.rb::a")
    aggregated = v2(
        "Got 0 failures and 2 other errors:",
        "RSpec::Core::MultipleExceptionError",
        FERRUM_AGGREGATED,
        test_id="spec/a_spec.rb::a",
    )
    assert alone.fingerprint == aggregated.fingerprint


# Python's CalledProcessError for a killed child, as in
# https://github.com/bmaltais/kohya_ss/issues/1065 ("died with <Signals.SIGKILL: 9>"):
# an interpreter is named by what it ran.
KILLED_CHILD = "Command '{argv}' died with <Signals.SIGKILL: 9>."


def test_two_scripts_killed_under_one_interpreter_are_two_processes() -> None:
    def killed(argv: str) -> Signature:
        return v2(KILLED_CHILD.format(argv=argv), "subprocess.CalledProcessError")

    train = killed("['python', 'train_network.py', '--config', 'a.toml']")
    train_again = killed("['python', 'train_network.py', '--config', 'b.toml']")
    worker = killed("['python', '-m', 'agents.worker']")
    assert train.family == worker.family == "signal-sigkill"
    assert train.fingerprint == train_again.fingerprint != worker.fingerprint
    assert "python agents.worker" in worker.normalized


# https://github.com/xunit/xunit/issues/136: one Assert.Equal failing in several tests of a class
XUNIT_EQUAL = "Assert.Equal() Failure\nExpected: 1\nActual:   0"


def test_one_check_failing_in_several_tests_of_a_file_is_one_failure() -> None:
    once = v2(XUNIT_EQUAL, "Xunit.Sdk.EqualException", None, "CounterTests.IncrementsOnce")
    reset = v2(XUNIT_EQUAL, "Xunit.Sdk.EqualException", None, "CounterTests.IncrementsAfterReset")
    other_class = v2(XUNIT_EQUAL, "Xunit.Sdk.EqualException", None, "TimerTests.IncrementsOnce")
    assert once.fingerprint == reset.fingerprint
    assert once.fingerprint != other_class.fingerprint


# https://github.com/rspec/rspec-expectations/issues/122: eq without == (an empty diff)
RSPEC_EQ = "expected: #<ObjectA>\n     got: #<ObjectA> (using ==)"


def test_rspec_expectation_in_two_examples_of_a_spec_file_is_one_failure() -> None:
    error = "RSpec::Expectations::ExpectationNotMetError"
    dup = v2(RSPEC_EQ, error, None, "spec/models/element_spec.rb::Element#dup")
    clone = v2(RSPEC_EQ, error, None, "spec/models/element_spec.rb::Element#clone")
    assert dup.fingerprint == clone.fingerprint


def test_an_untyped_message_in_two_tests_still_falls_back_to_each_test() -> None:
    # without a type or an expected/actual pair, "Some error" is not known to be one check
    a = v2("Some error", None, None, "test/main_test.dart::Test 1")
    b = v2("Some error", None, None, "test/main_test.dart::Test 2")
    assert a.fingerprint != b.fingerprint


# https://github.com/ualbertalib/HydraNorth/issues/947 and https://github.com/akabiru/todos-api/issues/30:
# the same nil dereference in two spec files of one repository, two missing values
NIL_INDEX = "undefined method `[]' for nil:NilClass"


def test_a_nil_dereference_without_an_app_frame_is_placed_by_the_test() -> None:
    migration_trace = (
        'Failure/Error: id = doc["id"]\n  NoMethodError:\n    ' + NIL_INDEX + "\n"
        "  # ./spec/tasks/migration_rake_spec.rb:250:in `block (3 levels) in <top (required)>'"
    )
    migration = v2(
        NIL_INDEX, "NoMethodError", migration_trace, "spec/tasks/migration_rake_spec.rb::x"
    )
    todos = v2(NIL_INDEX, "NoMethodError", None, "spec/requests/todos_spec.rb::Todos API creates")
    todos_again = v2(
        NIL_INDEX, "NoMethodError", None, "spec/requests/todos_spec.rb::Todos API lists"
    )
    assert migration.fingerprint != todos.fingerprint
    assert todos.fingerprint == todos_again.fingerprint


# https://github.com/redis/redis-py/issues/1474 (local) and
# https://github.com/redis/redis-py/issues/2168 (a remote node refusing)
LOCAL_REDIS = "Error 111 connecting to 127.0.0.1:6379. Connection refused."
REMOTE_REDIS = "Error 111 connecting to socrates07.toa:54558. Connection refused."


def test_a_remote_server_refusing_is_not_the_local_one_being_down() -> None:
    error = "redis.exceptions.ConnectionError"
    local = v2(LOCAL_REDIS, error, f"{error}: {LOCAL_REDIS}")
    remote = v2(REMOTE_REDIS, error, f"{error}: {REMOTE_REDIS}")
    remote_again = v2(REMOTE_REDIS, error, f"{error}: {REMOTE_REDIS}", "tests/test_b.py::test_b")
    assert local.family == remote.family == "connection-refused"
    assert local.fingerprint != remote.fingerprint
    assert remote.fingerprint == remote_again.fingerprint


# https://github.com/dotnet/dnceng/issues/451 and https://github.com/microsoft/vstest/issues/2141:
# vstest's bare crash line, nothing else in the report
HOST_CRASHED = "The active test run was aborted. Reason: Test host process crashed"


def test_a_bare_test_host_crash_is_told_apart_by_the_tests_class() -> None:
    debugger = v2(HOST_CRASHED, None, HOST_CRASHED, "DebuggerTests.EvaluateOnCallFrameTests.A")
    debugger_again = v2(HOST_CRASHED, None, None, "DebuggerTests.EvaluateOnCallFrameTests.B")
    calculator = v2(HOST_CRASHED, None, HOST_CRASHED, "Calculator.Tests.AddTests.AddsTwoNumbers")
    assert debugger.fingerprint == debugger_again.fingerprint
    assert debugger.fingerprint != calculator.fingerprint


def test_a_test_host_crash_that_says_why_is_not_keyed_by_the_test() -> None:
    why = f"{HOST_CRASHED} : Fatal error. System.AccessViolationException: protected memory"
    a = v2(why, None, why, "Pool.Tests.SpinTests.A")
    b = v2(why, None, why, "Other.Tests.WaitTests.B")
    assert a.fingerprint == b.fingerprint


# https://github.com/golang/go/issues/15972: go-junit-report's "Failed" over a race report,
# and the same run reported with go test's own message
RACE_OUTPUT = """=== RUN   TestSecretCreationErrorControllerFlow
I0606 13:37:58.051502   25372 controller.go:132] Shutting down service signing cert controller
==================
WARNING: DATA RACE
Write by goroutine 54:
  runtime.mapassign1()
      /home/u/.gvm/gos/go1.6.2/src/runtime/hashmap.go:429 +0x0"""


def test_a_race_report_under_failed_is_the_race() -> None:
    test = "github.com/o/origin/pkg/servingcert.TestSecretCreationErrorControllerFlow"
    junit = v2("Failed", None, RACE_OUTPUT, test)
    go_test = v2("race detected during execution of test", None, RACE_OUTPUT, test)
    assert junit.fingerprint == go_test.fingerprint
    assert junit.kind == "computed"
