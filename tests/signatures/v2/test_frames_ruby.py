# ruff: noqa: E501  (real traces are quoted as printed)
"""Ruby frames (signature v2): rspec, minitest, Ruby 3.4 quotes, gems.

Each trace is a real one (trimmed to its frames) from the thread named above it.
Expected: ``(key, in_repo, is_test)`` innermost first.
"""

from __future__ import annotations

import pytest

from bot.core.signatures.v2.frames import read_frames
from tests.signatures.v2.frame_cases import CI_ROOTS, keys, lines_moved, rooted, seen

# https://github.com/sethvargo/cleanroom/issues/1 (rspec: "# ./spec/…", block levels)
RSPEC_HELPER = """     Failure/Error: Unable to find matching line from backtrace
     NameError:
       uninitialized constant FileUtils
     # ./spec/spec_helper.rb:15:in `block (2 levels) in <top (required)>'
"""
# https://github.com/microverseinc/linters-config/issues/94 (rspec load error: lib and spec)
RSPEC_LOAD_ERROR = """Failure/Error: require 'git'

LoadError:
  cannot load such file -- git
# ./lib/helpers/git.rb:1:in `<top (required)>'
# ./spec/helpers/git_spec.rb:3:in `require_relative'
# ./spec/helpers/git_spec.rb:3:in `<top (required)>'
"""
# https://github.com/rapid7/metasploit-framework/issues/21047 (vendor/bundle gems, 9 levels)
VENDOR_BUNDLE = """      # ./vendor/bundle/ruby/3.3.0/gems/rspec-support-3.13.6/lib/rspec/support.rb:110:in `block in <module:Support>'
      # ./vendor/bundle/ruby/3.3.0/gems/rspec-expectations-3.13.5/lib/rspec/expectations/fail_with.rb:35:in `fail_with'
      # ./vendor/bundle/ruby/3.3.0/gems/rspec-expectations-3.13.5/lib/rspec/expectations/expectation_target.rb:101:in `to'
      # ./spec/acceptance/meterpreter_spec.rb:366:in `block (9 levels) in <top (required)>'
      # ./vendor/bundle/ruby/3.3.0/gems/rspec-core-3.13.5/lib/rspec/core/example.rb:263:in `instance_exec'
"""
# https://github.com/rspec-given/rspec-given/issues/18 (a gem's own lib is project code)
RSPEC_GIVEN = """     # ./lib/given/rspec/framework.rb:24:in `fail_with'
     # ./lib/given/module_methods.rb:59:in `fail_with'
     # ./lib/given/extensions.rb:127:in `_gvn_naturally_assert'
"""
# https://github.com/OpenVoxProject/openbolt/pull/67 (Ruby 3.4: 'Kernel#require' quotes,
# <internal:…> paths, irb)
RUBY_34 = """<internal:/usr/lib/ruby/3.4.0/rubygems/core_ext/kernel_require.rb>:136:in 'Kernel#require': cannot load such file -- fake (LoadError)
\tfrom <internal:/usr/lib/ruby/3.4.0/rubygems/core_ext/kernel_require.rb>:136:in 'Kernel#require'
\tfrom (irb):1:in '<main>'
\tfrom <internal:kernel>:168:in 'Kernel#loop'
\tfrom /usr/lib/ruby/gems/3.4.0/gems/irb-1.14.3/exe/irb:9:in '<top (required)>'
\tfrom /usr/bin/irb:25:in 'Kernel#load'
"""
# https://github.com/jgraichen/redmine_dashboard/issues/128 (system gems and an app outside
# any CI root)
SYSTEM_GEMS = """From:
  /usr/local/lib/ruby/gems/2.1.0/gems/activesupport-4.2.6/lib/active_support/dependencies.rb:274:in `require'
  /usr/local/lib/ruby/gems/2.1.0/gems/activesupport-4.2.6/lib/active_support/dependencies.rb:274:in `block in require'
  /usr/local/lib/ruby/2.1.0/test/unit.rb:1:in `<top (required)>'
  /srv/redmine-3.3.0-development/config/application.rb:8:in `<top (required)>'
"""
# https://github.com/stas/rspec-rake/pull/5 (a project's vendor/bundle)
RAKE_VENDOR = """NoMethodError: undefined method `configure' for RSpec:Module
/home/ubuntu/cobalt2/vendor/bundle/ruby/2.3.0/gems/rspec-rake-0.0.3/lib/rspec/rake.rb:4:in `<top (required)>'
"""
# https://github.com/rails/bootsnap/issues/459 (minitest under rpmbuild: distro gems)
BOOTSNAP = """/usr/share/gems/gems/bundler-2.5.0.dev/lib/bundler/rubygems_integration.rb:250:in `require': unexpected invocation: #<Mock:0x16f8>.to_path() (Minitest::Assertion)
\tfrom /usr/share/gems/gems/bundler-2.5.0.dev/lib/bundler/rubygems_integration.rb:250:in `block (2 levels) in replace_require'
\tfrom /builddir/build/GIT/bootsnap/lib/bootsnap/load_path_cache/core_ext/kernel_require.rb:17:in `require'
"""

# https://github.com/launchableinc/cli tests/data/cucumber/report (cucumber: a step
# definition block prints as `nil', the feature file is test code)
CUCUMBER = """ (RSpec::Expectations::ExpectationNotMetError)
./features/step_definitions/stepdefs.rb:29:in `nil'
features/is_it_friday_yet.feature:28:in `I should be told "Nope"'
"""

