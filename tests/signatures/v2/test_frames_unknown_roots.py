"""Frames under a root no table knows (signature v2): keyed by their repo-relative suffix.

Re-runs of one failure on a developer laptop, an rpm build root, a mounted volume or a CI
workspace the table does not list must give the frame key that a known CI root gives, in
every language.
"""

from __future__ import annotations

import pytest

from bot.core.signatures.v2.frames import read_frames
from bot.core.signatures.v2.frames.model import normalize_path, repo_relative
from tests.signatures.v2.frame_cases import keys

# https://github.com/NiaOrg/NiaPy/issues/510 (Fedora's rpmbuild: BUILD/<pkg>-<ver>/)
NIAPY_RPMBUILD = """/builddir/build/BUILD/NiaPy-2.1.0/niapy/task.py:79: in __init__
    self.problem = get_problem(problem, **params)
/builddir/build/BUILD/NiaPy-2.1.0/niapy/util/factory.py:19: in get_problem
    problem = _problem_options().pop(name.lower())
E   KeyError: 'runtest'"""
# https://github.com/openSUSE/open-build-service/issues/7841 (OBS's own container: /obs/)
OBS_SPEC = (
    "{root}src/api/spec/bootstrap/features/webui/kiwi/images_spec.rb:78:"
    "in `block (3 levels) in <top (required)>'"
)


@pytest.mark.parametrize(
    ("path", "relative"),
    [
        ("/obs/src/api/spec/features/x_spec.rb", "src/api/spec/features/x_spec.rb"),
        ("/mnt/exercism-iteration/clock/ClockTest.cs", "clock/ClockTest.cs"),
        ("/home/dev/src/shop/app/models/cart.rb", "app/models/cart.rb"),
        ("/Users/ana/code/shop/tests/test_cart.py", "tests/test_cart.py"),
        ("C:/Users/REDACTED/Documents/GitHub/logger/test/Tests.cs", "test/Tests.cs"),
        ("/opt/build/repo/packages/ui/src/Button.tsx", "packages/ui/src/Button.tsx"),
        ("lib/shop/cart.rb", "lib/shop/cart.rb"),  # relative: already repo-relative
    ],
)
def test_an_unknown_root_is_cut_at_the_first_project_directory(path: str, relative: str) -> None:
    assert repo_relative(path) == relative


@pytest.mark.parametrize(
    "raw",
    [
        "/home/circleci/shop/tests/test_cart.py",  # CircleCI, checkout into ~/<repo>
        "/builddir/build/BUILD/shop-1.2.0/tests/test_cart.py",  # rpmbuild
        "C:\\Users\\jenkins\\workspace\\shop-ci\\tests\\test_cart.py",  # Jenkins on Windows
        "/home/jenkins/agent/workspace/shop-ci/tests/test_cart.py",  # Jenkins on kubernetes
    ],
)
def test_more_ci_roots_are_in_the_table(raw: str) -> None:
    assert normalize_path(raw) == "tests/test_cart.py"


def test_an_rpm_build_gives_the_keys_of_a_checkout() -> None:
    checkout = NIAPY_RPMBUILD.replace("/builddir/build/BUILD/NiaPy-2.1.0/", "")
    assert (
        keys(NIAPY_RPMBUILD)
        == keys(checkout)
        == [
            "niapy/util/factory.py:get_problem",
            "niapy/task.py:__init__",
        ]
    )


@pytest.mark.parametrize("root", ["/obs/", "/home/circleci/project/", "/srv/ci/x/", ""])
def test_a_ruby_spec_frame_is_the_same_under_any_root(root: str) -> None:
    assert keys(OBS_SPEC.format(root=root)) == [
        "src/api/spec/bootstrap/features/webui/kiwi/images_spec.rb"
    ]


def test_library_frames_keep_their_installation_relative_path() -> None:
    trace = """Traceback (most recent call last):
  File "/home/dev/src/shop/app/cart.py", line 3, in add
    requests.get(url)
  File "/home/dev/.venv/lib/python3.12/site-packages/requests/api.py", line 73, in get
    return request("get", url)
"""
    frames = read_frames(trace)
    assert [(f.file, f.in_repo) for f in frames] == [
        ("requests/api.py", False),
        ("app/cart.py", True),
    ]
