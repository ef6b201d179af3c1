"""Step 2: message parameterization — data out, meaningful codes kept."""

from __future__ import annotations

import pytest

from bot.core.signatures.v1.message import headline, normalize_message, parameterize


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # ids and addresses
        ("thread 3f2c9a7e-1b44-4c1e-9d0e-2a8f51c7aa10 missing", "thread <uuid> missing"),
        ("object at 0x7f5b6cbe4f40", "object at <addr>"),
        ("commit 9fceb02d0ae598e95dc970b74767f19372d61af8 not found", "commit <hex> not found"),
        ("request req_8fK2aZ91xQ7mPp3L failed", "request <id> failed"),
        # times
        ("at 2024-05-01T10:00:00.123Z retry", "at <timestamp> retry"),
        ("at 2024-05-01 10:00:00 UTC retry", "at <timestamp> retry"),
        ("on 2024-05-01", "on <date>"),
        ("at 10:42:01 the job", "at <time> the job"),
        ("took 51.2s", "took <duration>"),
        ("after 120ms", "after <duration>"),
        ("waited 30 seconds", "waited <duration>"),
        # network
        ("connect to 127.0.0.1:8000", "connect to <ip>:<port>"),
        ("connect to 10.0.0.12", "connect to <ip>"),
        ("Cannot connect to host localhost:5432", "Cannot connect to host localhost:<port>"),
        ("user bob@example.com", "user <email>"),
        # paths
        ("no file /tmp/pytest-of-runner/pytest-3/test_a0/x.csv", "no file <tmp>"),
        ("(/home/runner/work/web/web/mtest/streaming.spec.js)", "(mtest/streaming.spec.js)"),
        # quoted values: data replaced, identifiers kept
        ("KeyError 'user_id'", "KeyError 'user_id'"),
        ("expected 'hello world' got 'bye'", "expected <str> got 'bye'"),
        ('got "order 42"', "got <str>"),
        ("order violated: ['data', 'reporting']", "order violated: […]"),
        # numbers
        ("expected 5 items, got 3", "expected <n> items, got <n>"),
        ("retry -1", "retry <n>"),  # the sign is data too
        ("v1 api on e2e host", "v1 api on e2e host"),  # digits inside words stay
        ("user_12345 missing", "user_<n> missing"),
        # codes kept: WebSocket close
        ("received 1011 (internal error)", "received 1011 (internal error)"),
        ("WebSocket closed with code=1006", "WebSocket closed with code=1006"),
        ("close code 1008 policy", "close code 1008 policy"),
        ("code=4001, reason=bad token", "code=4001, reason=bad token"),
        # codes kept: HTTP
        ("HTTP 503 after 3 tries", "HTTP 503 after <n> tries"),
        ("status 404 for /users/17", "status 404 for /users/<n>"),
        ("503 Service Unavailable", "503 Service Unavailable"),
        ("status_code=500", "status_code=500"),
        ("Request failed with status code 502", "Request failed with status code 502"),
        ("<Response [500]>", "<Response [500]>"),
        # codes kept: errno, exit, signal
        ("[Errno 111] Connection refused", "[Errno 111] Connection refused"),
        ("errno 28 on write", "errno 28 on write"),
        ("exit code 137", "exit code 137"),
        ("returned non-zero exit status 2.", "returned non-zero exit status 2."),
        ("killed by signal 9", "killed by signal 9"),
        ("server v2.3.1 vs client 2.4.0-rc.1", "server <version> vs client <version>"),
        # numbers outside a code context are data
        ("got 1011 rows", "got <n> rows"),
        ("list has 503 items", "list has <n> items"),
        # whitespace
        ("a   b\tc", "a b c"),
    ],
)
def test_parameterize(message: str, expected: str) -> None:
    assert parameterize(message) == expected


def test_only_the_first_line_counts() -> None:
    # JUnit keeps the first line, JSON reporters keep the diff: same failure either way.
    assert normalize_message("expect(x).toEqual(y)\n- 200001\n+ 200000") == normalize_message(
        "expect(x).toEqual(y)"
    )


def test_long_messages_are_bounded() -> None:
    assert len(normalize_message("word " * 10_000)) <= 300


@pytest.mark.xfail(reason="known miss: a quoted identifier that is data (a random name) is kept")
def test_quoted_random_name_is_data() -> None:
    assert parameterize("no user 'alice'") == parameterize("no user 'bob'")


def test_known_behaviour_quoted_words_are_kept() -> None:
    # Known miss: a quoted word that is data ('abc') is kept like an identifier, while
    # '12a' (a digit) is data.
    assert parameterize("invalid literal for int(): 'abc'") != parameterize(
        "invalid literal for int(): '12a'"
    )


def test_known_behaviour_list_order_changes_are_one_message() -> None:
    # Collections are data: two different orders give one message (and one cluster when
    # the call site is the same).
    assert parameterize("order ['a', 'b']") == parameterize("order ['b', 'a']")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("first\nsecond", "first"),
        (
            "nested exception is:\n\tIllegalArgumentException: id required",
            "nested exception is: IllegalArgumentException: id required",
        ),
        ("ends with colon:", "ends with colon:"),
    ],
)
def test_headline(message: str, expected: str) -> None:
    assert headline(message) == expected
