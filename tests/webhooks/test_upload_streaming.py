"""Large uploads stream: bounded memory on the server, chunked reads and progress on the client."""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import random
import re
import tempfile
import tracemalloc
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.models import Job, Repository, Run, RunFile, RunFileChunk
from bot.cli.upload import upload
from bot.cli.upload_progress import PlainProgress, human_size, progress_style
from tests.webhooks.conftest import (
    JUNIT,
    MULTIPART,
    OTHER_REPO,
    REPO,
    count,
    make_settings,
    metadata,
    multipart_body,
    post_run,
    stored_files,
)
from webhooks.app import create_app
from webhooks.multipart import MultipartError, Part, Parts, read_multipart
from webhooks.run_intake import ReportFile, store_upload
from webhooks.run_metadata import parse_metadata

MIB = 1024 * 1024
CHUNK = 64 * 1024
BOUNDARY = "loopwatch-test-boundary"


def random_chunks(size: int, seed: int) -> Iterator[bytes]:
    """``size`` pseudo-random bytes in 64 KiB pieces, made as they are asked for."""
    rng = random.Random(seed)
    for start in range(0, size, CHUNK):
        yield rng.randbytes(min(CHUNK, size - start))


def expected(size: int, seed: int) -> str:
    digest = hashlib.sha256()
    for chunk in random_chunks(size, seed):
        digest.update(chunk)
    return digest.hexdigest()


def streamed_body(meta: bytes, file_size: int, seed: int) -> Iterator[bytes]:
    """A metadata part and one file part, never whole in memory, re-cut into 64 KiB chunks
    that do not line up with the parts (as a network would deliver them)."""

    def pieces() -> Iterator[bytes]:
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n'.encode()
            + meta
            + f"\r\n--{BOUNDARY}\r\n".encode()
            + b'Content-Disposition: form-data; name="files"; filename="big.bin"\r\n'
            + b"Content-Type: application/octet-stream\r\n\r\n"
        )
        yield from random_chunks(file_size, seed)
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    buffer = b""
    for piece in pieces():
        buffer += piece
        while len(buffer) >= CHUNK:
            yield buffer[:CHUNK]
            buffer = buffer[CHUNK:]
    if buffer:
        yield buffer


async def aiter_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def open_spool_files() -> int:
    """Open temporary files of this process (a spool on disk is an unlinked temp file)."""
    fd_dir = Path("/proc/self/fd")
    # Loopwatch runs on Linux (the Dockerfile, CI): a missing /proc is a broken machine,
    # not a reason to skip the check that spooled files get closed.
    assert fd_dir.is_dir(), "counting open files needs /proc (Linux)"
    tmp = tempfile.gettempdir()
    count = 0
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(tmp) and target.endswith("(deleted)"):
            count += 1
    return count


@contextmanager
def spools_closed() -> Iterator[None]:
    """Fails when a spool on disk is left open, or is closed only by the garbage collector
    (which CPython reports as an "unclosed file" ResourceWarning)."""
    before = open_spool_files()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        assert open_spool_files() == before, "a spooled file is still open"
        gc.collect()
    unclosed = [str(w.message) for w in caught if "unclosed file" in str(w.message).lower()]
    assert unclosed == [], "closed by the garbage collector, not by the code"


# --- server: read_multipart -----------------------------------------------------------