EXAMPLES = [
    pytest.param(
        CUCUMBER,
        [
            ("features/step_definitions/stepdefs.rb", True, True),
            ('features/is_it_friday_yet.feature:I should be told "Nope"', True, True),
        ],
        id="cucumber-step",
    ),
    pytest.param(
        RSPEC_HELPER,
        [
            ("spec/spec_helper.rb", True, True),
        ],
        id="rspec-helper-block",
    ),
    pytest.param(
        RSPEC_LOAD_ERROR,
        [
            ("lib/helpers/git.rb", True, False),
            ("spec/helpers/git_spec.rb:require_relative", True, True),
            ("spec/helpers/git_spec.rb", True, True),
        ],
        id="rspec-load-error",
    ),
    pytest.param(
        VENDOR_BUNDLE,
        [
            ("rspec-support/lib/rspec/support.rb:Support", False, False),
            ("rspec-expectations/lib/rspec/expectations/fail_with.rb:fail_with", False, False),
            ("rspec-expectations/lib/rspec/expectations/expectation_target.rb:to", False, False),
            ("spec/acceptance/meterpreter_spec.rb", True, True),
            ("rspec-core/lib/rspec/core/example.rb:instance_exec", False, False),
        ],
        id="vendor-bundle",
    ),
    pytest.param(
        RSPEC_GIVEN,
        [
            ("lib/given/rspec/framework.rb:fail_with", True, False),
            ("lib/given/module_methods.rb:fail_with", True, False),
            ("lib/given/extensions.rb:_gvn_naturally_assert", True, False),
        ],
        id="gem-own-lib",
    ),
    pytest.param(
        RUBY_34,
        [
            ("rubygems/core_ext/kernel_require.rb:Kernel#require", False, False),
            ("rubygems/core_ext/kernel_require.rb:Kernel#require", False, False),
            ("(irb)", False, False),
            ("<internal:kernel>:Kernel#loop", False, False),
            ("irb/exe/irb", False, False),
            ("/usr/bin/irb:Kernel#load", False, False),
        ],
        id="ruby-3-4-internal-irb",
    ),
    pytest.param(
        SYSTEM_GEMS,
        [
            ("activesupport/lib/active_support/dependencies.rb:require", False, False),
            ("activesupport/lib/active_support/dependencies.rb:require", False, False),
            ("test/unit.rb", False, False),
            ("config/application.rb", True, False),
        ],
        id="system-gems",
    ),
    pytest.param(
        RAKE_VENDOR,
        [
            ("rspec-rake/lib/rspec/rake.rb", False, False),
        ],
        id="project-vendor-bundle",
    ),
    pytest.param(
        BOOTSNAP,
        [
            ("bundler/lib/bundler/rubygems_integration.rb:require", False, False),
            ("bundler/lib/bundler/rubygems_integration.rb:replace_require", False, False),
            (
                "lib/bootsnap/load_path_cache/core_ext/kernel_require.rb:require",
                True,
                False,
            ),
        ],
        id="distro-gems",
    ),
]


@pytest.mark.parametrize(("trace", "expected"), EXAMPLES)
def test_reads_ruby_frames_innermost_first(
    trace: str, expected: list[tuple[str, bool, bool]]
) -> None:
    frames = read_frames(trace)
    assert seen(frames) == expected
    assert {frame.language for frame in frames} == {"ruby"}


@pytest.mark.parametrize(("trace", "expected"), EXAMPLES)
def test_a_line_moved_by_an_edit_keeps_the_keys(
    trace: str, expected: list[tuple[str, bool, bool]]
) -> None:
    assert keys(lines_moved(trace)) == [key for key, _, _ in expected]


# Ruby 3.4 and older quotes, rspec's "# ./" and minitest's bare paths, under every CI root
# (the shapes of sethvargo/cleanroom#1 and OpenVoxProject/openbolt#67).
ROOTED = """{root}app/models/user.rb:12:in 'User#save': boom (RuntimeError)
\tfrom {root}app/models/user.rb:30:in 'block (2 levels) in User#save!'
\tfrom {root}vendor/bundle/ruby/3.4.0/gems/activerecord-7.1.2/lib/active_record/transactions.rb:9:in 'transaction'
\tfrom {root}spec/models/user_spec.rb:7:in 'block (3 levels) in <top (required)>'
\tfrom {root}test/models/user_test.rb:5:in 'test_saves'
"""
ROOTED_KEYS = [
    ("app/models/user.rb:User#save", True, False),
    ("app/models/user.rb:User#save!", True, False),
    ("activerecord/lib/active_record/transactions.rb:transaction", False, False),
    ("spec/models/user_spec.rb", True, True),
    ("test/models/user_test.rb:test_saves", True, True),
]


@pytest.mark.parametrize("root", CI_ROOTS)
def test_every_ci_root_gives_the_same_ruby_frames(root: str) -> None:
    assert seen(read_frames(rooted(ROOTED, root))) == ROOTED_KEYS


def test_rspec_and_older_ruby_quotes_give_the_same_frames() -> None:
    older = ROOTED.replace("{root}", "./").replace(" 'block", " `block").replace(":in '", ":in `")
    rspec = "\n".join("# " + line.removeprefix("\tfrom ") for line in older.splitlines())
    assert seen(read_frames(rspec)) == ROOTED_KEYS
