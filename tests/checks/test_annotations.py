"""Where a failure is annotated, and what GitHub receives for it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.checks.annotations import (
    MAX_DETAILS_CHARS,
    build_annotations,
    locate,
    normalize_path,
    trim_trace,
)
from bot.core.checks.model import Category, FailedTest

REPO = "acme/shop"


def failure(
    test_id: str = "tests/test_cart.py::test_total",
    *,
    category: Category = Category.NEW,
    file: str | None = "tests/test_cart.py",
    line: int | None = 12,
    message: str | None = "AssertionError: assert 3 == 4",
    trace: str | None = None,
    cluster_key: str = "c-total",
    cluster_title: str = "AssertionError: assert <n> == <n>",
    issue_number: int | None = None,
    issue_url: str | None = None,
) -> FailedTest:
    return FailedTest(
        test_id=test_id,
        category=category,
        file=file,
        line=line,
        message=message,
        trace=trace,
        cluster_key=cluster_key,
        cluster_title=cluster_title,
        issue_number=issue_number,
        issue_url=issue_url,
    )


# --- normalize_path ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_cart.py", "tests/test_cart.py"),
        ("./tests/test_cart.py", "tests/test_cart.py"),
        ("././tests//test_cart.py", "tests/test_cart.py"),
        ("/home/runner/work/shop/shop/tests/test_cart.py", "tests/test_cart.py"),
        ("/home/runner/work/other/name/tests/test_cart.py", "tests/test_cart.py"),
        ("/Users/runner/work/shop/shop/src/cart.ts", "src/cart.ts"),
        ("D:\\a\\shop\\shop\\src\\Cart.cs", "src/Cart.cs"),
        ("C:\\a\\shop\\shop\\tests\\test_cart.py", "tests/test_cart.py"),
        ("D:/a/shop/shop/src/cart.js", "src/cart.js"),
        ("C:\\actions-runner\\_work\\shop\\shop\\src\\Cart.cs", "src/Cart.cs"),
        ("/opt/actions-runner/_work/shop/shop/pkg/cart_test.go", "pkg/cart_test.go"),
        ("/__w/shop/shop/tests/test_cart.py", "tests/test_cart.py"),
        ("/github/workspace/tests/test_cart.py", "tests/test_cart.py"),
        ("file:///home/runner/work/shop/shop/src/a.mjs", "src/a.mjs"),
        ("/srv/ci/builds/shop/shop/src/cart.py", "src/cart.py"),  # /<name>/<name>/
        ("tests\\unit\\test_cart.py", "tests/unit/test_cart.py"),
        ("tests/../src/cart.py", "src/cart.py"),
        ("  tests/test_cart.py\n", "tests/test_cart.py"),
    ],
)
def test_normalize_path_strips_ci_workspaces(path: str, expected: str) -> None:
    assert normalize_path(path, REPO) == expected


@pytest.mark.parametrize(
    "path",
    [
        "/usr/lib/python3.12/unittest/case.py",
        "/home/dev/shop/tests/test_cart.py",  # a laptop path: not the repository
        "C:\\Users\\dev\\shop\\test.cs",
        "~/shop/test.py",
        "../outside.py",
        "tests/../../outside.py",
        "/home/runner/work/shop/shop/../../secret.py",
        "",
        "   ",
        ".",
        "./",
    ],
)
def test_normalize_path_refuses_what_github_would_reject(path: str) -> None:
    assert normalize_path(path, REPO) is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_api.py", "services/api/tests/test_api.py"),
        ("./tests/test_api.py", "services/api/tests/test_api.py"),
        ("services/api/tests/test_api.py", "services/api/tests/test_api.py"),
        ("../shared/util.py", "services/shared/util.py"),
        # The workspace root is the repository root: such paths are already complete.
        ("/home/runner/work/shop/shop/libs/common/x.py", "libs/common/x.py"),
        ("/home/runner/work/shop/shop/services/api/x.py", "services/api/x.py"),
        # A configured prefix (a container's mount of the service folder) is relative to it.
        ("/app/tests/test_api.py", "services/api/tests/test_api.py"),
    ],
)
def test_normalize_path_puts_a_monorepo_folder_before_relative_paths(
    path: str, expected: str
) -> None:
    assert normalize_path(path, REPO, strip_prefixes=["/app"], path_prefix="services/api/") == (
        expected
    )


def test_normalize_path_uses_configured_prefixes_first() -> None:
    assert normalize_path("/build/src/app.py", REPO, strip_prefixes=["/build/"]) == "src/app.py"
    assert normalize_path("C:\\build\\src\\app.py", REPO, strip_prefixes=["C:\\build"]) == (
        "src/app.py"
    )
    assert normalize_path("/build/src/app.py", REPO, strip_prefixes=["/bui"]) is None


# --- locate -----------------------------------------------------------------------------

PY_TRACEBACK = """Traceback (most recent call last):
  File "/home/runner/work/shop/shop/.venv/lib/python3.12/site-packages/_pytest/x.py", line 1, in f
    result = testfunction(**testargs)
  File "/home/runner/work/shop/shop/tests/test_cart.py", line 42, in test_total
    assert cart.total() == 4
  File "/home/runner/work/shop/shop/shop/cart.py", line 7, in total
    raise ValueError("empty")
