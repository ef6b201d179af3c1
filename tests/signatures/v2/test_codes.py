"""Codes kept wherever they appear, and one vocabulary for exit status and signals."""

from __future__ import annotations

import pytest

from bot.core.signatures.v2.codes import PATTERNS, codes_in

# (text, codes found) — real texts cite their source
EXAMPLES: list[tuple[str, list[str]]] = [
    ("websockets: received 1011 (internal error) keepalive ping timeout", ["ws=1011"]),
    ("WebSocket closed with code=1006", ["ws=1006"]),
    ("ConnectionClosedError: no close frame received or sent", ["ws=1006"]),
    ("CloseStatus[code=1011, reason=null]", ["ws=1011"]),
    # https://github.com/grpc/grpc-java/issues/7531
    ("io.grpc.StatusRuntimeException: UNAVAILABLE: io exception", ["grpc=UNAVAILABLE"]),
    ("Error: 14 UNAVAILABLE: No connection established", ["grpc=UNAVAILABLE"]),
    ("rpc error: code = Unavailable desc = connection error", ["grpc=UNAVAILABLE"]),
    ("<_InactiveRpcError status = StatusCode.DEADLINE_EXCEEDED>", ["grpc=DEADLINE_EXCEEDED"]),
    # https://github.com/grpc/grpc-java/issues/10802
    ("Status{code=UNAVAILABLE, description=io exception}", ["grpc=UNAVAILABLE"]),
    ("HTTP 503 from upstream", ["http=503"]),
    ("AxiosError: Request failed with status code 503", ["http=503"]),
    ("503 Server Error: Service Unavailable for url", ["http=503"]),
    ("<Response [502]>", ["http=502"]),
    # https://github.com/forwardemail/supertest/issues/226
    ('expected 401 "Unauthorized", got 404 "Not Found"', ["http=401", "http=404"]),
    # exit status and signals: one vocabulary
    ("exit status 139", ["signal=SIGSEGV"]),
    ("Command '['x']' returned non-zero exit status -11.", ["signal=SIGSEGV"]),
    ("Fatal Python error: died with <Signals.SIGSEGV: 11>.", ["signal=SIGSEGV"]),
    ("signal: segmentation fault (core dumped)", ["signal=SIGSEGV"]),
    ("Segmentation fault (core dumped)", ["signal=SIGSEGV"]),
    ("terminated by another process: signal=SIGSEGV, exitCode=null", ["signal=SIGSEGV"]),
    ("Process completed with exit code 134.", ["signal=SIGABRT"]),
    ("container exited with exit code 137 (OOMKilled)", ["signal=SIGKILL"]),
    ("Error: The operation was canceled. exit code 143", ["signal=SIGTERM"]),
    ("Process 'Gradle Test Executor 3' finished with non-zero exit value 137", ["signal=SIGKILL"]),
    ("Process completed with exit code 1.", ["exit=1"]),
    # errno, numbers shown as names
    ("[Errno 111] Connection refused", ["errno=ECONNREFUSED"]),
    ("connect ECONNREFUSED 127.0.0.1:5432", ["errno=ECONNREFUSED"]),
    ("[Errno 28] No space left on device", ["errno=ENOSPC"]),
    # databases
    # https://github.com/sqlalchemy/sqlalchemy/issues/10327
    ("(pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server')", ["mysql=2013"]),
    # https://github.com/ranaroussi/qtpylib/issues/13
    ('pymysql.err.OperationalError: (2006, "MySQL server has gone away")', ["mysql=2006"]),
    ("Error 1213 (40001): Deadlock found when trying to get lock", ["mysql=1213"]),
    ("Mysql2::Error: MySQL server has gone away: SHOW FULL FIELDS FROM `builds`", ["mysql=2006"]),
    ("ERROR: duplicate key value violates unique constraint (SQLSTATE 23505)", ["sqlstate=23505"]),
    ("ORA-00001: unique constraint (APP.PK) violated", ["oracle=ORA-00001"]),
    ("sqlite3.OperationalError: SQLITE_BUSY: database is locked", ["sqlite=SQLITE_BUSY"]),
    ("src/a.ts:1:23 - error TS2307: Cannot find module", ["ts=TS2307"]),
    # no context, no code
    ("expected 5 items, got 3", []),
    ("expected 1011 rows but was 1000", []),
]


@pytest.mark.parametrize(("text", "expected"), EXAMPLES)
def test_codes(text: str, expected: list[str]) -> None:
    assert [str(code) for code in codes_in(text)] == expected


def test_every_pattern_has_a_name() -> None:
    names = [p.name for p in PATTERNS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    "spellings",
    [
        [
            "exit status 139",
            "returned non-zero exit status -11",
            "<Signals.SIGSEGV: 11>",
            "signal: segmentation fault",
            "SIGSEGV",
        ],
        ["exit code 134", "returned non-zero exit status -6", "SIGABRT", "signal: aborted"],
        ["exit code 137", "SIGKILL", "OOMKilled", "signal: killed"],
        ["exit code 143", "SIGTERM", "signal: terminated", "returned non-zero exit status -15"],
    ],
)
def test_exit_status_and_signals_are_one(spellings: list[str]) -> None:
    assert len({str(codes_in(text)[0]) for text in spellings}) == 1


def test_the_shells_killed_line_is_sigkill() -> None:
    assert [str(c) for c in codes_in("Killed")] == ["signal=SIGKILL"]
    assert codes_in("the job was killed by the user") == []
