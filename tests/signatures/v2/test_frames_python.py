"""Python frames (signature v2): tracebacks, chained exceptions, pytest --tb formats.

Each trace is a real one (trimmed to its frames) from the issue thread named above it.
Expected: ``(key, in_repo, is_test)`` innermost first.
"""

from __future__ import annotations

import pytest

from bot.core.signatures.v2.frames import read_frames
from tests.signatures.v2.frame_cases import CI_ROOTS, keys, lines_moved, rooted, seen

# https://github.com/pytest-dev/pytest/issues/1278 (python3, chained with "from e")
CHAINED_CAUSE = """Traceback (most recent call last):
  File "py_test.py", line 4, in test_x
    raise KeyError
KeyError

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "py_test.py", line 9, in <module>
    test_x()
  File "py_test.py", line 6, in test_x
    raise RuntimeError from e
RuntimeError
"""

# https://github.com/pytest-dev/pytest/issues/1278 (the same test under pytest --tb=long)
PYTEST_LONG_ONE_ENTRY = """    def test_x():
        try:
            raise KeyError
        except Exception as e:
>           raise RuntimeError from e
E           RuntimeError

py_test.py:6: RuntimeError
"""

# https://github.com/tox-dev/tox/issues/1228 (pytest under tox, --tb=long, a method test)
PYTEST_LONG_TOX = """______________ test_init_sets_given_attributes ______________

    def test_init_sets_given_attributes():
        group = models.Group(name="My group", authority="example.com", enforce_scope=False)
>       assert False
E       assert False

group      = <Group: my-group>

tests/h/models/group_test.py:22: AssertionError
"""

# https://github.com/tox-dev/tox/issues/1228 (tox's own traceback: a console script and
# dist-packages, nothing of the project)
TOX_DIST_PACKAGES = """Traceback (most recent call last):
  File "/usr/local/bin/tox", line 11, in <module>
    sys.exit(cmdline())
  File "/usr/local/lib/python2.7/dist-packages/tox/session/__init__.py", line 42, in cmdline
    main(args)
  File "/usr/local/lib/python2.7/dist-packages/tox/session/__init__.py", line 63, in main
    retcode = session.runcommand()
"""

# https://github.com/tox-dev/pipdeptree/pull/6 (--tb=short, the helper is the innermost)
PYTEST_SHORT = """___________________ test_req_version ___________________
tests/test_pipdeptree.py:28: in test_req_version
>       sqlalchemy = find_req('sqlalchemy', 'alembic')
tests/test_pipdeptree.py:24: in find_req
>       return [r for r in pkg_index[parent].requires() if r.key == req][0]
E       IndexError: list index out of range
"""

# https://github.com/pytest-dev/pytest/issues/7743 (a pipenv virtualenv: site-packages)
VIRTUALENV = """Traceback (most recent call last):
  File "/home/kevin/.local/share/virtualenvs/code-PeIGB9Qw/bin/pytest", line 8, in <module>
    sys.exit(console_main())
  File "/home/kevin/.local/share/virtualenvs/code-PeIGB9Qw/lib/python3.8/site-packages/_pytest/config/__init__.py", line 180, in console_main
    code = main()
  File "/home/kevin/.local/share/virtualenvs/code-PeIGB9Qw/lib/python3.8/site-packages/pluggy/hooks.py", line 286, in __call__
    return self._hookexec(self, self.get_hookimpls(), kwargs)
"""  # noqa: E501

# https://github.com/Rudd-O/ledgerhelpers/pull/27 (a distro package and the stdlib)
DISTRO_PACKAGE = """Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/ledgerhelpers/programs/addtrans.py", line 149, in journal_load_failed
    traceback.print_last()
  File "/usr/lib/python3.10/traceback.py", line 189, in print_last
    raise ValueError("no last exception")
ValueError: no last exception
"""  # noqa: E501

