"""Discriminators: what keeps two causes of one family apart (docs/signatures.md).

A family is a title and a meaning; the key adds, per family, the detail that says which
cause it is: the callee (service, host, command), the status the test expected for a
status that is about the request, the pending browser action of a test timeout, the
file or address of an errno, the awaited condition of an unknown wait.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.signatures.v2.callee import (
    callee_of,
    command_of,
    endpoint_of,
    fixed_port_of,
    service_of,
)
from bot.core.signatures.v2.cause import Cause
from bot.core.signatures.v2.expectation import Expectation
from bot.core.signatures.v2.families import Family
from bot.core.signatures.v2.frames.model import normalize_path, repo_relative
from bot.core.signatures.v2.parameters import parameterize
from bot.core.signatures.v2.test_name import collapse_test_id

_CALLEE_FAMILIES = ("http-", "grpc-", "dns", "timeout", "errno-")
# A service that is down or overloaded answers every endpoint alike; any other status is
# about the request, so the status the test expected says which request it was.
_AVAILABILITY_STATUSES = frozenset({"http-429", "http-502", "http-503", "http-504"})
# A success where the test expected an error: the error path was not taken (a handler not
# registered, a check skipped); which error each test expected does not tell causes apart.
_SUCCESS = re.compile(r"^http-2\d\d$")
# Browser automation names the pending action of a test timeout (page.click, locator.fill).
_BROWSER_ACTION = re.compile(r"\b((?:page|locator|frame|context|browser|elementHandle)\.\w+)\b")
_STATUS = re.compile(r"\b[1-5]\d\d\b")
# gRPC statuses that say the server failed the call (UNKNOWN, INTERNAL …) carry its error in
# the description; the transport ones (UNAVAILABLE, DEADLINE_EXCEEDED …) do not.
_GRPC_TRANSPORT = frozenset(
    {
        "grpc-unavailable",
        "grpc-deadline-exceeded",
        "grpc-cancelled",
        "grpc-resource-exhausted",
        "grpc-unauthenticated",
        "grpc-permission-denied",
    }
)


# Waits whose message names what was awaited (an element, a condition).
_WAITS_FOR_A_CONDITION = frozenset(
    {
        "timeout",
        "timeout-await",
        "timeout-cypress-retry",
        "timeout-browser-action",
        "timeout-webdriver-wait",
    }
)


# Awaitility names the condition by where its lambda is defined ("[Condition with] lambda
# expression in <Class> [that uses <types>]"); a matcher's description after it quotes
# the value seen at the deadline, which varies per run.
_AWAITILITY_LAMBDA = re.compile(
    r"\blambda expression in (?P<where>[\w.$]++(?: that uses [\w.$]++(?:, [\w.$]++)*+)?)", re.I
)


def _awaited(line: str) -> str:
    """What a wait waited for: Awaitility's lambda site, else the parameterized line."""
    if lambda_site := _AWAITILITY_LAMBDA.search(line):
        return f"lambda expression in {lambda_site['where']}"
    return parameterize(line)


# A refusal on the IPv6 loopback alone: the client resolved "localhost" to ::1 (Node 17+,
# Go) while the server listens on 127.0.0.1 only — not the server being down. When both
# addresses were tried (Node's AggregateError), nothing listens at all.
_IPV6_LOOPBACK = re.compile(r"(?<![\w:])\[?::1\]?:\d")
_IPV4_LOOPBACK = re.compile(r"\b127\.0\.0\.1\b")


def _address_family(body: str) -> str:
    bounded = body[:4_000]
    if _IPV6_LOOPBACK.search(bounded) and not _IPV4_LOOPBACK.search(bounded):
        return " ipv6-loopback"
    return ""


# "Error 111 connecting to db7.example:6380": the host:port a client was connecting to
_CONNECTING_TO = re.compile(
    r"\bconnect(?:ing)?(?: to)? (?P<host>[A-Za-z][\w-]*+(?:\.[\w-]++)++):\d++\b", re.I
)
_LOCAL_NAMES = frozenset({"localhost.localdomain", "host.docker.internal"})


def _remote(message: str) -> str:
    """A named remote host (a service on another machine is another server than the local
    one the tests start): `` @host`` when the message names one, else nothing."""
    found = callee_of(message, services=False)
    host = found.split("/", 1)[0].rsplit(":", 1)[0] if found else ""
    if not host and (named := _CONNECTING_TO.search(message[:2_000])):
        host = named["host"]
    return f" @{host}" if "." in host and host not in _LOCAL_NAMES else ""


@dataclass(frozen=True, slots=True)
class Detail:
    key: str  # hashed
    callee: str  # shown in the title


def callee_for(family: Family, cause: Cause) -> str:
    if family.id.startswith(("exit-", "signal-", "oom-")):
        return command_of(cause.body) or ""  # the process that died or ran out of memory
    if family.id.startswith("connection-"):
        endpoint = endpoint_of(cause.body) or ""
        remote = _remote(cause.message)
        remote = "" if remote.strip(" @") in endpoint else remote
        return f"{endpoint}{remote}{_address_family(cause.body)}".strip()
    if family.id.startswith("db-"):
        return callee_of(cause.body) or ""
    if family.id.startswith(_CALLEE_FAMILIES):
        # the upstream (service or host), not the endpoint: one outage answers every path
        found = callee_of(cause.message) or service_of(cause.body) or ""
        return found.split("/", 1)[0]
    return ""


# A test-level timeout only says "this test hung". Go >= 1.20 names the running tests
# ("running tests:\n\tTestX (10m0s)"); otherwise the hung test's file (a slow suite times
# out test after test, a hook's timeout is shared by the tests of its file), or for ids
# without a file (Go's package.TestX) the test itself, parameters collapsed.
_GO_RUNNING = re.compile(r"^running tests:[ \t]*+\r?\n[ \t]++(?P<test>\S++)", re.M)


def _hung(body: str, test_id: str) -> str:
    """Which test or test file hung, when nothing shows where."""
    if running := _GO_RUNNING.search(body[:4_000]):
        return f"test={running['test']}"
    if "::" in test_id:
        return f"file={repo_relative(normalize_path(test_id.split('::', 1)[0]))}"
    return f"test={collapse_test_id(test_id)}" if test_id else ""


def detail_for(
    family: Family, cause: Cause, line: str, expectation: Expectation | None, test_id: str = ""
) -> Detail:
    """The family's discriminating detail for the key, and the callee for the title."""
    callee = callee_for(family, cause)
    key = callee
    if (
        family.id.startswith("http-")
        and family.id not in _AVAILABILITY_STATUSES
        and not _SUCCESS.match(family.id)
        and expectation
    ):
        expected = _STATUS.search(expectation.expected)
        if expected:
            key = f"{callee} expected={expected.group()}".strip()
    elif family.id.startswith("grpc-") and family.id not in _GRPC_TRANSPORT:
        said = expectation.actual if expectation else line  # the status that came
        key = f"{callee} {parameterize(said)}".strip()
    elif family.id == "timeout-test" and not callee:
        action = _BROWSER_ACTION.search(cause.body[:4_000])
        key = action.group(1) if action else _hung(cause.body, test_id)
    elif family.id.startswith("errno-") and not callee:
        key = parameterize(line)  # which file or address: ENOENT of two files is two
        if family.id == "errno-eaddrinuse" and (port := fixed_port_of(cause.body)):
            key = f"{key} port={port}"  # a fixed port in use names the server that wants it
    elif family.id in _WAITS_FOR_A_CONDITION and not callee:
        key = _awaited(line)  # what was awaited: the condition, the element
    return Detail(key, callee)