ValueError: empty
"""

PYTEST_SHORT = """tests/test_cart.py:42: in test_total
    assert cart.total() == 4
shop/cart.py:7: in total
    raise ValueError("empty")
E   ValueError: empty
"""

PYTEST_LIBRARY_FIRST = """.venv/lib/python3.12/site-packages/httpx/_client.py:1012: in send
    raise exc
tests/test_api.py:88: in test_get
    client.get("/")
E   httpx.ConnectError: connect to api.example.com:443 failed
"""

JS_STACK = """Error: expect(received).toBe(expected)
    at Object.<anonymous> (/home/runner/work/shop/shop/node_modules/expect/build/index.js:30:11)
    at toBe (src/cart.test.js:10:5)
    at processTicksAndRejections (node:internal/process/task_queues:95:5)
"""

JS_BARE_STACK = """TypeError: x is undefined
    at node:internal/modules/run_main:1:1
    at file:///home/runner/work/shop/shop/src/cart.mjs:21:9
"""

JAVA_STACK = """org.opentest4j.AssertionFailedError: expected: <4> but was: <3>
    at org.junit.jupiter.api.AssertionUtils.fail(AssertionUtils.java:55)
    at com.acme.shop.CartTest.total(CartTest.java:42)
    at java.base/java.lang.reflect.Method.invoke(Method.java:580)
"""

GO_PANIC = """panic: runtime error: index out of range [recovered]
goroutine 7 [running]:
testing.tRunner.func1.2({0x6a2f40, 0xc000016108})
	/opt/hostedtoolcache/go/1.22.1/x64/src/testing/testing.go:1631 +0x24a
github.com/acme/shop/pkg/cart.TestTotal(0xc000007860)
	/home/runner/work/shop/shop/pkg/cart/cart_test.go:42 +0x1d
"""

GO_ASSERT = """    cart_test.go:42: total = 3, want 4
"""

DOTNET_STACK = """Assert.Equal() Failure
   at Shop.Tests.CartTests.Total() in D:\\a\\shop\\shop\\tests\\Shop.Tests\\CartTests.cs:line 42
"""

WINDOWS_PYTEST = """D:\\a\\shop\\shop\\tests\\test_cart.py:42: in test_total
    assert cart.total() == 4
