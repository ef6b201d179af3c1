"""Benchmark: server-side memory of reading an upload, as a share of the body's size.

Feeds ``read_multipart`` a multipart body (a metadata part and ``--files`` report files,
``--mib`` MiB in all) in 64 KiB chunks made as they are asked for, so the body is never
whole in memory, and measures the Python-heap peak with ``tracemalloc`` over the read.
The reader spools parts to a temporary file past 1 MiB: the peak should stay a few MiB,
whatever the body's size. Run: ``.venv/bin/python bench/upload_memory.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tracemalloc
from collections.abc import AsyncIterator, Iterator

from webhooks.multipart import read_multipart

MIB = 1024 * 1024
CHUNK = 64 * 1024
BOUNDARY = "loopwatch-bench-boundary"


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


async def measure(files: int, total_mib: int) -> tuple[int, int]:
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
    parser.add_argument("--mib", type=int, default=256, help="body size in MiB")
    parser.add_argument("--files", type=int, default=8, help="report files in the body")
    args = parser.parse_args()
    body_size, peak = asyncio.run(measure(args.files, args.mib))
    print(
        f"upload read: body {body_size / MIB:.1f} MiB in {args.files} files, "
        f"peak {peak / MIB:.2f} MiB, peak/body {peak / body_size:.4f}"
    )


if __name__ == "__main__":
    main()
