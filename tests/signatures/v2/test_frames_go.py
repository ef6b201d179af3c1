# ruff: noqa: E501  (real traces are quoted as printed)
"""Go frames (signature v2): panic goroutine traces, testify, t.Errorf.

Each trace is a real one (trimmed to its frames) from the thread named above it.
Expected: ``(key, in_repo, is_test)`` innermost first.
"""

from __future__ import annotations

import pytest

from bot.core.signatures.v2.frames import read_frames
from tests.signatures.v2.frame_cases import CI_ROOTS, keys, lines_moved, rooted, seen

# https://github.com/ethersphere/bee/issues/764
BEE = """panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x20 pc=0x4afbd41]

goroutine 38 [running]:
github.com/ethersphere/bee/pkg/retrieval.(*Service).handler(0xc0000cc000, 0x4e4a880, 0xc0004ba150, 0xc000094100, 0x1, 0x8, 0x4e4d940, 0xc0000a82a0, 0x0, 0x0)
\t/Users/runner/work/bee/bee/pkg/retrieval/retrieval.go:261 +0x681
github.com/ethersphere/bee/pkg/p2p/streamtest.(*Recorder).NewStream.func1(0xc0000c0240, 0xc0000be0b0, 0x4e4a840, 0xc00008e780, 0xc000094100, 0x1, 0x8, 0xc0000a82a0)
\t/Users/runner/work/bee/bee/pkg/p2p/streamtest/streamtest.go:99 +0x102
created by github.com/ethersphere/bee/pkg/p2p/streamtest.(*Recorder).NewStream
\t/Users/runner/work/bee/bee/pkg/p2p/streamtest/streamtest.go:96 +0x875
FAIL\tgithub.com/ethersphere/bee/pkg/retrieval\t0.569s
"""
# https://github.com/godbus/dbus/pull/48
DBUS = """panic: runtime error: invalid memory address or nil pointer dereference [recovered]
\tpanic: runtime error: invalid memory address or nil pointer dereference
[signal 0xb code=0x1 addr=0x0 pc=0x893fa]

goroutine 23 [running]:
testing.tRunner.func1(0xc8200a0630)
\t/usr/local/Cellar/go/1.5.1/libexec/src/testing/testing.go:450 +0x171
github.com/godbus/dbus.(*Conn).Names(0x0, 0x0, 0x0, 0x0)
\t/Users/quentinperez/go/src/github.com/godbus/dbus/conn.go:369 +0x11a
github.com/godbus/dbus.TestSend(0xc8200a0630)
\t/Users/quentinperez/go/src/github.com/godbus/dbus/conn_test.go:29 +0x15c
testing.tRunner(0xc8200a0630, 0x3be590)
\t/usr/local/Cellar/go/1.5.1/libexec/src/testing/testing.go:456 +0x98
created by testing.RunTests
\t/usr/local/Cellar/go/1.5.1/libexec/src/testing/testing.go:561 +0x86d

goroutine 1 [chan receive]:
testing.RunTests(0x2f1548, 0x3be560, 0x1c, 0x1c, 0x0)
\t/usr/local/Cellar/go/1.5.1/libexec/src/testing/testing.go:562 +0x8ad
main.main()
\tgithub.com/godbus/dbus/_test/_testmain.go:132 +0x116
"""
# https://github.com/NethermindEth/juno/issues/700
JUNO = """--- FAIL: TestPprofServer (0.00s)
panic: runtime error: invalid memory address or nil pointer dereference [recovered]
        panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x40 pc=0xae0d95]

goroutine 5 [running]:
testing.tRunner.func1.2({0xc37de0, 0x1287690})
        /home/omer/GoLand-2022.3.2/sdk/go1.20.1/src/testing/testing.go:1526 +0x24e
panic({0xc37de0, 0x1287690})
        /home/omer/GoLand-2022.3.2/sdk/go1.20.1/src/runtime/panic.go:884 +0x213
github.com/NethermindEth/juno/pprof_test.waitForServerReady(0xc000288680, {0xc000046db0, 0x22}, 0x1?)
        /home/omer/Documents/juno/pprof/pprof_test.go:50 +0xb5
github.com/NethermindEth/juno/pprof_test.TestPprofServer(0xc000288680)
        /home/omer/Documents/juno/pprof/pprof_test.go:28 +0x34e
testing.tRunner(0xc000288680, 0xd56a38)
        /home/omer/GoLand-2022.3.2/sdk/go1.20.1/src/testing/testing.go:1576 +0x10b
created by testing.(*T).Run
        /home/omer/GoLand-2022.3.2/sdk/go1.20.1/src/testing/testing.go:1629 +0x3ea
"""
# https://github.com/open-policy-agent/opa/issues/7205
OPA = """goroutine 28 [running]:
testing.(*common).decorate(0x1400004fbe8?, {0x140003962d0, 0x29}, 0x1054439e0?)
\t/opt/homebrew/Cellar/go/1.23.3/libexec/src/testing/testing.go:775 +0x9c
github.com/open-policy-agent/opa/tester.(*Runner).runBenchmark.func1(0x1400037fb88)
\t/Users/anderseknert/git/opa/opa/tester/runner.go:588 +0x36c
testing.(*B).runN(0x1400037fb88, 0x1)
\t/opt/homebrew/Cellar/go/1.23.3/libexec/src/testing/benchmark.go:193 +0x128
"""
# https://github.com/Azure/open-service-broker-azure/issues/8
TESTIFY_AND_PANIC = """--- FAIL: TestGetExistingInstance (0.00s)
        Error Trace:    store_test.go:51
\tError:      \tExpected nil, but got: &net.OpError{Op:"dial", Net:"tcp", Source:net.Addr(nil), Addr:net.Addr(nil), Err:(*net.DNSError)(0xc42007fd80)}
        Error Trace:    store_test.go:55
\tError:      \tShould be true
panic: runtime error: invalid memory address or nil pointer dereference [recovered]
\tpanic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1294357]

goroutine 33 [running]:
testing.tRunner.func1(0xc4200811e0)
\t/usr/local/opt/go/libexec/src/testing/testing.go:622 +0x29d
panic(0x12e0200, 0x14d2410)
\t/usr/local/opt/go/libexec/src/runtime/panic.go:489 +0x2cf
github.com/Azure/azure-service-broker/pkg/storage.TestGetExistingInstance(0xc4200811e0)
\t/Users/aaschles/gocode/src/github.com/Azure/azure-service-broker/pkg/storage/store_test.go:57 +0x257
"""
# https://github.com/cmu440/intro-to-go/issues/1
MAIN = """panic: runtime error: invalid memory address or nil pointer dereference
[signal 0xb code=0x1 addr=0x1 pc=0x8048f30]

goroutine 1 [running]:
main.main()
        /home/simon/course/intro-to-go/12.go:25 +0x330

goroutine 6 [chan send]:
main.chanSender(0x18346040, 0x80f5f10, 0x3)
        /home/simon/course/intro-to-go/12.go:36 +0x1a4
created by main.main
        /home/simon/course/intro-to-go/12.go:20 +0x140
exit status 2
"""
# https://github.com/stretchr/testify/issues/564
TESTIFY_CONTINUATION = """--- FAIL: TestEqualFormatting (0.00s)
        Error Trace:    assertions.go:96
\t            \tassertions.go:244
\t            \tassertions.go:1215
\tError:      \tNot equal:
\t            \texpected: "want"
\t            \tactual  : "got"
"""
# https://github.com/alecthomas/units/issues/2
TESTIFY_OLD = """--- FAIL: TestParseBase2Bytes (0.00s)
        Error Trace:    bytes_test.go:18
    Error:      Not equal: 0 (expected)
                    != 0 (actual)

        Error Trace:    bytes_test.go:21
    Error:      Not equal: 1024 (expected)
                    != 1024 (actual)
"""

