# ruff: noqa: E501  (real traces are quoted as printed)
""".NET frames (signature v2): async state machines, closures, iterators, inner exceptions.

Each trace is a real one (trimmed to its frames) from the thread named above it.
Expected: ``(key, in_repo, is_test)`` innermost first.
"""

from __future__ import annotations

import pytest

from bot.core.signatures.v2.frames import read_frames
from tests.signatures.v2.frame_cases import CI_ROOTS, keys, lines_moved, rooted, seen

# https://github.com/CactuseSecurity/firewall-orchestrator/issues/2320 (NUnit: a lambda in a
# test, a generic method, a property getter; NUnit and System frames are library)
NUNIT_LAMBDA = """    Stack Trace:
        at System.Environment.get_StackTrace()
       at FWO.Logging.Log.WriteError(String Title, String Text, Boolean LogStackTrace, String callerName, String callerFile, Int32 callerLineNumber) in /usr/local/fworch/lib/files/FWO.Logging/Log.cs:line 137
       at FWO.Config.File.ConfigFile.CriticalConfigValueLoaded[ConfigValueType](ConfigValueType configValue) in /usr/local/fworch/lib/files/FWO.Config.File/ConfigFile.cs:line 161
       at FWO.Config.File.ConfigFile.get_ApiServerUri() in /usr/local/fworch/lib/files/FWO.Config.File/ConfigFile.cs:line 83
       at FWO.Test.ConfigFileTest.<>c.<MissingValueConfigFile>b__12_1() in /usr/local/fworch/test/csharp/FWO.Test/ConfigFileTest.cs:line 130
       at NUnit.Framework.Assert.Throws(IResolveConstraint expression, TestDelegate code, String message, Object[] args)
"""
# https://github.com/xunit/xunit/issues/1029 (async state machines in a library built on a
# TeamCity agent, "End of stack trace from previous location")
XUNIT_ASYNC = """   at System.Runtime.CompilerServices.TaskAwaiter.HandleNonSuccessAndDebuggerNotification(Task task)
   at Xunit.Sdk.TestMethodRunner`1.<RunAsync>d__31.MoveNext() in C:\\BuildAgent\\work\\cb37e9acf085d108\\src\\xunit.execution\\Sdk\\Frameworks\\Runners\\TestMethodRunner.cs:line 106
--- End of stack trace from previous location where exception was thrown ---
   at System.Runtime.CompilerServices.TaskAwaiter.ThrowForNonSuccess(Task task)
   at Xunit.Sdk.TestClassRunner`1.<RunTestMethodsAsync>d__38.MoveNext() in C:\\BuildAgent\\work\\cb37e9acf085d108\\src\\xunit.execution\\Sdk\\Frameworks\\Runners\\TestClassRunner.cs:line 205
"""
# https://github.com/dotnet/runtime/issues/36585 (.NET 5 iterators: "M()+MoveNext()", no file;
# xunit's "In value:" prefix before the first frame removed)
ITERATOR = """         at System.Diagnostics.Tests.StackTraceTests.ToString_TestData()+MoveNext()
         at System.Linq.Enumerable.SelectEnumerableIterator`2.MoveNext()
         at Xunit.Sdk.XunitTheoryTestCaseRunner.AfterTestCaseStartingAsync()
"""
# https://github.com/dotnet/runtime/issues/31797 (closures "<>c.<M>b__5_0", generated lambdas)
CLOSURES = """           at System.Object.lambda_method2(Closure , Object , Object )
           at Xunit.Sdk.ExecutionContextHelper.Run(Object context, Action`1 action)
           at Xunit.Sdk.XunitWorkerThread.<>c.<QueueUserWorkItem>b__5_0(Object _)
           at System.Threading.Tasks.Task.<>c.<.cctor>b__274_0(Object obj)
"""
# https://github.com/dotnet/runtime/issues/88306 (a project frame without a file)
NO_FILE = """   at baseservices_exceptions._regressions_V1_SEH_asm_NestedExcept_NestedExcept_._regressions_V1_SEH_asm_NestedExcept_NestedExcept_sh()
   at System.RuntimeMethodHandle.InvokeMethod(Object target, Void** arguments, Signature sig, Boolean isConstructor)
"""
# https://github.com/xunit/xunit/issues/108 (a test class on a Windows path; MSBuild's
# "xunit.tests.msbuild(26,5): error :" prefix removed)
NESTED_TEST_CLASS = """   at System.Linq.Enumerable.Single[TSource](IEnumerable`1 source)
   at FixtureAcceptanceTests.ClassFixture.TestClassWithExtraArgumentToConstructorResultsInFailedTest() in d:\\Dev\\xunit\\xunit\\test\\test.xunit.execution\\Acceptance\\FixtureAcceptanceTests.cs:line 76
"""

