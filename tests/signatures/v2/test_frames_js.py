"""JavaScript/TypeScript frames (signature v2): V8, vitest, Firefox/Safari.

Each trace is a real one (trimmed) from the thread or file named above it.
Expected: ``(key, in_repo, is_test)`` innermost first.
"""

from __future__ import annotations

import pytest

from bot.core.signatures.v2.frames import read_frames
from tests.signatures.v2.frame_cases import CI_ROOTS, keys, lines_moved, rooted, seen

# https://github.com/jestjs/jest/issues/9600 (jest: "Object.<anonymous>" is anonymous)
JEST_SUITE_FAILED = """  ● Test suite failed to run

    Cannot find module 'jest-runtime'

      at Object.<anonymous> (node_modules/jest-circus/build/legacy-code-todo-rewrite/jestAdapter.js:5:43)
"""  # noqa: E501

# https://github.com/testimio/root-cause/issues/98 (absolute node_modules, "<anonymous>"
# without a position, Node 12's internal/ frames)
NODE_MODULES_ONLY = """(node:65990) UnhandledPromiseRejectionWarning: TypeError: this.summaryReporter.onTestCaseResult is not a function
    at EnhancedDefault.onTestCaseResult (/Users/fokkezb/Code/workflows/node_modules/@testim/root-cause-jest/lib/reporter/default.js:70:30)
    at /Users/fokkezb/Code/workflows/node_modules/emittery/index.js:260:13
    at Array.map (<anonymous>)
    at Emittery.Typed.emit (/Users/fokkezb/Code/workflows/node_modules/emittery/index.js:258:23)
    at processTicksAndRejections (internal/process/task_queues.js:93:5)
"""  # noqa: E501

# https://github.com/drivly/ai/issues/1643 (Playwright on GitHub Actions: the code excerpt
# is not a frame, the bare "at /home/runner/work/…" line is)
PLAYWRIGHT = """    Error: Timed out 90000ms waiting for expect(locator).toBeVisible()

      30 |
      31 |   await expect(page.locator('nav, main').first()).toBeVisible({ timeout: visibilityTimeout })
    > 32 |   await expect(page.locator('main').first()).toBeVisible({ timeout: visibilityTimeout })
         |                                              ^
      33 |
        at /home/runner/work/ai/ai/tests/chromatic/docs.test.ts:32:46
"""  # noqa: E501

# https://github.com/nodejs/node/issues/28201 (async frames; "Promise.all (index 0)" has no
# file; the REPL is not project code)
ASYNC_PROMISE_ALL = """Error: BEEP BEEP
    at bar (repl:3:9)
    at processTicksAndRejections (internal/process/task_queues.js:89:5)
    at async Promise.all (index 0)
    at async foo (repl:2:3)
"""

# https://github.com/mochajs/mocha/issues/1710 (mocha: "Suite.<anonymous>", Node 0.12's
# bare core modules, "(native)")
MOCHA_SUITE = """AssertionError: false == true
    at Suite.<anonymous> (/home/charlie/code/code-fellows/jsf2/foundations-js-lab1/test/excercise1Tests.js:12:3)
    at context.describe.context.context (/home/charlie/lib/node_modules/mocha/lib/interfaces/bdd.js:49:10)
    at Object.<anonymous> (/home/charlie/code/code-fellows/jsf2/foundations-js-lab1/test/excercise1Tests.js:10:1)
    at Module._compile (module.js:460:26)
    at /home/charlie/lib/node_modules/mocha/lib/mocha.js:192:27
    at Array.forEach (native)
"""  # noqa: E501

# https://github.com/postlight/ci-failed-test-reporter/pull/8 (mocha "Context.it")
MOCHA_CONTEXT = """AssertionError [ERR_ASSERTION]: '<details>…' == ''
    at Context.it (src/tests/mocha/getTestReport.test.js:21:12)
"""

# https://github.com/getsentry/sentry-javascript packages/browser/test/tracekit/chromium.test.ts
# (webpack's eval devtool prints no space before "(", "./~/" is webpack 1's node_modules;
# an old Chrome anonymous function with an alias)
WEBPACK_EVAL = """TypeError: Cannot read property 'error' of undefined
   at TESTTESTTEST.eval(webpack:///./src/components/test/test.jsx?:295:108)
   at TESTTESTTEST.render(webpack:///./src/components/test/test.jsx?:272:32)
   at TESTTESTTEST.tryRender(webpack:///./~/react-transform-catch-errors/lib/index.js?:34:31)
   at I.e.fn.(anonymous function) [as index] (http://localhost:8080/file.js:10:3651)
"""

