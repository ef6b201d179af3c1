"""Progress of ``loopwatch upload``: a bar in a terminal, plain lines in CI logs.

A bar redraws itself with control characters, which a CI log (not a terminal) keeps as
garbage or drops; there the upload says where it is in a dozen plain lines instead:

    loopwatch: uploading 3 files, 120.0 MiB
    loopwatch: uploaded 10% (12.0 MiB of 120.0 MiB)
    …
    loopwatch: upload done in 4.2 s

Uploads under ``PROGRESS_MIN_BYTES`` finish before progress is worth showing: no output.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Literal, Protocol, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from bot.core.text import plural

PROGRESS_MIN_BYTES = 1024 * 1024  # smaller uploads finish before progress is worth showing
STEPS = 10  # plain lines: one per 10 % uploaded
ProgressStyle = Literal["bar", "lines"]


class ProgressReporter(Protocol):
    def advance(self, sent: int) -> None: ...

    def done(self) -> None: ...


def _is_ci(env: Mapping[str, str]) -> bool:
    return env.get("CI", "").lower() in ("true", "1") or env.get("GITHUB_ACTIONS", "") == "true"


def progress_style(
    progress: bool, total: int, stream: TextIO, env: Mapping[str, str]
) -> ProgressStyle | None:
    """A bar on a terminal outside CI, plain lines anywhere else, nothing for small uploads."""
    if not progress or total < PROGRESS_MIN_BYTES:
        return None
    return "bar" if stream.isatty() and not _is_ci(env) else "lines"


def human_size(size: int, total: int) -> str:
    """``size`` in the unit that suits ``total`` (MiB, or GiB from 1 GiB), one decimal."""
    unit, name = (1024**3, "GiB") if total >= 1024**3 else (1024**2, "MiB")
    return f"{size / unit:.1f} {name}"


def _attempt_prefix(attempt: int, max_attempts: int) -> str:
    return f"attempt {attempt} of {max_attempts}: " if attempt > 1 else ""


class PlainProgress:
    """Progress as plain lines: a start line, a line each time another tenth is sent, and
    a done line — at most ``STEPS + 2`` lines per attempt, however many reads there are."""

    def __init__(
        self,
        total: int,
        files: int,
        write: Callable[[str], None],
        *,
        attempt: int = 1,
        max_attempts: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = max(total, 1)
        self._write = write
        self._clock = clock
        self._sent = 0
        self._step = 0
        self._started = clock()
        prefix = _attempt_prefix(attempt, max_attempts)
        write(f"loopwatch: {prefix}uploading {plural(files, 'file')}, {human_size(total, total)}")

    def advance(self, sent: int) -> None:
        self._sent += sent
        step = min(STEPS, self._sent * STEPS // self.total)
        if step > self._step:
            self._step = step
            percent = min(100, self._sent * 100 // self.total)
            self._write(
                f"loopwatch: uploaded {percent}% ({human_size(self._sent, self.total)} "
                f"of {human_size(self.total, self.total)})"
            )

    def done(self) -> None:
        self._write(f"loopwatch: upload done in {self._clock() - self._started:.1f} s")


class _Quiet:
    def advance(self, sent: int) -> None:
        pass

    def done(self) -> None:
        pass


class _Bar:
    def __init__(self, progress: Progress, total: int) -> None:
        self._progress = progress
        self._task = progress.add_task("upload", total=total)

    def advance(self, sent: int) -> None:
        self._progress.advance(self._task, sent)

    def done(self) -> None:
        pass  # the bar is transient: it disappears when the upload ends


@contextmanager
def upload_progress(
    style: ProgressStyle | None,
    total: int,
    files: int,
    stream: TextIO,
    *,
    attempt: int = 1,
    max_attempts: int = 1,
) -> Iterator[ProgressReporter]:
    """The reporter for one attempt: call ``advance`` per chunk sent, ``done`` on success."""
    if style is None:
        yield _Quiet()
    elif style == "lines":

        def write(line: str) -> None:
            print(line, file=stream, flush=True)

        yield PlainProgress(total, files, write, attempt=attempt, max_attempts=max_attempts)
    else:
        label = "uploading" + (f" (attempt {attempt} of {max_attempts})" if attempt > 1 else "")
        progress = Progress(
            TextColumn(label),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=True,
        )
        with progress:
            yield _Bar(progress, total)