# https://github.com/YarnSpinnerTool/YarnSpinner-Godot/pull/42 (an inner exception in a local
# function of an async method; the path is elided as the thread prints it)
GODOT_INNER = """Error while running RunLineInternal: System.AggregateException: One or more errors occurred. (Object reference not set to an instance of an object.)
 ---> System.NullReferenceException: Object reference not set to an instance of an object.
   at YarnSpinnerGodot.LineView.<>c__DisplayClass32_0.<<RunLineInternal>g__PresentLine|0>d.MoveNext() in ...\\addons\\YarnSpinner-Godot\\Runtime\\Views\\LineView.cs:line 382
--- End of stack trace from previous location ---
   at YarnSpinnerGodot.LineView.RunLineInternal(LocalizedLine dialogueLine, Action onDialogueLineFinished) in ...\\addons\\YarnSpinner-Godot\\Runtime\\Views\\LineView.cs:line 505
   --- End of inner exception stack trace ---
"""
# https://github.com/DotNETWeekly-io/DotNetWeekly/issues/722 (top-level statements
# "<Main>$"; the inner exception's frames first)
TOP_LEVEL_INNER = """Unhandled exception. System.ApplicationException: application error
 ---> System.NullReferenceException: Object reference not set to an instance of an object.
   at Program.<Main>$(String[] args) in C:\\Users\\fenga\\tizan\\codebase\\episodes\\exceptiondemo\\Program.cs:line 6
   --- End of inner exception stack trace ---
   at Program.<Main>$(String[] args) in C:\\Users\\fenga\\tizan\\codebase\\episodes\\exceptiondemo\\Program.cs:line 10
"""
# https://github.com/microsoft/testfx/pull/6240 (MSTest prints "File.cs:280"; "/_/" is a
# deterministic build's repository root)
MSTEST_DETERMINISTIC = """    Assert.AreEqual failed. Expected:<1>. Actual:<-532462766>.
      at MSTest.Acceptance.IntegrationTests.SdkTests.Invalid_TestingProfile_Name_Should_Fail(String multiTfm, BuildConfiguration buildConfiguration) in /_/test/IntegrationTests/MSTest.Acceptance.IntegrationTests/SdkTests.cs:280
"""
# https://github.com/dotnet/runtime/issues/132120 (an Azure Pipelines container "/__w/1/s/",
# a local function of top-level statements)
AZURE_CONTAINER = """   at Xunit.Assert.True(Boolean condition, String userMessage) in /_/src/arcade/src/Microsoft.DotNet.XUnitAssert/src/BooleanAsserts.cs:line 117
   at TestLibrary.OutOfProcessTest.RunOutOfProcessTest(String assemblyPath, String testPathPrefix) in /__w/1/s/src/tests/Common/CoreCLRTestLibrary/OutOfProcessTest.cs:line 84
   at Program.<<Main>$>g__TestExecutor106|0_107(StreamWriter tempLogSw, StreamWriter statsCsvSw, StreamWriter outOfProcessPlanWriter, <>c__DisplayClass0_0&)
"""

