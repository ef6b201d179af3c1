"""A failing job never logs a line of megabytes (issue 18: a statement quoting 70,000
parameters was logged, 4 MB per attempt, 20 attempts)."""

from __future__ import annotations

import io
import json

import pytest
import structlog
from structlog.testing import capture_logs

from bot.adapters.logs import MAX_VALUE_CHARS, configure_logging
from bot.adapters.queue.worker import JobContext
from tests.store.test_worker import Factory, add_job, load, make_worker

pytestmark = pytest.mark.anyio
HUGE = 4 * 1024 * 1024


async def test_a_4_mb_exception_is_logged_and_stored_capped(session_factory: Factory) -> None:
    async def fails(ctx: JobContext) -> None:
        raise ValueError("SELECT … WHERE test_id IN (" + "?, " * (HUGE // 3) + ")")

    job_id = add_job(session_factory, "fails", max_attempts=1)
    with capture_logs() as logs:
        await make_worker(session_factory, {"fails": fails}).run_until_idle()
    (failed,) = [e for e in logs if e["event"] == "job.failed"]
    assert "exc_info" not in failed
    assert failed["error"].startswith("ValueError: SELECT … WHERE test_id IN (?, ?")
    assert "characters cut" in failed["error"]
    assert 1_000 < len(failed["error"]) < 10_000
    assert "in fails" in failed["error"]  # the frames that say where are kept
    last_error = load(session_factory, job_id).last_error
    assert last_error is not None and len(last_error) < 10_000


def test_every_logged_value_is_capped_in_the_configured_renderer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.StringIO()
    monkeypatch.setattr("sys.stderr", out)
    configure_logging("json")
    try:
        structlog.get_logger().error("boom", detail="x" * HUGE)
    finally:
        structlog.reset_defaults()
    line = json.loads(out.getvalue().strip())
    assert len(out.getvalue()) < MAX_VALUE_CHARS + 500
    assert line["detail"].startswith("xxx") and "characters cut" in line["detail"]
