"""A small streaming multipart/form-data reader on python-multipart.

Starlette's form parser decodes text parts with a silent latin-1 fallback and accepts a
body cut short before its closing boundary; an upload must do neither (a truncated report
would be stored as if complete). This reader counts parts as they arrive and fails on a
body that does not end with its closing boundary.

Memory per request is bounded, whatever the body's size: the parts' contents go back to
back into one spooled temporary file (in memory up to ``SPOOL_MEMORY_BYTES``, then on
disk), and each part's size and sha256 are computed as its data arrives. Plain form fields
(the metadata JSON) are limited to ``FIELDS_MAX_BYTES`` in all. Writes that may touch the
disk (the rollover and everything after it) run in a worker thread, so a slow disk never
stalls the event loop; writes that stay in memory run inline.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from tempfile import SpooledTemporaryFile
from types import TracebackType

import anyio.to_thread
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

SPOOL_MEMORY_BYTES = 1024 * 1024  # a request's part contents stay in memory up to this
FIELDS_MAX_BYTES = 1024 * 1024  # plain form fields (the metadata), all of them together


class MultipartError(ValueError):
    """The body is not a well-formed multipart/form-data message."""


class TooManyParts(MultipartError):
    pass


class FieldTooLarge(MultipartError):
    """Plain form fields over ``FIELDS_MAX_BYTES``: a report sent without a filename, say."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"the form field {name[:60]!r} is too large (form fields may hold "
            f"{FIELDS_MAX_BYTES / 1024 / 1024:g} MiB in all); send each report as a file part "
            "with a filename (curl -F files=@report.xml)"
        )
        self.field = name[:60]


class Spool:
    """One request's part contents, back to back in one temporary file.

    The file stays in memory up to ``memory_bytes`` and moves to disk (``$TMPDIR``) past
    it, so a request costs one file descriptor at most, however many parts it has.
    """

    def __init__(self, memory_bytes: int = SPOOL_MEMORY_BYTES) -> None:
        # Closed by close(), which Parts.close() and read_multipart's error path call.
        self._file: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(  # noqa: SIM115
            max_size=memory_bytes
        )
        self._memory_bytes = memory_bytes
        self.size = 0

    def stays_in_memory(self, extra: int) -> bool:
        """Whether writing ``extra`` more bytes keeps the spool in memory (never blocks)."""
        return self.size + extra <= self._memory_bytes

    def write(self, data: bytes) -> None:
        self._file.seek(self.size)
        self._file.write(data)
        self.size += len(data)

    def read(self, offset: int, size: int) -> bytes:
        self._file.seek(offset)
        return self._file.read(size)

    def close(self) -> None:
        self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed


@dataclass(eq=False)
class Part:
    """One part: its headers, and where its content lies in the request's spool."""

    name: str
    filename: str | None  # None for a plain form field
    content_type: str | None
    spool: Spool = field(repr=False)
    offset: int
    size: int = 0
    _digest: hashlib._Hash = field(default_factory=hashlib.sha256, repr=False)

    @property
    def is_file(self) -> bool:
        return self.filename is not None

    @property
    def sha256(self) -> str:
        """The hex sha256 of the content (computed as it arrived)."""
        return self._digest.hexdigest()

    def read_bytes(self) -> bytes:
        """The whole content, read from the spool (from disk for a large upload)."""
        return self.spool.read(self.offset, self.size)

    def chunks(self, size: int) -> Iterator[bytes]:
        """The content in pieces of at most ``size`` bytes, read from the spool as asked for."""
        for start in range(0, self.size, size):
            yield self.spool.read(self.offset + start, min(size, self.size - start))

    def _received(self, data: bytes) -> None:
        self.size += len(data)
        self._digest.update(data)


class Parts(list[Part]):
    """All parts of one body, in order; ``close()`` (or ``with``) frees their spool."""

    def __init__(self, spool: Spool) -> None:
        super().__init__()
        self.spool = spool

    def close(self) -> None:
        self.spool.close()

    def __enter__(self) -> Parts:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def is_multipart(content_type_header: str | None) -> bool:
    media_type, _ = parse_options_header(content_type_header or "")
    return media_type == b"multipart/form-data"


def _text(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


class _Collector:
    """python-multipart's callbacks: builds the parts; their data waits in ``pending``
    until the parser returns, then ``write_pending`` puts it in the spool."""

    def __init__(self, max_parts: int, spool: Spool) -> None:
        self.parts = Parts(spool)
        self.max_parts = max_parts
        self.finished = False
        self._headers: dict[bytes, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._current: Part | None = None
        self._pending: list[bytes] = []
        self._end = 0  # spool offset after the pending data
        self._field_bytes = 0

    def on_part_begin(self) -> None:
        self._headers = {}
        self._current = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name = self._header_value = b""

    def on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get(b"content-disposition"))
        if disposition != b"form-data" or b"name" not in options:
            raise MultipartError(
                "every part needs a header like 'Content-Disposition: form-data; name=\"...\"'"
            )
        if len(self.parts) >= self.max_parts:
            raise TooManyParts(f"too many parts (at most {self.max_parts} per upload)")
        raw_filename = options.get(b"filename")
        content_type = self._headers.get(b"content-type")
        self._current = Part(
            name=_text(options[b"name"]),
            filename=None if raw_filename is None else _text(raw_filename),
            content_type=None if content_type is None else _text(content_type),
            spool=self.parts.spool,
            offset=self._end,
        )
        self.parts.append(self._current)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._current
        if part is None or start == end:
            return
        chunk = data[start:end]
        if not part.is_file:
            self._field_bytes += len(chunk)
            if self._field_bytes > FIELDS_MAX_BYTES:
                raise FieldTooLarge(part.name)
        part._received(chunk)
        self._pending.append(chunk)
        self._end += len(chunk)

    def on_end(self) -> None:
        self.finished = True

    async def write_pending(self) -> None:
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending.clear()
        spool = self.parts.spool
        if spool.stays_in_memory(len(data)):
            spool.write(data)
        else:
            await anyio.to_thread.run_sync(spool.write, data)


async def _parse(collector: _Collector, boundary: bytes, body: AsyncIterator[bytes]) -> None:
    try:
        parser = MultipartParser(
            boundary,
            {
                "on_part_begin": collector.on_part_begin,
                "on_header_field": collector.on_header_field,
                "on_header_value": collector.on_header_value,
                "on_header_end": collector.on_header_end,
                "on_headers_finished": collector.on_headers_finished,
                "on_part_data": collector.on_part_data,
                "on_end": collector.on_end,
            },
        )
        async for chunk in body:
            if chunk:
                parser.write(chunk)
                await collector.write_pending()
        parser.finalize()
        await collector.write_pending()
    except FormParserError as exc:
        raise MultipartError(f"the multipart body is malformed ({exc})") from exc
    if not collector.finished:
        raise MultipartError(
            "the multipart body ended before its closing boundary (was the upload cut short?)"
        )


async def read_multipart(
    content_type_header: str, body: AsyncIterator[bytes], *, max_parts: int
) -> Parts:
    """All parts of the body, in order; MultipartError when it is malformed or truncated.

    The caller closes the result (``with parts:``); on an error it is closed here.
    """
    _, params = parse_options_header(content_type_header)
    boundary = params.get(b"boundary")
    if not boundary:
        raise MultipartError("the Content-Type header has no multipart boundary")
    collector = _Collector(max_parts, Spool())
    try:
        await _parse(collector, boundary, body)
    except BaseException:
        collector.parts.close()
        raise
    return collector.parts
