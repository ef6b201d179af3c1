"""Unpack a GitHub Actions artifact zip in memory, refusing anything hostile.

Artifacts come from untrusted CI: a pull request from a fork controls every byte of the
zip that ``actions/upload-artifact`` writes. So the zip is read from memory, nothing is
written to disk, and the whole artifact is refused (:class:`ArchiveRefused`) when it has

* more than ``max_entries`` entries (2000, directories included);
* an entry over ``max_file_bytes`` (100 MiB) or entries over ``max_unpacked_bytes`` in total
  (256 MiB), counted on the bytes actually decompressed, in 64 KiB chunks, as well as on
  the sizes the headers declare;
* an entry expanding more than ``max_ratio`` (200×) once it passes ``ratio_floor_bytes``
  (1 MiB), which is what a zip bomb looks like;
* a name pointing outside the artifact (zip-slip), an encrypted entry, an archive inside
  the archive (by name or by its first bytes), a compression method other than stored or
  deflate (bzip2/LZMA decompress without an output bound in :mod:`zipfile`), or anything
  :mod:`zipfile` cannot read.

Directories are skipped silently; symlinks and other special entries are not read and are
noted in ``skipped``. When two entries normalize to the same path the last one wins, as it
would when extracting over a folder, and the replaced copy is noted in ``skipped``.
"""

from __future__ import annotations

import io
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO, Literal

RefusalReason = Literal[
    "not-zip",
    "corrupt",
    "too-many-entries",
    "too-large",
    "ratio",
    "zip-slip",
    "nested-archive",
    "encrypted",
]

CHUNK_BYTES = 64 * 1024
_MiB = 1024 * 1024
_CENTRAL_DIRECTORY_SIGNATURE = b"PK\x01\x02"
_END_OF_CENTRAL_DIRECTORY = b"PK\x05\x06"
_ENCRYPTED_FLAGS = 0x1 | 0x40  # traditional PKWARE encryption, strong encryption
_READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA", 9: "deflate64"}
ARCHIVE_SUFFIXES = (
    ".zip", ".jar", ".war", ".tar", ".tgz", ".tar.gz", ".gz", ".bz2", ".xz", ".7z", ".rar",
    ".zst",
)  # fmt: skip
_ARCHIVE_MAGIC = (
    ("zip", re.compile(rb"PK(\x03\x04|\x05\x06|\x07\x08)")),
    ("gzip", re.compile(rb"\x1f\x8b\x08")),
    ("bzip2", re.compile(rb"BZh[1-9](1AY&SY|\x17rE8P\x90)")),
    ("xz", re.compile(rb"\xfd7zXZ\x00")),
    ("7z", re.compile(rb"7z\xbc\xaf\x27\x1c")),
    ("zstd", re.compile(rb"\x28\xb5\x2f\xfd")),
    ("rar", re.compile(rb"Rar!\x1a\x07")),
    ("tar", re.compile(rb".{257}ustar", re.DOTALL)),
)
_DRIVE = re.compile(r"[A-Za-z]:")
# What zipfile and the decompressors raise on damaged input; anything else is our bug.
_UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    OSError,
    struct.error,
    OverflowError,
)


@dataclass(frozen=True, slots=True)
class UnpackLimits:
    max_entries: int = 2000  # entries in the central directory (dirs included)
    max_unpacked_bytes: int = 256 * _MiB  # sum of decompressed bytes actually read
    max_file_bytes: int = 100 * _MiB  # one entry, decompressed
    max_ratio: float = 200.0  # decompressed/compressed, per entry ...
    ratio_floor_bytes: int = _MiB  # ... checked once an entry is past this many bytes


@dataclass(frozen=True, slots=True)
class UnpackedFile:
    path: str  # normalized: forward slashes, relative, no '.' or '..' parts
    data: bytes


@dataclass(frozen=True, slots=True)
class Unpacked:
    files: list[UnpackedFile]  # in the archive's order
    skipped: list[str]  # notes on entries left out harmlessly (directories are silent)


class ArchiveRefused(Exception):
    """The whole artifact is refused; ``str(exc)`` is one sentence a person can act on."""

    def __init__(self, reason: RefusalReason, message: str, entry: str | None = None) -> None:
        super().__init__(message)
        self.reason: RefusalReason = reason
        self.entry = entry  # the offending entry's name as stored in the zip, if any


