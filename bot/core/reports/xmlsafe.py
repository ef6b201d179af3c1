"""Safe XML reading for reports: streaming, no entities, no DTDs, no network, bounded size.

Every lxml parser here runs with ``resolve_entities=False`` (entity references are left
unexpanded, so billion-laughs and quadratic blow-ups cannot grow), ``no_network=True``,
``load_dtd=False`` and without ``huge_tree`` (libxml2's own depth and text-size limits
stay on). A document that declares entities in a DOCTYPE is refused outright: no test
report tool writes one, and the known XXE payloads all do.
"""

from __future__ import annotations

import gc
import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from lxml import etree

from bot.core.reports.model import ReportError

DEFAULT_MAX_BYTES = 256 * 1024 * 1024

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

_NAME = re.compile(rb"[A-Za-z_][\w:.\-]*")


def strip_bom(data: bytes) -> tuple[bytes, str | None]:
    """``data`` without a byte-order mark, and the encoding the mark names (if any)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :], encoding
    return data, None


def utf8_head(data: bytes, size: int = 64 * 1024) -> bytes:
    """The first ``size`` bytes as UTF-8 without BOM (UTF-16/32 input is transcoded)."""
    body, encoding = strip_bom(data[: size + 4])
    if encoding in (None, "utf-8"):
        return body[:size]
    # Cut to a whole number of code units before decoding.
    unit = 4 if encoding.startswith("utf-32") else 2
    body = body[: len(body) - len(body) % unit]
    return body.decode(encoding, errors="replace").encode("utf-8")[:size]


def root_tag(head: bytes) -> str | None:
    """The local name of the root element in a (UTF-8) document head, or ``None``.

    A linear scan over the prolog (declaration, comments, processing instructions,
    DOCTYPE); a regular expression here could backtrack badly on hostile input.
    """
    pos = 0
    while True:
        start = head.find(b"<", pos)
        if start < 0 or head[pos:start].strip():
            return None
        if head.startswith(b"<?", start):
            pos = _after(head, b"?>", start + 2)
        elif head.startswith(b"<!--", start):
            pos = _after(head, b"-->", start + 4)
        elif head.startswith(b"<!DOCTYPE", start):
            pos = _doctype_end(head, start)
        else:
            match = _NAME.match(head, start + 1)
            if match is None:
                return None
            return match.group().decode("ascii", errors="replace").rpartition(":")[2]
        if pos < 0:
            return None


def _after(head: bytes, marker: bytes, start: int) -> int:
    end = head.find(marker, start)
    return -1 if end < 0 else end + len(marker)


def _doctype_end(head: bytes, start: int) -> int:
    """Where a DOCTYPE starting at ``start`` ends (after its internal subset, if any)."""
    close = head.find(b">", start)
    bracket = head.find(b"[", start)
    if bracket < 0 or (0 <= close < bracket):
        return -1 if close < 0 else close + 1
    subset_end = head.find(b"]", bracket)
    return -1 if subset_end < 0 else _after(head, b">", subset_end)


def check_size(data: bytes, *, path: str | None, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise ReportError(
            f"report is {len(data)} bytes, more than the limit of {max_bytes} bytes", path=path
        )


def refuse_entities(data: bytes, *, path: str | None) -> None:
    """Refuse a document whose DOCTYPE declares entities (XXE, billion laughs)."""
    head = utf8_head(data)
    start = head.find(b"<!DOCTYPE")
    if start < 0:
        return
    subset_end = head.find(b"]>", start)
    subset = head[start : subset_end if subset_end >= 0 else len(head)]
    if b"<!ENTITY" in subset:
        line = head.count(b"\n", 0, start) + 1
        raise ReportError(
            "the XML declares entities in a DOCTYPE; refused (entities are never expanded)",
            path=path,
            line=line,
            column=1,
        )


def syntax_error(exc: etree.LxmlSyntaxError, *, path: str | None, data: bytes) -> ReportError:
    """A :class:`ReportError` with the position and libxml2's message."""
    position = getattr(exc, "position", None)
    line, column = position if position else (None, None)
    message = str(getattr(exc, "msg", None) or exc) or "malformed XML"
    logged = [entry for entry in getattr(exc, "error_log", ()) if entry.line > 0]
    if logged and (not line or message == "no element found"):
        last = logged[-1]  # the log may still hold entries of earlier documents
        line, column, message = last.line, last.column, last.message
    message = re.sub(r",? line \d+, column \d+\s*(\(.*\))?$", "", message).strip()
    at_end = line is not None and line >= data.rstrip().count(b"\n") + 1
    if at_end and ("Unregistered" in message or "end" in message.lower()):
        message = f"the document ends early (truncated file?): {message}"
    return ReportError(f"malformed XML: {message}", path=path, line=line, column=column)


# Never expand entities, fetch anything or lift libxml2's size limits; drop what no report
# needs.
_SAFE_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
    "recover": False,
}


# A run of text (or an attribute value) longer than this is cut before libxml2 sees it:
# without ``huge_tree`` libxml2 refuses a text node over 10,000,000 bytes ("Text node too
# long") and the whole file with it, and with ``huge_tree`` its limits are gone. The head
# is kept (a message's first words, a trace's first frames) and a short tail (the end of
# a trace, and the rest of a tag when the run is an attribute value).
MAX_TEXT_RUN = 1 << 20
TEXT_RUN_HEAD = 256 * 1024
TEXT_RUN_TAIL = 4 * 1024
_RUN_CUT = " \u2026 [{:,} bytes cut by loopwatch] \u2026 "


