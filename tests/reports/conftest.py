"""Fixtures for the report-parser tests."""

from __future__ import annotations

import os
import socket

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a socket fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(params=["compiled", "python"])
def junit_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with each JUnit case reader (``bot/core/reports/formats/junit_cases.py``).

    The compiled one is built by ``pip install -e .``; without it the test is skipped,
    except in CI, where a missing build is a failure.
    """
    from bot.core.reports.formats import junit, junit_cases

    if request.param == "python":
        monkeypatch.setattr(junit, "read_cases", junit_cases.read_cases_python)
    else:
        compiled = junit_cases.compiled_reader()
        if compiled is None:
            message = f"the compiled JUnit reader is not built ({junit_cases.WHY_PYTHON})"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(reason=message)
        monkeypatch.setattr(junit, "read_cases", compiled)
    return str(request.param)