@dataclass(frozen=True, slots=True)
class _Entry:
    info: zipfile.ZipInfo
    path: str
    kind: Literal["file", "dir", "symlink", "special"]
    compressed: int  # declared compressed size, at least 1 and at most the archive's size


def unpack_zip(data: bytes, limits: UnpackLimits = UnpackLimits()) -> Unpacked:
    """Return the regular files in the zip ``data``, or raise :class:`ArchiveRefused`."""
    with _open(data, limits) as archive:
        entries = [_checked_entry(info, len(data), limits) for info in archive.infolist()]
        keep, skipped = _resolve(entries)
        declared = sum(entry.info.file_size for entry in keep)
        if declared > limits.max_unpacked_bytes:
            raise ArchiveRefused(
                "too-large",
                f"the artifact says it unpacks to {_size(declared)} in total, more than "
                f"{_size(limits.max_unpacked_bytes)} (limit artifacts.limits.max_unpacked_bytes)",
            )
        files: list[UnpackedFile] = []
        budget = limits.max_unpacked_bytes
        for entry in keep:
            content = _read_entry(archive, entry, budget, limits)
            budget -= len(content)
            files.append(UnpackedFile(entry.path, content))
    return Unpacked(files, skipped)


def _open(data: bytes, limits: UnpackLimits) -> zipfile.ZipFile:
    # Each central-directory record starts with this signature, so counting it bounds the
    # entries zipfile would parse (and the memory that takes) before it parses any.
    records = data.count(_CENTRAL_DIRECTORY_SIGNATURE)
    if records > limits.max_entries:
        raise ArchiveRefused(
            "too-many-entries",
            f"the archive has {records} entries (limit {limits.max_entries})",
        )
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except _UNREADABLE as exc:
        if _END_OF_CENTRAL_DIRECTORY not in data[-(65536 + 22) :]:
            raise ArchiveRefused("not-zip", "not a zip archive: no zip directory found") from exc
        raise ArchiveRefused(
            "corrupt", f"the zip archive is damaged and cannot be read ({exc})"
        ) from exc


def _read_entry(
    archive: zipfile.ZipFile, entry: _Entry, budget: int, limits: UnpackLimits
) -> bytes:
    name = entry.info.orig_filename
    try:
        with archive.open(entry.info) as stream:
            return read_capped(stream, name, entry.compressed, budget, limits)
    except _UNREADABLE as exc:
        raise ArchiveRefused(
            "corrupt", f"entry {_shown(name)} is damaged and cannot be read ({exc})", name
        ) from exc


def read_capped(
    stream: IO[bytes], name: str, compressed: int, budget: int, limits: UnpackLimits
) -> bytes:
    """Read ``stream`` in chunks, refusing it the moment it passes a cap.

    ``zipfile`` already stops at the declared size; counting here keeps memory bounded by
    the caps even if it did not (the declared sizes are the archive's word, not a fact).
    ``budget`` is what is left of ``max_unpacked_bytes``.
    """
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(CHUNK_BYTES):
        if not chunks and (kind := _archive_magic(chunk)):
            raise ArchiveRefused(
                "nested-archive",
                f"entry {_shown(name)} is a {kind} archive inside the archive (by its first "
                "bytes); nested archives are not unpacked",
                name,
            )
        size += len(chunk)
        if size > limits.max_file_bytes:
            raise _too_large(name, limits)
        if size > budget:
            raise ArchiveRefused(
                "too-large",
                f"the artifact unpacks to more than {_size(limits.max_unpacked_bytes)} in total "
                f"(limit artifacts.limits.max_unpacked_bytes), passed at entry {_shown(name)}",
                name,
            )
        if size > limits.ratio_floor_bytes and size > limits.max_ratio * compressed:
            raise _ratio(name, limits)
        chunks.append(chunk)
    return b"".join(chunks)