def cap_text_runs(data: bytes, limit: int = MAX_TEXT_RUN) -> tuple[bytes, int]:
    """``data`` with every run of bytes without ``<`` longer than ``limit`` cut to its
    head and tail around a mark, and how many runs were cut.

    Neither text nor attribute values contain ``<``, so a run is the inside of one text
    node or one tag. Windows of ``limit // 2`` bytes are checked with ``find`` (memchr
    speed, so an ordinary report costs nothing): a run of ``limit`` bytes or more
    contains at least one window without ``<``. UTF-16/32 documents are left as they are.
    """
    if len(data) <= limit or data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        return data, 0
    stride = limit // 2
    pieces: list[bytes] = []
    kept_from = 0
    cut = 0
    pos = 0
    while pos + stride <= len(data):
        if data.find(b"<", pos, pos + stride) != -1:
            pos += stride
            continue
        start = data.rfind(b"<", kept_from, pos) + 1 or kept_from
        end = data.find(b"<", pos + stride)
        end = len(data) if end == -1 else end
        if end - start > limit:
            head_end = _char_start(data, start + TEXT_RUN_HEAD, backwards=True)
            tail_start = _char_start(data, end - TEXT_RUN_TAIL, backwards=False)
            mark = _RUN_CUT.format(tail_start - head_end).encode()
            pieces += [data[kept_from:head_end], mark]
            kept_from = tail_start
            cut += 1
        pos = end
    if not cut:
        return data, 0
    pieces.append(data[kept_from:])
    return b"".join(pieces), cut


def _char_start(data: bytes, at: int, *, backwards: bool) -> int:
    """``at`` moved to a UTF-8 character start outside an entity reference (``&amp;``)."""
    step = -1 if backwards else 1
    while 0 < at < len(data) and data[at] & 0xC0 == 0x80:
        at += step
    if backwards:
        amp = data.rfind(b"&", at - 16, at)
        if amp != -1 and data.find(b";", amp, at) == -1:
            at = amp  # a reference would be split: cut before it
    else:
        semi = data.find(b";", at, at + 16)
        if semi != -1 and data.find(b"&", at, semi) == -1 and b"&" in data[at - 16 : at]:
            at = semi + 1  # inside a reference: start after it
    return at


def _check_input(data: bytes, *, path: str | None) -> None:
    refuse_entities(data, path=path)
    if not data or data.isspace():
        raise ReportError("empty file", path=path)
    etree.clear_error_log()


def open_iterparse(
    data: bytes,
    *,
    path: str | None,
    events: Sequence[str] = ("end",),
    tag: Sequence[str] | None = None,
) -> etree.iterparse:
    """An lxml ``iterparse`` over ``data`` with the safe settings.

    Iterate it inside ``with xml_errors(path, data):`` so parse errors become
    :class:`ReportError`; callers must ``clear()`` handled elements so memory stays flat.
    """
    _check_input(data, path=path)
    return etree.iterparse(
        io.BytesIO(data),
        events=tuple(events),
        tag=tuple(tag) if tag is not None else None,
        **_SAFE_OPTIONS,
    )


def pull_parser(data: bytes, *, path: str | None, tag: Sequence[str]) -> etree.XMLPullParser:
    """An lxml ``XMLPullParser`` with the safe settings that reports the start and end of
    ``tag`` elements, for a caller that feeds ``data`` in chunks and reads the tree between
    them (inside ``with xml_errors(path, data):``; see :func:`element_events`)."""
    _check_input(data, path=path)
    return etree.XMLPullParser(events=("start", "end"), tag=tuple(tag), **_SAFE_OPTIONS)


def element_events(parser: etree.XMLPullParser) -> Iterator[tuple[str, etree._Element]]:
    """The ``start``/``end`` events a :func:`pull_parser` has ready."""
    for event, elem in parser.read_events():
        if isinstance(elem, etree._Element):
            yield event, elem


@contextmanager
def xml_errors(path: str | None, data: bytes) -> Iterator[None]:
    """Turn lxml's parse errors into :class:`ReportError` with file, line and column."""
    try:
        yield
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc, path=path, data=data) from None
    except (etree.LxmlError, ValueError, UnicodeError, LookupError) as exc:
        if isinstance(exc, ReportError):
            raise
        raise ReportError(f"unreadable XML: {exc}", path=path) from None


def iterparse(
    data: bytes,
    *,
    path: str | None,
    events: Sequence[str] = ("end",),
    tag: Sequence[str] | None = None,
) -> Iterator[tuple[str, etree._Element]]:
    """Stream ``(event, element)`` pairs from ``data`` (see :func:`open_iterparse`)."""
    parser = open_iterparse(data, path=path, events=events, tag=tag)
    with xml_errors(path, data):
        yield from parser


def text_of(element: etree._Element) -> str | None:
    """All text inside ``element`` (CDATA included), or ``None`` when there is none."""
    if len(element) == 0:
        return element.text
    parts = [t for t in element.itertext() if isinstance(t, str)]
    return "".join(parts) or None


def release(elem: etree._Element, handled: frozenset[str]) -> None:
    """Free a handled element and its already-handled previous siblings (flat memory)."""
    elem.clear()
    parent = elem.getparent()
    if parent is None:
        return
    previous = elem.getprevious()
    while previous is not None and previous.tag in handled:
        parent.remove(previous)
        previous = elem.getprevious()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a parse allocates many acyclic objects.

    A 100k-case report creates ~10^6 objects; generational collections over them cost
    ~15% of the parse and free nothing (the model has no reference cycles).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
