"""Benchmark: the web side's memory per upload, as a share of the upload's size.

Two modes:

* ``server`` (the default): for each database (SQLite and PostgreSQL) and each number of
  concurrent uploads (1 and 4), a fresh database is migrated, ``loopwatch serve`` is
  started in its own process, warmed up with a small upload, and then the uploads are sent
  at once with the real client (``bot/cli/upload.py``): each one a ``--mib`` MiB JUnit XML
  report, pytest-shaped (a real report's cases, scaled up). The server's RSS is sampled
  (``VmHWM`` after a reset through ``/proc/<pid>/clear_refs``, and ``VmRSS`` polled every
  5 ms); the bench prints the peak minus the idle baseline, per upload, and that as a ratio
  of the upload's size. A fresh server per line, so one line's allocations cannot hide the
  next one's. Linux only (``/proc``).
* ``reader``: ``read_multipart`` alone, in this process, with ``tracemalloc`` (the Python
  heap only): the multipart reader's own share.

Run: ``.venv/bin/python bench/upload_memory.py`` (PostgreSQL at
``LOOPWATCH_BENCH_PG_ADMIN_URL``, default ``postgresql://postgres@127.0.0.1:5432/postgres``;
``--db sqlite`` skips it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.adapters.store.db import make_engine, make_session_factory, transaction
from bot.adapters.store.models import RunFile
from bot.adapters.store.schema import upgrade_to_head
from bot.adapters.tokens import create_upload_token
from bot.cli.upload import upload
from webhooks.multipart import read_multipart

MIB = 1024 * 1024
CHUNK = 64 * 1024
BOUNDARY = "loopwatch-bench-boundary"
REPO = "bench-org/widgets"
ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "corpus" / "reports" / "generated-here" / "pytest"
PG_ADMIN_URL = os.environ.get(
    "LOOPWATCH_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

# --- the report ---------------------------------------------------------------------------

_FALLBACK_CASES = [
    '<testcase classname="tests.e2e.test_api" name="test_ok" time="0.012" />',
    '<testcase classname="tests.e2e.test_api" name="test_stream" time="1.204">'
    '<failure message="ConnectionClosedError: received 1011 (internal error)">'
    "def test_stream():\n&gt;       raise ConnectionClosedError(1011)\n"
    "E       ConnectionClosedError: received 1011 (internal error)\n\n"
    "tests/e2e/test_api.py:10: ConnectionClosedError</failure></testcase>",
]


def _sample_cases() -> list[str]:
    """The ``<testcase>`` elements of a real pytest JUnit report (a built-in pair without
    the shared corpus)."""
    path = SAMPLE / "pytest-junit.xml"
    if not path.is_file():
        return _FALLBACK_CASES
    text = path.read_text()
    cases = re.findall(r"<testcase\b.*?(?:/>|</testcase>)", text, flags=re.DOTALL)
    return cases or _FALLBACK_CASES


def write_report(path: Path, size: int) -> None:
    """A pytest-shaped JUnit file of about ``size`` bytes: the sample's cases over and
    over, each copy's names made unique (compressible, as real reports are)."""
    cases = _sample_cases()
    head = '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">'
    written = 0
    with path.open("w") as out:
        written += out.write(head)
        batch = 0
        while written < size - 200:
            written += out.write(
                f'<testsuite name="pytest-{batch}" tests="{len(cases)}" time="1.0">'
            )
            for case in cases:
                written += out.write(case.replace('name="test_', f'name="b{batch}_test_', 1))
            written += out.write("</testsuite>")
            batch += 1
        out.write("</testsuites>\n")


# --- memory of a process ------------------------------------------------------------------


def _status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


class PeakRss:
    """The peak RSS of a process from now on: ``VmHWM`` reset at the start, and ``VmRSS``
    polled meanwhile (in case the reset is not allowed)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.polled_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.polled_kib = max(self.polled_kib, _status_kib(self.pid, "VmRSS"))
            self._stop.wait(0.005)

    def __enter__(self) -> PeakRss:
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            self._hwm_reset = True
        except OSError:
            self._hwm_reset = False
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_kib(self) -> int:
        hwm = _status_kib(self.pid, "VmHWM") if self._hwm_reset else 0
        return max(hwm, self.polled_kib)


# --- databases ----------------------------------------------------------------------------


class Database:
    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        self._pg_name: str | None = None
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        else:
            self._pg_name = f"lw_bench_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self._pg_name)))
            self.url = make_url(PG_ADMIN_URL).set(database=self._pg_name).render_as_string(False)
        upgrade_to_head(self.url)

    def token(self) -> str:
        engine = make_engine(self.url)
        try:
            with transaction(make_session_factory(engine)) as session:
                return create_upload_token(session, REPO, "bench")
        finally:
            engine.dispose()

    def stored_bytes(self) -> int:
        engine = make_engine(self.url)
        try:
            with make_session_factory(engine)() as session:
                return int(session.scalar(select(func.coalesce(func.sum(RunFile.size), 0))) or 0)
        finally:
            engine.dispose()

    def drop(self) -> None:
        if self._pg_name is None:
            return
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(self._pg_name)
                )
            )


# --- the server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``loopwatch serve`` in its own process (the pid measured is the Python process)."""

    def __init__(self, database_url: str, workdir: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "LOOPWATCH_DATABASE_URL": database_url,
            "LOOPWATCH_MAX_UPLOAD_BYTES": str(1024 * MIB),
            "LOOPWATCH_LOG_LEVEL": "WARNING",
            "LOOPWATCH_PUBLIC_URL": self.url,
            "TMPDIR": str(workdir),
        }
        self._log = (workdir / f"serve-{self.port}.log").open("w")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "loopwatch"), "serve", "--port", str(self.port)],
            env=env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"loopwatch serve exited; see {self._log.name}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("loopwatch serve did not answer /healthz within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def _upload(server: Server, token: str, report: Path, index: int) -> None:
    answer = upload(
        server.url,
        token,
        [report],
        {"repository": REPO, "campaign": "bench", "run_key": f"bench-{uuid.uuid4().hex}"},
        max_attempts=1,
    )
    assert answer["status"] == "queued", answer