@pytest.mark.anyio
async def test_a_40_mb_upload_is_read_in_bounded_memory() -> None:
    size = 40 * MIB
    meta = json.dumps(metadata()).encode()
    tracemalloc.start()
    try:
        parts = await read_multipart(
            MULTIPART, aiter_chunks(streamed_body(meta, size, seed=1)), max_parts=10
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with parts:
        assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB for a {size / MIB:.0f} MiB body"
        metadata_part, file_part = parts
        assert metadata_part.read_bytes() == meta
        assert (file_part.filename, file_part.size) == ("big.bin", size)
        assert file_part.sha256 == expected(size, seed=1)
        assert hashlib.sha256(file_part.read_bytes()).hexdigest() == file_part.sha256
    assert parts.spool.closed


@pytest.mark.anyio
async def test_a_body_cut_short_leaves_no_spooled_file_open() -> None:
    body = list(streamed_body(b"{}", 3 * MIB, seed=2))[:-2]  # no closing boundary
    with spools_closed(), pytest.raises(MultipartError, match="before its closing boundary"):
        await read_multipart(MULTIPART, aiter_chunks(iter(body)), max_parts=10)


@pytest.mark.anyio
async def test_parts_keep_their_own_bytes_in_the_shared_spool() -> None:
    files = [("a.xml", JUNIT), ("empty.xml", b""), ("b.bin", bytes(range(256)) * 9000)]
    body = multipart_body([("metadata", None, b"{}"), *(("files", n, c) for n, c in files)])
    chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)]
    with await read_multipart(MULTIPART, aiter_chunks(iter(chunks)), max_parts=10) as parts:
        got = [(p.filename, p.read_bytes(), p.size, p.sha256) for p in parts[1:]]
    assert got == [(n, c, len(c), hashlib.sha256(c).hexdigest()) for n, c in files]


async def _spooled(files: list[tuple[str, bytes]]) -> Parts:
    body = multipart_body(
        [("metadata", None, json.dumps(metadata()).encode())]
        + [("files", name, content) for name, content in files]
    )
    chunks = [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)]
    return await read_multipart(MULTIPART, aiter_chunks(iter(chunks)), max_parts=10)


def _store(factory: sessionmaker[Session], parts: Parts, reports: list[ReportFile]) -> None:
    with factory() as session:
        repository = session.scalars(select(Repository)).one()
    store_upload(
        factory,
        repository_id=repository.id,
        repository=repository.full_name,
        metadata=parse_metadata(parts[0].read_bytes()),
        files=reports,
        idempotency_key=None,
    )


@pytest.mark.anyio
async def test_storing_an_upload_holds_one_chunk_at_a_time(
    token: str, session_factory: sessionmaker[Session]
) -> None:
    files = [("big.bin", random.Random(0).randbytes(24 * MIB))] + [
        (f"part-{i}.bin", random.Random(i).randbytes(4 * MIB)) for i in range(1, 3)
    ]
    with await _spooled(files) as parts:
        reports = [ReportFile(part.filename or "", part) for part in parts[1:]]
        tracemalloc.start()
        try:
            _store(session_factory, parts, reports)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # Whole files in memory would be 24 MiB at least; chunks of 1 MiB stay a few.
    assert peak < 4 * MIB, f"peak {peak / MIB:.1f} MiB storing a 24 MiB file"
    assert stored_files(session_factory) == files


class FailingDisk:
    """A part whose spool fails (a disk error) after ``good`` chunks have been read."""

    def __init__(self, part: Part, good: int) -> None:
        self.part, self.good = part, good
        self.size, self.sha256 = part.size, part.sha256

    def chunks(self, size: int) -> Iterator[bytes]:
        for index, chunk in enumerate(self.part.chunks(size)):
            if index == self.good:
                raise OSError(5, "Input/output error")
            yield chunk


@pytest.mark.anyio
async def test_an_upload_that_fails_half_way_through_a_file_stores_nothing(
    token: str, session_factory: sessionmaker[Session]
) -> None:
    files = [("first.bin", random.Random(1).randbytes(3 * MIB)), ("second.bin", JUNIT * 50_000)]
    with await _spooled(files) as parts:
        reports = [
            ReportFile("first.bin", parts[1]),
            ReportFile("second.bin", FailingDisk(parts[2], good=2)),
        ]
        with pytest.raises(OSError, match="Input/output error"):
            _store(session_factory, parts, reports)
    assert [count(session_factory, model) for model in (Run, RunFile, RunFileChunk, Job)] == [
        0,
        0,
        0,
        0,
    ]


# --- server: through the app ------------------------------------------------------------


