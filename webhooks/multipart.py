"""A small streaming multipart/form-data reader on python-multipart.

Starlette's form parser decodes text parts with a silent latin-1 fallback and accepts a
body cut short before its closing boundary; an upload must do neither (a truncated report
would be stored as if complete). This reader keeps every part's raw bytes, counts parts
as they arrive and fails on a body that does not end with its closing boundary.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header


class MultipartError(ValueError):
    """The body is not a well-formed multipart/form-data message."""


class TooManyParts(MultipartError):
    pass


@dataclass
class Part:
    name: str
    filename: str | None  # None for a plain form field
    content_type: str | None
    data: bytearray = field(default_factory=bytearray)

    @property
    def is_file(self) -> bool:
        return self.filename is not None


def is_multipart(content_type_header: str | None) -> bool:
    media_type, _ = parse_options_header(content_type_header or "")
    return media_type == b"multipart/form-data"


def _text(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


class _Collector:
    def __init__(self, max_parts: int) -> None:
        self.parts: list[Part] = []
        self.max_parts = max_parts
        self.finished = False
        self._headers: dict[bytes, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._current: Part | None = None

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
        )
        self.parts.append(self._current)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._current is not None:
            self._current.data += data[start:end]

    def on_end(self) -> None:
        self.finished = True


async def read_multipart(
    content_type_header: str, body: AsyncIterator[bytes], *, max_parts: int
) -> list[Part]:
    """All parts of the body, in order; MultipartError when it is malformed or truncated."""
    _, params = parse_options_header(content_type_header)
    boundary = params.get(b"boundary")
    if not boundary:
        raise MultipartError("the Content-Type header has no multipart boundary")
    collector = _Collector(max_parts)
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
        parser.finalize()
    except FormParserError as exc:
        raise MultipartError(f"the multipart body is malformed ({exc})") from exc
    if not collector.finished:
        raise MultipartError(
            "the multipart body ended before its closing boundary (was the upload cut short?)"
        )
    return collector.parts