# https://github.com/getsentry/sentry-javascript packages/browser/test/tracekit/firefox.test.ts
# (Firefox 44: nested function paths, file:// URLs, an inline <script>)
FIREFOX = """[2]</Bar.prototype._baz/</<@http://path/to/file.js:703:28
App.prototype.foo@file:///path/to/file.js:15:2
bar@file:///path/to/file.js:20:3
@file:///path/to/index.html:23:1
"""

# https://github.com/vitest-dev/vitest/issues/5405 (vitest's reporter, pnpm's store)
VITEST_PNPM = """Error: Cannot bundle Node.js built-in "async_hooks" imported from "node_modules/.pnpm/p-limit@5.0.0/node_modules/p-limit/index.js".
 ❯ formatError node_modules/.pnpm/vite@5.1.5_@types+node@20.11.25/node_modules/vite/dist/node/chunks/dep-G-px366b.js:50545:46
 ❯ async file:/leaning/work/temp/kemon/node_modules/.pnpm/vite@5.1.5_@types+node@20.11.25/node_modules/vite/dist/node/chunks/dep-G-px366b.js:65778:47
"""  # noqa: E501

# https://github.com/vitest-dev/vitest/issues/8735 (vitest: a test file, no function)
VITEST_TEST_FILE = """AssertionError: expected 'this line' to be 'shown in the stacktrace' // Object.is equality

 ❯ test.test.ts:32:23
     30|   // comment
     32|   expect('this line').toBe('shown in the stacktrace')
"""  # noqa: E501

# https://github.com/wallabyjs/public/issues/3331 ("at new Cls", node:internal)
NODE_INTERNAL_NEW = """Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'async_hooks'
    at new NodeError (node:internal/errors:371:5)
    at packageResolve (node:internal/modules/esm/resolve:884:9)
    at ModuleWrap.<anonymous> (node:internal/modules/esm/module_job:76:40)
"""

# https://github.com/vitest-dev/vitest/issues/4413 (Yarn Plug'n'Play's loader is no
# project code)
YARN_PNP = """    at makeError (/Users/wmaj/Projekty/vitest-pnp/.pnp.cjs:16978:34)
    at resolve$1 (file:///Users/wmaj/Projekty/vitest-pnp/.pnp.loader.mjs:1985:31)
    at nextResolve (node:internal/modules/esm/hooks:833:28)
"""

# https://github.com/test-summary/action test/resources/tap/09-node-tap.tap (node-tap's
# YAML stack prints frames without "at ")
NODE_TAP = """Object.<anonymous> (test.js:8:5)
Module.replacementCompile (node_modules/append-transform/index.js:60:13)
Object.<anonymous> (node_modules/append-transform/index.js:64:4)
"""

EXAMPLES = [
    pytest.param(
        NODE_TAP,
        [
            ("test.js", True, False),
            ("append-transform/index.js:Module.replacementCompile", False, False),
            ("append-transform/index.js", False, False),
        ],
        id="node-tap-without-at",
    ),
    pytest.param(
        JEST_SUITE_FAILED,
        [("jest-circus/build/legacy-code-todo-rewrite/jestAdapter.js", False, False)],
        id="jest-object-anonymous-in-node-modules",
    ),
    pytest.param(
        NODE_MODULES_ONLY,
        [
            (
                "@testim/root-cause-jest/lib/reporter/default.js:EnhancedDefault.onTestCaseResult",
                False,
                False,
            ),
            ("emittery/index.js", False, False),
            ("emittery/index.js:Emittery.Typed.emit", False, False),
            ("internal/process/task_queues.js:processTicksAndRejections", False, False),
        ],
        id="node-modules-and-internal",
    ),
    pytest.param(
        PLAYWRIGHT, [("tests/chromatic/docs.test.ts", True, True)], id="playwright-bare-at"
    ),
    pytest.param(
        ASYNC_PROMISE_ALL,
        [
            ("repl:bar", False, False),
            ("internal/process/task_queues.js:processTicksAndRejections", False, False),
            ("repl:foo", False, False),
        ],
        id="async-promise-all",
    ),
    pytest.param(
        MOCHA_SUITE,
        [
            (
                "test/excercise1Tests.js",
                True,
                True,
            ),
            ("mocha/lib/interfaces/bdd.js:context.describe.context.context", False, False),
            (
                "test/excercise1Tests.js",
                True,
                True,
            ),
            ("module.js:Module._compile", False, False),
            ("mocha/lib/mocha.js", False, False),
        ],
        id="mocha-suite-anonymous",
    ),
    pytest.param(
        MOCHA_CONTEXT,
        [("src/tests/mocha/getTestReport.test.js:Context.it", True, True)],
        id="mocha-context-it",
    ),
    pytest.param(
        WEBPACK_EVAL,
        [
            # a "test" directory counts as test code
            ("src/components/test/test.jsx:TESTTESTTEST.eval", True, True),
            ("src/components/test/test.jsx:TESTTESTTEST.render", True, True),
            ("~/react-transform-catch-errors/lib/index.js:TESTTESTTEST.tryRender", False, False),
            ("file.js", True, False),
        ],
        id="webpack-eval-devtool",
    ),
    pytest.param(
        FIREFOX,
        [
            ("to/file.js:Bar.prototype._baz", True, False),
            ("to/file.js:App.prototype.foo", True, False),
            ("to/file.js:bar", True, False),
            ("to/index.html", True, False),
        ],
        id="firefox",
    ),
    pytest.param(
        VITEST_PNPM,
        [
            ("vite/dist/node/chunks/dep-G-px366b.js:formatError", False, False),
            ("vite/dist/node/chunks/dep-G-px366b.js", False, False),
        ],
        id="vitest-pnpm",
    ),
    pytest.param(VITEST_TEST_FILE, [("test.test.ts", True, True)], id="vitest-test-file"),
    pytest.param(
        NODE_INTERNAL_NEW,
        [
            ("node:internal/errors:NodeError", False, False),
            ("node:internal/modules/esm/resolve:packageResolve", False, False),
            ("node:internal/modules/esm/module_job", False, False),
        ],
        id="node-internal-new",
    ),
    pytest.param(
        YARN_PNP,
        [
            ("/Users/wmaj/Projekty/vitest-pnp/.pnp.cjs:makeError", False, False),
            ("/Users/wmaj/Projekty/vitest-pnp/.pnp.loader.mjs:resolve$1", False, False),
            ("node:internal/modules/esm/hooks:nextResolve", False, False),
        ],
        id="yarn-pnp",
    ),
]