@dataclass(frozen=True)
class Measured:
    db: str
    uploads: int
    body: int  # bytes of one upload's report
    idle_kib: int
    peak_kib: int

    @property
    def per_upload(self) -> float:
        return (self.peak_kib - self.idle_kib) * 1024 / self.uploads

    def line(self) -> str:
        return (
            f"{self.db:<10} {self.uploads} x {self.body / MIB:5.1f} MiB: "
            f"idle {self.idle_kib / 1024:6.1f} MiB, peak {self.peak_kib / 1024:6.1f} MiB, "
            f"+{(self.peak_kib - self.idle_kib) / 1024:6.1f} MiB in all, "
            f"{self.per_upload / MIB:6.1f} MiB per upload, "
            f"per-upload/body {self.per_upload / self.body:.3f}"
        )


def measure_server(kind: str, uploads: int, report: Path, small: Path, workdir: Path) -> Measured:
    database = Database(kind, workdir)
    try:
        token = database.token()
        server = Server(database.url, workdir)
        try:
            _upload(server, token, small, 0)  # warm up: imports, pools, first queries
            time.sleep(0.5)
            idle = _status_kib(server.process.pid, "VmRSS")
            with (
                PeakRss(server.process.pid) as peak,
                ThreadPoolExecutor(max_workers=uploads) as pool,
            ):
                for future in [
                    pool.submit(_upload, server, token, report, i) for i in range(uploads)
                ]:
                    future.result()
            peak_kib = peak.peak_kib  # before the process ends
        finally:
            server.stop()
        size = report.stat().st_size
        stored = database.stored_bytes()
        assert stored == uploads * size + small.stat().st_size, (stored, uploads, size)
        return Measured(kind, uploads, size, idle, peak_kib)
    finally:
        database.drop()


def run_server_mode(dbs: list[str], counts: list[int], mib: int) -> None:
    with tempfile.TemporaryDirectory(prefix="lw-bench-upload-") as tmp:
        workdir = Path(tmp)
        report = workdir / "pytest-junit-big.xml"
        write_report(report, mib * MIB)
        small = workdir / "pytest-junit-small.xml"
        write_report(small, 64 * 1024)
        print(f"report: {report.stat().st_size / MIB:.1f} MiB pytest-shaped JUnit XML")
        for kind in dbs:
            for uploads in counts:
                print(measure_server(kind, uploads, report, small, workdir).line(), flush=True)


# --- reader mode: read_multipart alone ----------------------------------------------------


def _pieces(files: int, file_size: int) -> Iterator[bytes]:
    rng = random.Random(0)
    yield f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{{}}'.encode()
    for index in range(files):
        yield (
            f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="report-{index}.bin"\r\n\r\n'
        ).encode()
        for start in range(0, file_size, CHUNK):
            yield rng.randbytes(min(CHUNK, file_size - start))
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


async def _body(files: int, file_size: int) -> AsyncIterator[bytes]:
    for piece in _pieces(files, file_size):
        yield piece


async def measure_reader(files: int, total_mib: int) -> tuple[int, int]:
    """(body bytes, peak traced bytes while reading it)."""
    file_size = total_mib * MIB // files
    body_size = sum(len(piece) for piece in _pieces(files, file_size))
    tracemalloc.start()
    try:
        parts = await read_multipart(
            f"multipart/form-data; boundary={BOUNDARY}", _body(files, file_size), max_parts=1000
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with parts:
        assert sum(part.size for part in parts if part.is_file) == files * file_size
    return body_size, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mode", choices=["server", "reader"], default="server")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--uploads", type=int, nargs="+", default=[1, 4], help="concurrent uploads per line"
    )
    parser.add_argument("--mib", type=int, default=50, help="one upload's report, in MiB")
    parser.add_argument("--files", type=int, default=8, help="reader mode: files in the body")
    args = parser.parse_args()
    if args.mode == "reader":
        body_size, peak = asyncio.run(measure_reader(args.files, args.mib))
        print(
            f"upload read: body {body_size / MIB:.1f} MiB in {args.files} files, "
            f"peak {peak / MIB:.2f} MiB, peak/body {peak / body_size:.4f}"
        )
        return
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    run_server_mode(dbs, args.uploads, args.mib)


if __name__ == "__main__":
    main()