# https://github.com/tox-dev/tox/issues/2329 (--tb=long with an intermediate entry printed
# as "path:line:" and an absolute path under an unknown root, kept as is). The quoted
# excerpt stops before the last entry's location line; it is reconstructed from the
# entry's ``def`` (tox 3.24's src/tox/_pytestplugin.py).
PYTEST_LONG_INTERMEDIATE = """    def test_provision_non_canonical_dep(cmd, initproj, monkeypatch, tox_wheel, magic_non_canonical_wheel):
        result = cmd("-a", "--option", "b")
>       result.assert_success(is_run_test_env=False)

/home/tkloczko/rpmbuild/BUILD/tox-3.24.4/tests/unit/session/test_provision.py:180:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

self = RunResult(ret=1, args=('-a', '--option', 'b'))
is_run_test_env = False

    def assert_success(self, is_run_test_env=True):
        msg = self.output()
>       assert self.ret == 0, msg
E       AssertionError: 1

/home/tkloczko/rpmbuild/BUILD/tox-3.24.4/src/tox/_pytestplugin.py:233: AssertionError
"""  # noqa: E501

# https://github.com/pytest-dev/pytest/pull/3805 ("During handling": the newest exception's
# frames first; pytest --tb=short). Adapted: pytest's own test prints no file name before
# ":13:", here the module's path is put back.
DURING_HANDLING_SHORT = """testing/code/test_excinfo.py:13: in unreraise
    reraise()
testing/code/test_excinfo.py:10: in reraise
    raise Err() from e
E   test_exc_chain_repr_cycle0.mod.Err

During handling of the above exception, another exception occurred:
testing/code/test_excinfo.py:15: in unreraise
    raise e.__cause__
testing/code/test_excinfo.py:8: in reraise
    fail()
testing/code/test_excinfo.py:5: in fail
    return 0 / 0
E   ZeroDivisionError: division by zero
"""

# https://github.com/pytest-dev/pytest/issues/7743 (--tb=line: one "path:line: message")
PYTEST_LINE = "/home/kevin/SandBox/code/ch4/cache/test_slower.py:23: AssertionError: assert 4 == 5"

# https://github.com/launchableinc/cli tests/data/pytest/report.xml (--tb=long as a JUnit
# report pretty-prints it: every line indented, the location too)
PYTEST_LONG_INDENTED = """def test_func5():
                > assert 1 == False # noqa: E712
                E assert 1 == False

                tests/funcs3_test.py:6: AssertionError"""

EXAMPLES = [
    pytest.param(
        PYTEST_LONG_INDENTED,
        [("tests/funcs3_test.py:test_func5", True, True)],
        id="pytest-long-indented-in-junit",
    ),
    pytest.param(
        CHAINED_CAUSE,
        [
            ("py_test.py:test_x", True, True),
            ("py_test.py", True, True),
            ("py_test.py:test_x", True, True),
        ],
        id="chained-direct-cause",
    ),
    pytest.param(
        PYTEST_LONG_ONE_ENTRY, [("py_test.py:test_x", True, True)], id="pytest-long-one-entry"
    ),
    pytest.param(
        PYTEST_LONG_TOX,
        [("tests/h/models/group_test.py:test_init_sets_given_attributes", True, True)],
        id="pytest-long-tox",
    ),
    pytest.param(
        TOX_DIST_PACKAGES,
        [
            ("tox/session/__init__.py:main", False, False),
            ("tox/session/__init__.py:cmdline", False, False),
            ("/usr/local/bin/tox", False, False),
        ],
        id="dist-packages-and-console-script",
    ),
    pytest.param(
        PYTEST_SHORT,
        [
            ("tests/test_pipdeptree.py:find_req", True, True),
            ("tests/test_pipdeptree.py:test_req_version", True, True),
        ],
        id="pytest-short",
    ),
    pytest.param(
        VIRTUALENV,
        [
            ("pluggy/hooks.py:__call__", False, False),
            ("_pytest/config/__init__.py:console_main", False, False),
            ("/home/kevin/.local/share/virtualenvs/code-PeIGB9Qw/bin/pytest", False, False),
        ],
        id="virtualenv-site-packages",
    ),
    pytest.param(
        DISTRO_PACKAGE,
        [
            ("traceback.py:print_last", False, False),
            ("ledgerhelpers/programs/addtrans.py:journal_load_failed", False, False),
        ],
        id="distro-dist-packages-and-stdlib",
    ),
    pytest.param(
        PYTEST_LONG_INTERMEDIATE,
        [
            (
                "src/tox/_pytestplugin.py:assert_success",
                True,
                False,
            ),
            (
                "tests/unit/session/test_provision.py:test_provision_non_canonical_dep",
                True,
                True,
            ),
        ],
        id="pytest-long-intermediate-entry",
    ),
    pytest.param(
        DURING_HANDLING_SHORT,
        [
            ("testing/code/test_excinfo.py:fail", True, True),
            ("testing/code/test_excinfo.py:reraise", True, True),
            ("testing/code/test_excinfo.py:unreraise", True, True),
            ("testing/code/test_excinfo.py:reraise", True, True),
            ("testing/code/test_excinfo.py:unreraise", True, True),
        ],
        id="during-handling-newest-first",
    ),
    pytest.param(
        PYTEST_LINE,
        [("cache/test_slower.py", True, True)],
        id="pytest-tb-line",
    ),
]