EXAMPLES = [
    pytest.param(
        GODOT_INNER,
        [
            (
                ".../addons/YarnSpinner-Godot/Runtime/Views/LineView.cs:LineView.RunLineInternal",
                True,
                False,
            ),
            (
                ".../addons/YarnSpinner-Godot/Runtime/Views/LineView.cs:LineView.RunLineInternal",
                True,
                False,
            ),
        ],
        id="inner-exception-local-function",
    ),
    pytest.param(
        TOP_LEVEL_INNER,
        [
            (
                "exceptiondemo/Program.cs:Program.Main",
                True,
                False,
            ),
            (
                "exceptiondemo/Program.cs:Program.Main",
                True,
                False,
            ),
        ],
        id="top-level-statements-inner-exception",
    ),
    pytest.param(
        MSTEST_DETERMINISTIC,
        [
            (
                "test/IntegrationTests/MSTest.Acceptance.IntegrationTests/SdkTests.cs"
                ":SdkTests.Invalid_TestingProfile_Name_Should_Fail",
                False,
                False,
            ),
        ],
        id="mstest-deterministic-path",
    ),
    pytest.param(
        AZURE_CONTAINER,
        [
            (
                "src/arcade/src/Microsoft.DotNet.XUnitAssert/src/BooleanAsserts.cs:Assert.True",
                False,
                False,
            ),
            (
                "src/tests/Common/CoreCLRTestLibrary/OutOfProcessTest.cs:OutOfProcessTest.RunOutOfProcessTest",
                True,
                True,
            ),
            ("Program:Program.Main", True, False),
        ],
        id="azure-container-top-level-local-function",
    ),
    pytest.param(
        NUNIT_LAMBDA,
        [
            ("System.Environment:Environment.get_StackTrace", False, False),
            ("lib/files/FWO.Logging/Log.cs:Log.WriteError", True, False),
            (
                "lib/files/FWO.Config.File/ConfigFile.cs:ConfigFile.CriticalConfigValueLoaded",
                True,
                False,
            ),
            (
                "lib/files/FWO.Config.File/ConfigFile.cs:ConfigFile.get_ApiServerUri",
                True,
                False,
            ),
            (
                "test/csharp/FWO.Test/ConfigFileTest.cs:ConfigFileTest.MissingValueConfigFile",
                True,
                True,
            ),
            ("NUnit.Framework.Assert:Assert.Throws", False, False),
        ],
        id="nunit-lambda-generic-getter",
    ),
    pytest.param(
        XUNIT_ASYNC,
        [
            (
                "System.Runtime.CompilerServices.TaskAwaiter:TaskAwaiter.HandleNonSuccessAndDebuggerNotification",
                False,
                False,
            ),
            (
                "C:/BuildAgent/work/cb37e9acf085d108/src/xunit.execution/Sdk/Frameworks/Runners/TestMethodRunner.cs:TestMethodRunner.RunAsync",
                False,
                False,
            ),
            (
                "System.Runtime.CompilerServices.TaskAwaiter:TaskAwaiter.ThrowForNonSuccess",
                False,
                False,
            ),
            (
                "C:/BuildAgent/work/cb37e9acf085d108/src/xunit.execution/Sdk/Frameworks/Runners/TestClassRunner.cs:TestClassRunner.RunTestMethodsAsync",
                False,
                False,
            ),
        ],
        id="xunit-async-state-machine",
    ),
    pytest.param(
        ITERATOR,
        [
            (
                "System.Diagnostics.Tests.StackTraceTests:StackTraceTests.ToString_TestData",
                False,
                False,
            ),
            (
                "System.Linq.Enumerable.SelectEnumerableIterator:SelectEnumerableIterator.MoveNext",
                False,
                False,
            ),
            (
                "Xunit.Sdk.XunitTheoryTestCaseRunner:XunitTheoryTestCaseRunner.AfterTestCaseStartingAsync",
                False,
                False,
            ),
        ],
        id="net5-iterator",
    ),
    pytest.param(
        CLOSURES,
        [
            ("System.Object:Object.lambda_method2", False, False),
            ("Xunit.Sdk.ExecutionContextHelper:ExecutionContextHelper.Run", False, False),
            ("Xunit.Sdk.XunitWorkerThread:XunitWorkerThread.QueueUserWorkItem", False, False),
            ("System.Threading.Tasks.Task:Task.cctor", False, False),
        ],
        id="closures-static-constructor",
    ),
    pytest.param(
        NO_FILE,
        [
            (
                "baseservices_exceptions._regressions_V1_SEH_asm_NestedExcept_NestedExcept_:_regressions_V1_SEH_asm_NestedExcept_NestedExcept_._regressions_V1_SEH_asm_NestedExcept_NestedExcept_sh",
                True,
                False,
            ),
            ("System.RuntimeMethodHandle:RuntimeMethodHandle.InvokeMethod", False, False),
        ],
        id="no-file",
    ),
    pytest.param(
        NESTED_TEST_CLASS,
        [
            ("System.Linq.Enumerable:Enumerable.Single", False, False),
            (
                "test/test.xunit.execution/Acceptance/FixtureAcceptanceTests.cs:ClassFixture.TestClassWithExtraArgumentToConstructorResultsInFailedTest",
                True,
                True,
            ),
        ],
        id="nested-test-class-windows-path",
    ),
]