# https://github.com/gotestyourself/gotestsum cmd/testdata/input/go-test-build-failed.out
# (a compile error: "file:line:column: message")
BUILD_FAILED = """# example.com/internal/cacher [example.com/internal/cacher.test]
./directory_test.go:321:10: undefined: assert.foo
"""

EXAMPLES = [
    pytest.param(BUILD_FAILED, [("directory_test.go", True, True)], id="build-failed"),
    pytest.param(
        BEE,
        [
            ("pkg/retrieval/retrieval.go:retrieval.(*Service).handler", True, False),
            ("pkg/p2p/streamtest/streamtest.go:streamtest.(*Recorder).NewStream", True, False),
            ("pkg/p2p/streamtest/streamtest.go:streamtest.(*Recorder).NewStream", True, False),
        ],
        id="macos-runner-created-by",
    ),
    pytest.param(
        DBUS,
        [
            ("testing/testing.go:testing.tRunner", False, False),
            ("conn.go:dbus.(*Conn).Names", True, False),
            ("conn_test.go:dbus.TestSend", True, True),
            ("testing/testing.go:testing.tRunner", False, False),
            ("testing/testing.go:testing.RunTests", False, False),
            ("testing/testing.go:testing.RunTests", False, False),
            ("github.com/godbus/dbus/_test/_testmain.go:main.main", False, False),
        ],
        id="gopath-cellar-goroot",
    ),
    pytest.param(
        JUNO,
        [
            ("testing/testing.go:testing.tRunner", False, False),
            ("pprof/pprof_test.go:pprof_test.waitForServerReady", True, True),
            ("pprof/pprof_test.go:pprof_test.TestPprofServer", True, True),
            ("testing/testing.go:testing.tRunner", False, False),
            ("testing/testing.go:testing.(*T).Run", False, False),
        ],
        id="ide-sdk-goroot-external-test-package",
    ),
    pytest.param(
        OPA,
        [
            ("testing/testing.go:testing.(*common).decorate", False, False),
            ("tester/runner.go:tester.(*Runner).runBenchmark", True, False),
            ("testing/benchmark.go:testing.(*B).runN", False, False),
        ],
        id="homebrew-goroot-closure",
    ),
    pytest.param(
        TESTIFY_AND_PANIC,
        [
            ("testing/testing.go:testing.tRunner", False, False),
            ("pkg/storage/store_test.go:storage.TestGetExistingInstance", True, True),
        ],
        id="testify-then-panic",
    ),
    pytest.param(
        MAIN,
        [
            ("intro-to-go/12.go:main.main", True, False),
            ("intro-to-go/12.go:main.chanSender", True, False),
            ("intro-to-go/12.go:main.main", True, False),
        ],
        id="main-two-goroutines",
    ),
    pytest.param(
        TESTIFY_CONTINUATION,
        [
            ("assertions.go", True, False),
        ],
        id="testify-continuation-lines",
    ),
    pytest.param(
        TESTIFY_OLD,
        [
            ("bytes_test.go", True, True),
        ],
        id="testify-old-format",
    ),
]