@pytest.fixture
def roomy_client(session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """The app with a 16 MiB body limit (the shared fixtures allow 64 KiB)."""
    app = create_app(make_settings(max_upload_bytes=16 * MIB), session_factory)
    with TestClient(app) as client:
        yield client


def test_a_multi_file_upload_stores_each_files_bytes_and_sha256(
    roomy_client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    big = random.Random(3).randbytes(3 * MIB)  # goes to disk
    medium = random.Random(4).randbytes(MIB + 17)
    files = [("junit.xml", JUNIT), ("big.bin", big), ("empty.xml", b""), ("medium.bin", medium)]
    with spools_closed():
        response = post_run(roomy_client, token, metadata(), files)
    assert response.status_code == 202, response.text
    with session_factory() as session:
        rows = session.execute(select(RunFile.size, RunFile.sha256).order_by(RunFile.id)).all()
    assert [tuple(row) for row in rows] == [
        (len(c), hashlib.sha256(c).hexdigest()) for _, c in files
    ]
    assert stored_files(session_factory) == files


def test_a_refused_upload_leaves_no_spooled_file_open(
    roomy_client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    big = random.Random(5).randbytes(2 * MIB)
    with spools_closed():
        response = post_run(roomy_client, token, metadata(repository=OTHER_REPO), [("a.bin", big)])
    assert response.status_code == 403
    assert count(session_factory, Run) == 0


def test_a_metadata_part_over_1_mib_is_refused_with_422(
    roomy_client: TestClient, token: str, session_factory: sessionmaker[Session]
) -> None:
    huge = json.dumps({**metadata(), "environment": {"blob": "x" * (MIB + 1)}}).encode()
    response = post_run(roomy_client, token, huge)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "metadata"
    assert body["error"].startswith(
        "the form field 'metadata' is too large (form fields may hold 1 MiB in all)"
    )
    assert "send each report as a file part with a filename" in body["error"]
    assert count(session_factory, Run) == 0


# --- client: streaming ------------------------------------------------------------------


class StreamingServer(httpx.BaseTransport):
    """An HTTP edge that consumes the request body chunk by chunk, as a server does
    (httpx's MockTransport reads the whole body before its handler sees it)."""

    def __init__(self, script: list[int]) -> None:
        self.script = list(script)
        self.chunk_sizes: list[int] = []
        self.digest = hashlib.sha256()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        for chunk in request.stream:
            self.chunk_sizes.append(len(chunk))
            self.digest.update(chunk)
        status = self.script.pop(0)
        return httpx.Response(status, json={"run_id": 1, "status": "queued", "error": "x"})


def upload_with(server: StreamingServer, files: list[Path], **kwargs: Any) -> Any:
    with httpx.Client(transport=server) as http:
        return upload(
            "https://lw.example",
            "lw_token",
            files,
            {"repository": REPO},
            client=http,
            sleep=lambda _s: None,
            **kwargs,
        )


def test_the_client_sends_a_file_in_chunks_without_reading_it_whole(tmp_path: Path) -> None:
    report = tmp_path / "big.bin"
    with report.open("wb") as out:
        for chunk in random_chunks(16 * MIB, seed=6):
            out.write(chunk)
    server = StreamingServer([202])
    tracemalloc.start()
    try:
        result = upload_with(server, [report])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result["status"] == "queued"
    assert peak < 4 * MIB, f"peak {peak / MIB:.1f} MiB for a 16 MiB file"
    assert max(server.chunk_sizes) <= CHUNK
    assert len(server.chunk_sizes) >= 16 * MIB // CHUNK
    # Every byte of the file went out (inside the multipart framing).
    assert sum(server.chunk_sizes) > 16 * MIB


# --- client: progress -------------------------------------------------------------------

STEP_LINE = re.compile(r"loopwatch: uploaded (\d+)% \((\d+\.\d) MiB of 3\.0 MiB\)")


def test_ci_logs_get_plain_progress_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = []
    for name, size in (("a.bin", 2 * MIB), ("b.bin", MIB)):
        path = tmp_path / name
        path.write_bytes(b"\0" * size)
        files.append(path)
    upload_with(StreamingServer([202]), files, progress=True)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "loopwatch: uploading 2 files, 3.0 MiB"
    steps = [STEP_LINE.fullmatch(line) for line in lines[1:-1]]
    assert all(steps), lines
    # One line per tenth (reads do not end exactly on a tenth: 31% may say the third).
    assert [int(m[1]) // 10 for m in steps if m] == list(range(1, 11))
    assert re.fullmatch(r"loopwatch: upload done in \d+\.\d s", lines[-1])


def test_each_retry_says_which_attempt_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"\0" * (2 * MIB))
    upload_with(StreamingServer([502, 503, 202]), [path], progress=True)
    lines = capsys.readouterr().err.splitlines()
    starts = [line for line in lines if "uploading" in line]
    assert starts == [
        "loopwatch: uploading 1 file, 2.0 MiB",
        "loopwatch: attempt 2 of 5: uploading 1 file, 2.0 MiB",
        "loopwatch: attempt 3 of 5: uploading 1 file, 2.0 MiB",
    ]
    assert len(lines) == 3 * 11 + 1  # start + 10 steps per attempt, one done line
    assert sum("done" in line for line in lines) == 1


@pytest.mark.parametrize(("size", "progress"), [(MIB - 1, True), (2 * MIB, False)])
def test_small_or_quiet_uploads_print_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], size: int, progress: bool
) -> None:
    path = tmp_path / "report.bin"
    path.write_bytes(b"\0" * size)
    upload_with(StreamingServer([202]), [path], progress=progress)
    assert capsys.readouterr().err == ""


def test_plain_progress_prints_one_line_per_tenth_whatever_the_reads() -> None:
    lines: list[str] = []
    clock = iter([100.0, 104.25])
    reporter = PlainProgress(120 * MIB, 3, lines.append, clock=lambda: next(clock))
    for _ in range(120 * 16):  # 1920 reads of 64 KiB
        reporter.advance(CHUNK)
    reporter.done()
    assert lines[0] == "loopwatch: uploading 3 files, 120.0 MiB"
    assert lines[1] == "loopwatch: uploaded 10% (12.0 MiB of 120.0 MiB)"
    assert lines[3] == "loopwatch: uploaded 30% (36.0 MiB of 120.0 MiB)"
    assert lines[10] == "loopwatch: uploaded 100% (120.0 MiB of 120.0 MiB)"
    assert lines[11] == "loopwatch: upload done in 4.2 s"
    assert len(lines) == 12


def test_plain_progress_skips_steps_a_large_read_jumps_over() -> None:
    lines: list[str] = []
    reporter = PlainProgress(10 * MIB, 1, lines.append, attempt=2, max_attempts=5)
    reporter.advance(int(2.5 * MIB))
    reporter.advance(int(7.5 * MIB))
    assert lines == [
        "loopwatch: attempt 2 of 5: uploading 1 file, 10.0 MiB",
        "loopwatch: uploaded 25% (2.5 MiB of 10.0 MiB)",
        "loopwatch: uploaded 100% (10.0 MiB of 10.0 MiB)",
    ]


def test_sizes_use_gib_for_large_totals() -> None:
    assert human_size(3 * MIB // 2, 10 * MIB) == "1.5 MiB"
    assert human_size(512 * MIB, 2 * 1024 * MIB) == "0.5 GiB"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "env", "total", "style"),
    [
        (Terminal(), {}, 2 * MIB, "bar"),
        (Terminal(), {"CI": "true"}, 2 * MIB, "lines"),
        (Terminal(), {"GITHUB_ACTIONS": "true"}, 2 * MIB, "lines"),
        (io.StringIO(), {}, 2 * MIB, "lines"),
        (Terminal(), {}, MIB - 1, None),
    ],
)
def test_a_bar_only_on_a_terminal_outside_ci(
    stream: io.StringIO, env: dict[str, str], total: int, style: str | None
) -> None:
    assert progress_style(True, total, stream, env) == style
    assert progress_style(False, total, stream, env) is None