@pytest.mark.parametrize(("trace", "expected"), EXAMPLES)
def test_reads_js_frames_innermost_first(
    trace: str, expected: list[tuple[str, bool, bool]]
) -> None:
    frames = read_frames(trace)
    assert seen(frames) == expected
    assert {frame.language for frame in frames} == {"js"}


@pytest.mark.parametrize(("trace", "expected"), EXAMPLES)
def test_a_line_moved_by_an_edit_keeps_the_keys(
    trace: str, expected: list[tuple[str, bool, bool]]
) -> None:
    assert keys(lines_moved(trace)) == [key for key, _, _ in expected]


# The brief's failing shapes: a Playwright spec under every CI root (the digits and the root
# must not leak), jest's "Object.<anonymous>", "at async", "at new", an alias, a pnpm
# store, file:// and webpack:/// URLs.
ROOTED = """Error: expect(received).toBe(expected)
    at Cart.add (webpack:///./src/cart.ts:40:11)
    at new Checkout (file://{root}src/checkout.ts:12:5)
    at pay [as submit] ({root}src/pay.ts:7:3)
    at async Object.<anonymous> ({root}e2e/checkout.spec.ts:27:58)
    at {root}e2e/checkout.spec.ts:30:1
    at fn ({root}node_modules/.pnpm/@playwright+test@1.40.0/node_modules/@playwright/test/lib/worker.js:1:2)
    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)
"""  # noqa: E501
ROOTED_KEYS = [
    ("src/cart.ts:Cart.add", True, False),
    ("src/checkout.ts:Checkout", True, False),
    ("src/pay.ts:pay", True, False),
    ("e2e/checkout.spec.ts", True, True),
    ("e2e/checkout.spec.ts", True, True),
    ("@playwright/test/lib/worker.js:fn", False, False),
    ("node:internal/process/task_queues:process.processTicksAndRejections", False, False),
]


@pytest.mark.parametrize("root", CI_ROOTS)
def test_every_ci_root_gives_the_same_js_frames(root: str) -> None:
    trace = rooted(ROOTED, root)
    if root.startswith("D:"):
        trace = trace.replace("file://D:", "file:///D:")  # how Node prints a Windows URL
    assert seen(read_frames(trace)) == ROOTED_KEYS


# https://github.com/withspectrum/spectrum/issues/3122 (Cypress 3's bundled runner)
CYPRESS_RUNNER = """CypressError: Timed out retrying: Expected to find element: 'x'
      at Object.cypressErr (http://localhost:3000/__cypress/runner/cypress_runner.js:66781:11)
      at Object.throwErr (http://localhost:3000/__cypress/runner/cypress_runner.js:66746:18)
      at retry (http://localhost:3000/__cypress/runner/cypress_runner.js:60782:16)
      at http://localhost:3000/__cypress/runner/cypress_runner.js:53285:18
"""


def test_cypress_bundled_runner_is_not_project_code() -> None:
    frames = read_frames(CYPRESS_RUNNER)
    assert frames
    assert not any(frame.in_repo for frame in frames)