@pytest.mark.parametrize(("trace", "expected"), EXAMPLES)
def test_reads_dotnet_frames_innermost_first(
    trace: str, expected: list[tuple[str, bool, bool]]
) -> None:
    frames = read_frames(trace)
    assert seen(frames) == expected
    assert {frame.language for frame in frames} == {"dotnet"}


@pytest.mark.parametrize(("trace", "expected"), EXAMPLES)
def test_a_line_moved_by_an_edit_keeps_the_keys(
    trace: str, expected: list[tuple[str, bool, bool]]
) -> None:
    assert keys(lines_moved(trace)) == [key for key, _, _ in expected]


# Inner exceptions print the innermost's frames first; an await boundary is no frame. The
# shape of firewall-orchestrator#2320 with an async test and an inner exception, under
# every CI root.
ROOTED = """System.InvalidOperationException: Checkout failed
 ---> System.Net.Http.HttpRequestException: Response status code does not indicate success: 503
   at System.Net.Http.HttpResponseMessage.EnsureSuccessStatusCode()
   at Acme.Shop.PaymentClient.<ChargeAsync>d__4.MoveNext() in {root}src/Acme.Shop/PaymentClient.cs:line 31
--- End of stack trace from previous location ---
   at Acme.Shop.Checkout.<>c__DisplayClass3_0.<Pay>b__0(Int32 attempt) in {root}src/Acme.Shop/Checkout.cs:line 58
   --- End of inner exception stack trace ---
   at Acme.Shop.Checkout.Pay(Cart cart) in {root}src/Acme.Shop/Checkout.cs:line 62
   at Acme.Shop.Tests.CheckoutTests.<PaysAsync>d__2.MoveNext() in {root}tests/Acme.Shop.Tests/CheckoutTests.cs:line 20
"""
ROOTED_KEYS = [
    (
        "System.Net.Http.HttpResponseMessage:HttpResponseMessage.EnsureSuccessStatusCode",
        False,
        False,
    ),
    ("src/Acme.Shop/PaymentClient.cs:PaymentClient.ChargeAsync", True, False),
    ("src/Acme.Shop/Checkout.cs:Checkout.Pay", True, False),
    ("src/Acme.Shop/Checkout.cs:Checkout.Pay", True, False),
    ("tests/Acme.Shop.Tests/CheckoutTests.cs:CheckoutTests.PaysAsync", True, True),
]


@pytest.mark.parametrize("root", CI_ROOTS)
def test_every_ci_root_gives_the_same_dotnet_frames(root: str) -> None:
    assert seen(read_frames(rooted(ROOTED, root))) == ROOTED_KEYS


def test_a_localized_line_marker_is_read() -> None:
    trace = "   bei Acme.Shop.Cart.Add(Int32 x) in /app/src/Cart.cs:Zeile 12\n"
    assert keys(trace) == []  # "bei" (German "at") is not read: only the English "at"
    assert keys("   at Acme.Shop.Cart.Add(Int32 x) in /app/src/Cart.cs:Zeile 12\n") == [
        "src/Cart.cs:Cart.Add"
    ]