@pytest.mark.parametrize(("trace", "expected"), EXAMPLES)
def test_reads_python_frames_innermost_first(
    trace: str, expected: list[tuple[str, bool, bool]]
) -> None:
    frames = read_frames(trace)
    assert seen(frames) == expected
    assert {frame.language for frame in frames} == {"python"}


@pytest.mark.parametrize(("trace", "expected"), EXAMPLES)
def test_a_line_moved_by_an_edit_keeps_the_keys(
    trace: str, expected: list[tuple[str, bool, bool]]
) -> None:
    assert keys(lines_moved(trace)) == [key for key, _, _ in expected]


# The shape of pytest-dev/pytest#1278's chain, run in a checkout with a tox venv and the
# hosted toolcache's stdlib, as each CI system lays it out.
ROOTED = """Traceback (most recent call last):
  File "{root}app/db.py", line 40, in connect
    return self._pool.get()
  File "/opt/hostedtoolcache/Python/3.11.9/x64/lib/python3.11/queue.py", line 179, in get
    raise Empty
_queue.Empty

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "{root}tests/test_checkout.py", line 12, in test_checkout
    cart.checkout()
  File "{root}.tox/py311/lib/python3.11/site-packages/sqlalchemy/pool/base.py", line 900, in connect
    raise exc.TimeoutError()
  File "{root}.nox/tests-3-11/lib/python3.11/site-packages/sqlalchemy/pool/impl.py", line 10, in _do_get
    raise
sqlalchemy.exc.TimeoutError: QueuePool limit reached
"""  # noqa: E501
ROOTED_KEYS = [
    ("sqlalchemy/pool/impl.py:_do_get", False, False),
    ("sqlalchemy/pool/base.py:connect", False, False),
    ("tests/test_checkout.py:test_checkout", True, True),
    ("queue.py:get", False, False),
    ("app/db.py:connect", True, False),
]


@pytest.mark.parametrize("root", CI_ROOTS)
def test_every_ci_root_gives_the_same_python_frames(root: str) -> None:
    assert seen(read_frames(rooted(ROOTED, root))) == ROOTED_KEYS


# The same failure in a project venv (.venv) gives the same library frame as under tox.
def test_a_dot_venv_library_frame_is_not_in_the_repository() -> None:
    trace = ROOTED.replace(".tox/py311", ".venv").replace("{root}", "/home/runner/work/shop/shop/")
    assert seen(read_frames(trace)) == ROOTED_KEYS


# Python 3.11+ prints an exception group's tracebacks behind "| " (the layout of PEP 654's
# examples); the frames are read as any others.
EXCEPTION_GROUP = """  + Exception Group Traceback (most recent call last):
  |   File "/home/runner/work/shop/shop/tests/test_jobs.py", line 8, in test_jobs
  |     run_all()
  |   File "/home/runner/work/shop/shop/app/jobs.py", line 20, in run_all
  |     raise ExceptionGroup("jobs failed", errors)
  | ExceptionGroup: jobs failed (1 sub-exception)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/home/runner/work/shop/shop/app/jobs.py", line 14, in run_all
    |     job()
    |   File "/home/runner/work/shop/shop/app/mail.py", line 5, in send
    |     raise ConnectionRefusedError(111)
    | ConnectionRefusedError: 111
    +------------------------------------
"""


def test_exception_group_frames_are_read() -> None:
    assert keys(EXCEPTION_GROUP) == [
        "app/mail.py:send",
        "app/jobs.py:run_all",
        "app/jobs.py:run_all",
        "tests/test_jobs.py:test_jobs",
    ]