def _checked_entry(info: zipfile.ZipInfo, archive_size: int, limits: UnpackLimits) -> _Entry:
    """Classify one entry, refusing it on what its header alone gives away."""
    name = info.orig_filename
    path = _safe_path(name)
    file_type = stat.S_IFMT(info.external_attr >> 16)
    compressed = max(1, min(info.compress_size, archive_size))
    if name.endswith(("/", "\\")) or file_type == stat.S_IFDIR:
        return _Entry(info, path, "dir", compressed)
    if file_type == stat.S_IFLNK:
        return _Entry(info, path, "symlink", compressed)
    if file_type not in (0, stat.S_IFREG):
        return _Entry(info, path, "special", compressed)
    if info.flag_bits & _ENCRYPTED_FLAGS:
        raise ArchiveRefused(
            "encrypted",
            f"entry {_shown(name)} is encrypted; encrypted artifacts cannot be read",
            name,
        )
    if info.compress_type not in _READABLE_METHODS:
        method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
        raise ArchiveRefused(
            "corrupt",
            f"entry {_shown(name)} uses {method} compression; only stored and deflate "
            "(what actions/upload-artifact writes) are unpacked",
            name,
        )
    if path.lower().endswith(ARCHIVE_SUFFIXES):
        raise ArchiveRefused(
            "nested-archive",
            f"entry {_shown(name)} is an archive inside the archive; nested archives are "
            "not unpacked",
            name,
        )
    if info.file_size > limits.max_file_bytes:
        raise _too_large(name, limits)
    if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * (
        compressed
    ):
        raise _ratio(name, limits)
    return _Entry(info, path, "file", compressed)


def _safe_path(name: str) -> str:
    """``name`` normalized (``./a//b.xml`` → ``a/b.xml``), or refused as zip-slip."""
    if "\x00" in name:
        raise ArchiveRefused(
            "zip-slip",
            f"entry {_shown(name)} has a NUL byte in its name, which can disguise where it unpacks",
            name,
        )
    unified = name.replace("\\", "/")
    parts = [part for part in unified.split("/") if part not in ("", ".")]
    if unified.startswith("/") or ".." in parts or any(_DRIVE.match(p) for p in parts):
        raise ArchiveRefused(
            "zip-slip", f"entry {_shown(name)} points outside the artifact (zip-slip)", name
        )
    return "/".join(parts)


def _resolve(entries: list[_Entry]) -> tuple[list[_Entry], list[str]]:
    """The files to read, in order (the last of duplicate paths wins), and skip notes."""
    last = {entry.path: index for index, entry in enumerate(entries) if entry.kind == "file"}
    keep: list[_Entry] = []
    skipped: list[str] = []
    for index, entry in enumerate(entries):
        shown = _shown(entry.info.orig_filename)
        if entry.kind == "symlink":
            skipped.append(f"symlink {shown} ignored")
        elif entry.kind == "special":
            skipped.append(f"special file {shown} ignored (not a regular file)")
        elif entry.kind == "file" and not entry.path:
            skipped.append(f"entry {shown} has no file name; ignored")
        elif entry.kind == "file" and last[entry.path] != index:
            skipped.append(f"entry {shown} ignored: a later entry has the same path")
        elif entry.kind == "file":
            keep.append(entry)
    return keep, skipped


def _archive_magic(head: bytes) -> str | None:
    return next((kind for kind, magic in _ARCHIVE_MAGIC if magic.match(head)), None)


def _too_large(name: str, limits: UnpackLimits) -> ArchiveRefused:
    return ArchiveRefused(
        "too-large",
        f"entry {_shown(name)} unpacks to more than {_size(limits.max_file_bytes)} "
        "(limit artifacts.limits.max_file_bytes)",
        name,
    )


def _ratio(name: str, limits: UnpackLimits) -> ArchiveRefused:
    return ArchiveRefused(
        "ratio",
        f"entry {_shown(name)} expands to more than {limits.max_ratio:g} times its compressed "
        "size (limit artifacts.limits.max_ratio), which is how a zip bomb looks",
        name,
    )


def _shown(name: str, limit: int = 120) -> str:
    """``name`` in backticks, safe to show: control characters and backticks escaped."""
    text = "".join(
        ch if ch.isprintable() and ch != "`" else ascii(ch)[1:-1].replace("`", "\\x60")
        for ch in name
    )
    return f"`{text[:limit]}…`" if len(text) > limit else f"`{text}`"


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", _MiB), ("KiB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{n} bytes"