@pytest.mark.parametrize(("trace", "expected"), EXAMPLES)
def test_reads_go_frames_innermost_first(
    trace: str, expected: list[tuple[str, bool, bool]]
) -> None:
    frames = read_frames(trace)
    assert seen(frames) == expected
    assert {frame.language for frame in frames} == {"go"}


@pytest.mark.parametrize(("trace", "expected"), EXAMPLES)
def test_a_line_moved_by_an_edit_keeps_the_keys(
    trace: str, expected: list[tuple[str, bool, bool]]
) -> None:
    assert keys(lines_moved(trace)) == [key for key, _, _ in expected]


# A panic in a closure of a method, under every CI root, GOPATH and the hosted toolcache's
# GOROOT; testify's module cache; and testify's Error Trace of the same repository (the
# shapes of ethersphere/bee#764 and stretchr/testify#564).
ROOTED = """panic: runtime error: invalid memory address or nil pointer dereference [recovered]
goroutine 7 [running]:
github.com/acme/shop/store.(*DB).Get.func1(0x0, {0x1, 0x3})
\t{root}store/db.go:42 +0x1d
github.com/acme/shop/store.(*DB).Get(...)
\t{root}store/db.go:40
github.com/acme/shop/store_test.TestGet(0xc000103860)
\t{root}store/db_test.go:15 +0x65
github.com/stretchr/testify/assert.Fail({0x1, 0x2})
\t/home/runner/go/pkg/mod/github.com/stretchr/testify@v1.8.4/assert/assertions.go:333 +0x1d
testing.tRunner(0xc0001036c0, 0x6b4d38)
\t/opt/hostedtoolcache/go/1.21.0/x64/src/testing/testing.go:1595 +0xff
created by testing.(*T).Run in goroutine 1
\t/opt/hostedtoolcache/go/1.21.0/x64/src/testing/testing.go:1648 +0x3ad
"""
ROOTED_KEYS = [
    ("store/db.go:store.(*DB).Get", True, False),
    ("store/db.go:store.(*DB).Get", True, False),
    ("store/db_test.go:store_test.TestGet", True, True),
    ("github.com/stretchr/testify/assert/assertions.go:assert.Fail", False, False),
    ("testing/testing.go:testing.tRunner", False, False),
    ("testing/testing.go:testing.(*T).Run", False, False),
]
GO_ROOTS = (*CI_ROOTS, "/go/src/github.com/acme/shop/", "/home/alice/go/src/github.com/acme/shop/")


@pytest.mark.parametrize("root", GO_ROOTS)
def test_every_ci_root_gives_the_same_go_frames(root: str) -> None:
    assert seen(read_frames(rooted(ROOTED, root))) == ROOTED_KEYS


TESTIFY = """    db_test.go:15:
        \tError Trace:\t{root}store/db_test.go:15
        \t            \t\t\t\t{root}store/helpers_test.go:9
        \tError:      \tNot equal:
        \t            \texpected: 200
        \t            \tactual  : 503
"""


@pytest.mark.parametrize("root", CI_ROOTS)
def test_testify_error_trace_gives_every_frame_without_function(root: str) -> None:
    assert seen(read_frames(rooted(TESTIFY, root))) == [
        ("store/db_test.go", True, True),
        ("store/helpers_test.go", True, True),
    ]


def test_a_t_errorf_line_is_a_frame_without_function() -> None:
    # go test's own "file:line: message" (jstemmer/go-junit-report's inputs print these)
    assert seen(read_frames("    cart_test.go:12: expected 200, got 503\n")) == [
        ("cart_test.go", True, True)
    ]


def test_an_indented_goroutine_trace_gives_the_same_frames() -> None:
    # a JUnit <failure> body pretty-printed: every line indented, call lines included
    indented = "".join(
        "        " + line for line in rooted(ROOTED, "/builds/acme/shop/").splitlines(True)
    )
    assert seen(read_frames(indented)) == ROOTED_KEYS