E   AssertionError
"""


@pytest.mark.parametrize(
    ("trace", "expected"),
    [
        (PY_TRACEBACK, ("tests/test_cart.py", 42)),
        (PYTEST_SHORT, ("tests/test_cart.py", 42)),
        (PYTEST_LIBRARY_FIRST, ("tests/test_api.py", 88)),
        (JS_STACK, ("src/cart.test.js", 10)),
        (JS_BARE_STACK, ("src/cart.mjs", 21)),
        (GO_PANIC, ("pkg/cart/cart_test.go", 42)),
        (DOTNET_STACK, ("tests/Shop.Tests/CartTests.cs", 42)),
        (WINDOWS_PYTEST, ("tests/test_cart.py", 42)),
        (JAVA_STACK, None),  # Java frames name no folder: nothing to annotate
        (GO_ASSERT, None),  # relative to the Go package, not to the repository
        ("AssertionError: no frames here", None),
        (None, None),
    ],
)
def test_locate_without_a_file_takes_the_first_repository_frame(
    trace: str | None, expected: tuple[str, int] | None
) -> None:
    assert locate(failure(file=None, line=None, trace=trace), REPO) == expected


def test_locate_prefers_the_tests_own_file_and_line() -> None:
    test = failure(
        file="/home/runner/work/shop/shop/tests/test_cart.py", line=5, trace=PYTEST_SHORT
    )
    assert locate(test, REPO) == ("tests/test_cart.py", 5)


@pytest.mark.parametrize(
    ("file", "trace", "expected"),
    [
        ("tests/test_cart.py", PY_TRACEBACK, ("tests/test_cart.py", 42)),
        ("shop/cart.py", PYTEST_SHORT, ("shop/cart.py", 7)),
        # The frame's package and file name match the test's file.
        (
            "src/test/java/com/acme/shop/CartTest.java",
            JAVA_STACK,
            ("src/test/java/com/acme/shop/CartTest.java", 42),
        ),
        ("pkg/cart/cart_test.go", GO_ASSERT, ("pkg/cart/cart_test.go", 42)),
        ("tests/test_other.py", PYTEST_SHORT, None),  # no frame in that file
        ("src/test/java/org/other/CartTest.java", JAVA_STACK, None),  # another package
    ],
)
def test_locate_with_a_file_but_no_line_takes_the_first_frame_in_that_file(
    file: str, trace: str, expected: tuple[str, int] | None
) -> None:
    assert locate(failure(file=file, line=None, trace=trace), REPO) == expected


def test_locate_ignores_a_file_it_cannot_place_and_reads_the_trace() -> None:
    test = failure(file="/home/dev/shop/tests/test_cart.py", line=42, trace=PYTEST_SHORT)
    assert locate(test, REPO) == ("tests/test_cart.py", 42)


def test_locate_skips_virtualenv_frames_given_as_relative_paths() -> None:
    trace = 'File ".venv/lib/python3.12/x.py", line 3, in f\nFile "app/x.py", line 9, in g\n'
    assert locate(failure(file=None, line=None, trace=trace), REPO) == ("app/x.py", 9)


def test_locate_applies_the_monorepo_prefix_to_trace_frames() -> None:
    found = locate(
        failure(file=None, line=None, trace=PYTEST_SHORT), REPO, path_prefix="services/api"
    )
    assert found == ("services/api/tests/test_cart.py", 42)


def test_locate_refuses_line_zero() -> None:
    assert locate(failure(line=0, trace=None), REPO) is None


# --- build_annotations ------------------------------------------------------------------


def test_forty_parametrized_cases_on_one_line_are_one_annotation() -> None:
    cases = [
        failure(f"tests/test_cart.py::test_total[{i:02d}]", trace=f"trace {i}\nValueError: {i}")
        for i in range(40)
    ]
    plan = build_annotations(reversed(cases), REPO)
    assert len(plan.annotations) == 1
    note = plan.annotations[0]
    assert (note.path, note.start_line, note.end_line) == ("tests/test_cart.py", 12, 12)
    assert note.key == "c-total:tests/test_cart.py:12"
    assert note.annotation_level == "failure"
    assert note.title == "AssertionError: assert <n> == <n>"
    assert note.message == (
        "AssertionError: assert 3 == 4\n\n"
        "New in this change. 40 tests failed with this signature: "
        + ", ".join(f"tests/test_cart.py::test_total[{i:02d}]" for i in range(10))
        + " … and 30 more"
    )
    assert note.raw_details == "trace 0\nValueError: 0"
    assert plan.left_out == plan.no_file == []


def test_one_signature_on_two_lines_is_two_annotations() -> None:
    plan = build_annotations([failure("a", line=3), failure("b", line=9)], REPO)
    assert [(a.start_line, a.message.split(": ")[-1]) for a in plan.annotations] == [
        (3, "a"),
        (9, "b"),
    ]


def test_annotations_are_ordered_by_category_then_size_then_place() -> None:
    failures = [
        failure("flaky", category=Category.FLAKY, cluster_key="f", line=1),
        failure("still", category=Category.STILL_FAILING, cluster_key="s", line=1),
        failure("regressed", category=Category.REGRESSION, cluster_key="r", line=1),
        failure("new-b", cluster_key="n1", file="b.py", line=1),
        failure("new-a2", cluster_key="n1", file="a.py", line=2),
        failure("new-a1", cluster_key="n2", file="a.py", line=1),
        failure("big-1", cluster_key="n3", file="z.py", line=1),
        failure("big-2", cluster_key="n3", file="z.py", line=1),
    ]
    plan = build_annotations(failures, REPO)
    assert [(a.key, a.annotation_level) for a in plan.annotations] == [
        ("n3:z.py:1", "failure"),  # new, two tests
        ("n2:a.py:1", "failure"),
        ("n1:a.py:2", "failure"),
        ("n1:b.py:1", "failure"),
        ("r:tests/test_cart.py:1", "failure"),
        ("s:tests/test_cart.py:1", "warning"),
        ("f:tests/test_cart.py:1", "notice"),
    ]
    messages = [a.message.split("\n\n")[1] for a in plan.annotations[4:]]
    assert messages == [
        "Regression: a failure that was fixed came back. 1 test failed with this signature: "
        "regressed",
        "Already failing before this change. 1 test failed with this signature: still",
        "Flaky: failed, then passed on a retry. 1 test failed, then passed, with this "
        "signature: flaky",
    ]


def test_a_group_takes_its_most_severe_members_category() -> None:
    plan = build_annotations(
        [failure("old", category=Category.STILL_FAILING), failure("new")], REPO
    )
    [note] = plan.annotations
    assert note.annotation_level == "failure"
    assert "2 tests failed with this signature: new, old" in note.message


def test_the_cap_keeps_the_most_severe_and_lists_the_rest() -> None:
    failures = [
        failure(f"t{i:03d}", cluster_key=f"k{i:03d}", line=i + 1, category=category)
        for i, category in enumerate(
            [Category.FLAKY] * 50 + [Category.NEW] * 150 + [Category.STILL_FAILING] * 50
        )
    ]
    plan = build_annotations(failures, REPO, max_annotations=200)
    assert len(plan.annotations) == 200
    assert len({a.key for a in plan.annotations}) == 200
    assert len(plan.left_out) == 50
    assert {t.category for t in plan.left_out} == {Category.FLAKY}
    assert plan.no_file == []


def test_failures_without_a_file_get_no_annotation() -> None:
    lost = failure("lost", file=None, line=None, trace="RuntimeError: boom")
    plan = build_annotations([lost, failure("found")], REPO)
    assert [a.key for a in plan.annotations] == ["c-total:tests/test_cart.py:12"]
    assert plan.no_file == [lost]


def test_message_names_the_failure_issue() -> None:
    plan = build_annotations(
        [failure(issue_number=141, issue_url="https://github.com/acme/shop/issues/141")], REPO
    )
    assert plan.annotations[0].message.endswith(
        "Failure issue #141: https://github.com/acme/shop/issues/141"
    )


def test_untrusted_text_loses_control_characters_only() -> None:
    test = failure(
        "tests/x.py::test_\x1b[31mred\x1b[0m",
        message="boom\x00 @octocat #12 <b>",
        trace="line\x07 one\nValueError: *bold*",
        cluster_title="Value\u202eError\nsecond line",
    )
    [note] = build_annotations([test], REPO).annotations
    assert note.title == "ValueError second line"
    assert note.message.startswith("boom @octocat #12 <b>\n\n")
    assert "tests/x.py::test_[31mred[0m" in note.message
    assert note.raw_details == "line one\nValueError: *bold*"


def test_title_is_one_line_within_githubs_limit() -> None:
    [note] = build_annotations([failure(cluster_title="x" * 1_000)], REPO).annotations
    assert len(note.title) == 255
    assert note.title.endswith("…")


def test_raw_details_keep_the_end_of_a_long_trace() -> None:
    trace = "\n".join(f"frame {i}" for i in range(5_000)) + "\nValueError: the cause"
    [note] = build_annotations([failure(trace=trace)], REPO).annotations
    assert note.raw_details is not None
    assert len(note.raw_details) <= MAX_DETAILS_CHARS
    assert note.raw_details.endswith("ValueError: the cause")
    first, second = note.raw_details.split("\n", 2)[:2]
    assert first.startswith("… (") and first.endswith(" earlier characters cut)")
    assert second.startswith("frame ")  # whole lines only


def test_trim_trace_leaves_a_short_trace_alone() -> None:
    assert trim_trace("\n\nshort\n") == "short"


def test_a_message_lists_each_test_once_and_shortens_huge_ids() -> None:
    test = failure("x" * 2_000)
    [note] = build_annotations([test, replace(test)], REPO).annotations
    assert "2 tests failed" not in note.message
    assert len(note.message) < 1_500
