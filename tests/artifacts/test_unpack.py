"""unpack_zip on the zips CI produces and on hostile ones: files out, or one clear refusal."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
import re
import stat
import struct
import tarfile
import warnings
import zipfile
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.artifacts.unpack import (
    CHUNK_BYTES,
    ArchiveRefused,
    Unpacked,
    UnpackedFile,
    UnpackLimits,
    read_capped,
    unpack_zip,
)

MiB = 1024 * 1024
JUNIT = b'<testsuite name="s" tests="1"><testcase classname="c" name="t"/></testsuite>'

# Offsets of fields inside a central-directory record and a local file header.
CD_FLAGS, CD_CRC, CD_FILE_SIZE = 8, 16, 24
LH_FLAGS, LH_CRC, LH_FILE_SIZE = 6, 14, 22

Entry = tuple[str | zipfile.ZipInfo, bytes]


def make_zip(*entries: Entry, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # duplicate names are on purpose
        with zipfile.ZipFile(buffer, "w", compression=method) as archive:
            for name, data in entries:
                archive.writestr(name, data)
    return buffer.getvalue()


def special(name: str, file_type: int, data: bytes = b"") -> Entry:
    """An entry whose Unix mode says symlink, fifo, directory... (as `zip -y` writes)."""
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (file_type | 0o777) << 16
    return info, data


def patch(
    data: bytes, signature: bytes, offset: int, fmt: str, value: int, only: int | None = None
) -> bytes:
    """Overwrite one field in the records starting with ``signature`` (all, or the ``only``th)."""
    out = bytearray(data)
    start, index = out.find(signature), 0
    while start != -1:
        if only is None or only == index:
            struct.pack_into(fmt, out, start + offset, value)
        start, index = out.find(signature, start + 4), index + 1
    return bytes(out)


def refused(data: bytes, limits: UnpackLimits | None = None) -> ArchiveRefused:
    with pytest.raises(ArchiveRefused) as info:
        unpack_zip(data, limits or UnpackLimits())
    return info.value


def noise(size: int, seed: int = 1) -> bytes:
    """Incompressible bytes that start like text (so no archive magic by chance)."""
    return b"noise:" + random.Random(seed).randbytes(size - 6)


# --- what CI produces -------------------------------------------------------------------


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_nested_folders_unpack_in_archive_order(method: int) -> None:
    data = make_zip(
        ("results/", b""),
        ("results/unit/", b""),
        ("results/unit/junit.xml", JUNIT),
        ("results/lint/ruff.json", b"[]"),
        ("summary.txt", b"ok\n"),
        method=method,
    )

    assert unpack_zip(data) == Unpacked(
        files=[
            UnpackedFile("results/unit/junit.xml", JUNIT),
            UnpackedFile("results/lint/ruff.json", b"[]"),
            UnpackedFile("summary.txt", b"ok\n"),
        ],
        skipped=[],
    )


class Unseekable(io.RawIOBase):
    """A pipe-like sink: zipfile then streams, with data descriptors, as upload-artifact does."""

    def __init__(self) -> None:
        self.written = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.written += data
        return len(data)


def test_streamed_zip_with_data_descriptors_unpacks() -> None:
    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("results/junit.xml", JUNIT)
        with archive.open("results/big.log", "w") as stream:
            stream.write(noise(200_000))
    data = bytes(sink.written)
    assert struct.unpack_from("<H", data, LH_FLAGS)[0] & 0x08  # sizes come after the data

    result = unpack_zip(data)

    assert [(file.path, len(file.data)) for file in result.files] == [
        ("results/junit.xml", len(JUNIT)),
        ("results/big.log", 200_000),
    ]


def test_zip64_entry_unpacks() -> None:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w") as archive,
        archive.open("junit.xml", "w", force_zip64=True) as stream,
    ):
        stream.write(JUNIT)
    assert zipfile.ZipFile(buffer).infolist()[0].extract_version == zipfile.ZIP64_VERSION

    assert unpack_zip(buffer.getvalue()).files == [UnpackedFile("junit.xml", JUNIT)]


def test_paths_are_normalized() -> None:
    data = make_zip(
        ("./a//b.xml", b"1"),
        ("reports\\windows\\junit.xml", b"2"),
        ("résultats/tést.xml", b"3"),
        ("..hidden/x..xml", b"4"),
    )

    paths = [file.path for file in unpack_zip(data).files]

    assert paths == [
        "a/b.xml",
        "reports/windows/junit.xml",
        "résultats/tést.xml",
        "..hidden/x..xml",
    ]


def test_empty_archive_and_empty_files() -> None:
    assert unpack_zip(make_zip()) == Unpacked([], [])
    assert unpack_zip(make_zip(("empty.xml", b""))).files == [UnpackedFile("empty.xml", b"")]


def test_small_highly_compressible_file_is_fine() -> None:
    zeros = b"\0" * (MiB // 2)  # compresses about 1000:1, but stays under the 1 MiB floor

    assert unpack_zip(make_zip(("zeros.bin", zeros))).files == [UnpackedFile("zeros.bin", zeros)]


def test_duplicate_paths_keep_the_last_entry() -> None:
    data = make_zip(
        ("a.xml", b"first"),
        ("b.xml", b"b"),
        ("./a.xml", b"second"),
        ("a.xml", b"third"),
    )

    result = unpack_zip(data)

    assert result.files == [UnpackedFile("b.xml", b"b"), UnpackedFile("a.xml", b"third")]
    assert result.skipped == [
        "entry `a.xml` ignored: a later entry has the same path",
        "entry `./a.xml` ignored: a later entry has the same path",
    ]


# --- links and other entries that are not files -------------------------------------------


def test_symlink_is_ignored_and_noted() -> None:
    data = make_zip(
        ("a/junit.xml", JUNIT),
        special("a/b", stat.S_IFLNK, b"/etc/passwd"),
    )

    result = unpack_zip(data)

    assert result.files == [UnpackedFile("a/junit.xml", JUNIT)]
    assert result.skipped == ["symlink `a/b` ignored"]


def test_special_files_are_ignored_and_directories_are_silent() -> None:
    data = make_zip(
        special("pipe", stat.S_IFIFO),
        special("reports", stat.S_IFDIR),
        ("reports/junit.xml", JUNIT),
    )

    result = unpack_zip(data)

    assert result.files == [UnpackedFile("reports/junit.xml", JUNIT)]
    assert result.skipped == ["special file `pipe` ignored (not a regular file)"]


# --- zip bombs and size caps ---------------------------------------------------------------


def test_zip_bomb_is_refused_without_unpacking_it() -> None:
    data = make_zip(("reports/junit.xml", JUNIT), ("bomb.bin", b"\0" * (50 * MiB)))
    assert len(data) < 100_000

    error = refused(data)

    assert error.reason == "ratio"
    assert error.entry == "bomb.bin"
    assert str(error) == (
        "entry `bomb.bin` expands to more than 200 times its compressed size "
        "(limit artifacts.limits.max_ratio), which is how a zip bomb looks"
    )


def test_entry_over_the_file_cap_is_refused() -> None:
    data = make_zip(("reports/big.xml", noise(MiB + 1)))

    error = refused(data, UnpackLimits(max_file_bytes=MiB))

    assert error.reason == "too-large"
    assert (
        str(error) == "entry `reports/big.xml` unpacks to more than 1 MiB "
        "(limit artifacts.limits.max_file_bytes)"
    )


def test_declared_size_over_the_cap_is_refused_up_front() -> None:
    data = make_zip(("reports/big.xml", JUNIT), method=zipfile.ZIP_STORED)
    data = patch(data, b"PK\x01\x02", CD_FILE_SIZE, "<I", 200 * MiB)

    error = refused(data)

    assert error.reason == "too-large"
    assert str(error) == (
        "entry `reports/big.xml` unpacks to more than 100 MiB "
        "(limit artifacts.limits.max_file_bytes)"
    )


def test_entries_over_the_total_cap_are_refused() -> None:
    data = make_zip(*((f"part{i}.bin", noise(400 * 1024, seed=i)) for i in range(3)))

    error = refused(data, UnpackLimits(max_unpacked_bytes=MiB))

    assert error.reason == "too-large"
    assert str(error) == (
        "the artifact says it unpacks to 1.2 MiB in total, more than 1 MiB "
        "(limit artifacts.limits.max_unpacked_bytes)"
    )


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_lying_header_never_yields_more_than_it_declares(method: int) -> None:
    """The header claims 1000 bytes; the entry really holds 2 MiB."""
    real = noise(2 * MiB)
    data = make_zip(("report.xml", real), method=method)
    for signature, offset in ((b"PK\x01\x02", CD_FILE_SIZE), (b"PK\x03\x04", LH_FILE_SIZE)):
        data = patch(data, signature, offset, "<I", 1000)

    # The CRC covers all 2 MiB, so the 1000 bytes read do not match it.
    assert refused(data, UnpackLimits(max_file_bytes=MiB)).reason == "corrupt"

    # A careful liar fixes the CRC too: then what comes out is what the header declares.
    crc = zlib.crc32(real[:1000])
    for signature, offset in ((b"PK\x01\x02", CD_CRC), (b"PK\x03\x04", LH_CRC)):
        data = patch(data, signature, offset, "<I", crc)
    assert unpack_zip(data, UnpackLimits(max_file_bytes=MiB)).files == [
        UnpackedFile("report.xml", real[:1000])
    ]


def test_lying_header_on_a_bomb_is_refused() -> None:
    data = make_zip(("bomb.xml", b"\0" * (50 * MiB)))
    data = patch(data, b"PK\x01\x02", CD_FILE_SIZE, "<I", 1000)

    assert refused(data, UnpackLimits(max_file_bytes=MiB)).reason == "corrupt"


class EndlessStream(io.RawIOBase):
    """Produces zeros forever, like a decompressor that ignores the declared size."""

    def __init__(self) -> None:
        self.delivered = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        buffer[:] = b"\0" * len(buffer)
        self.delivered += len(buffer)
        return len(buffer)


@pytest.mark.parametrize(
    ("limits", "compressed", "budget", "reason", "message"),
    [
        (
            UnpackLimits(max_file_bytes=MiB, max_ratio=1e9),
            1000,
            10 * MiB,
            "too-large",
            "entry `x.xml` unpacks to more than 1 MiB (limit artifacts.limits.max_file_bytes)",
        ),
        (
            UnpackLimits(max_ratio=1e9),
            1000,
            2 * MiB,
            "too-large",
            "the artifact unpacks to more than 256 MiB in total "
            "(limit artifacts.limits.max_unpacked_bytes), "
            "passed at entry `x.xml`",
        ),
        (
            UnpackLimits(),
            1000,
            10 * MiB,
            "ratio",
            "entry `x.xml` expands to more than 200 times its compressed size "
            "(limit artifacts.limits.max_ratio), which is how a zip bomb looks",
        ),
    ],
)
def test_counting_stops_a_stream_that_outruns_its_header(
    limits: UnpackLimits, compressed: int, budget: int, reason: str, message: str
) -> None:
    """zipfile itself stops at the declared size; the counting is the second line."""
    stream = EndlessStream()

    with pytest.raises(ArchiveRefused) as info:
        read_capped(io.BufferedReader(stream), "x.xml", compressed, budget, limits)

    assert (info.value.reason, str(info.value)) == (reason, message)
    assert stream.delivered <= 10 * MiB + 2 * CHUNK_BYTES


def test_too_many_entries() -> None:
    names = [f"r/{i}.xml" for i in range(1999)]
    at_limit = [("r/", b""), *((name, b"") for name in names)]  # the directory counts too

    assert len(unpack_zip(make_zip(*at_limit)).files) == 1999

    error = refused(make_zip(*at_limit, ("one-more.xml", b"")))
    assert error.reason == "too-many-entries"
    assert str(error) == "the archive has 2001 entries (limit 2000)"


def test_too_many_entries_with_a_custom_limit() -> None:
    data = make_zip(*((f"{i}.xml", b"") for i in range(6)))

    assert refused(data, UnpackLimits(max_entries=5)).reason == "too-many-entries"


# --- zip-slip ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "/etc/x",
        "a/../../x",
        "a/../x",
        "C:\\x",
        "C:/x",
        "c:x",
        "a/D:x",
        "..\\x",
        "\\x",
        "a\\..\\..\\x",
        "//server/share/x",
        "../",
    ],
)
def test_zip_slip_is_refused(name: str) -> None:
    error = refused(make_zip(("ok.xml", JUNIT), (name, b"x")))

    assert error.reason == "zip-slip"
    assert error.entry == name
    assert "points outside the artifact (zip-slip)" in str(error)


def test_zip_slip_message() -> None:
    error = refused(make_zip(("../../etc/passwd", b"x")))

    assert str(error) == "entry `../../etc/passwd` points outside the artifact (zip-slip)"


def test_zip_slip_through_a_symlink_name_is_refused() -> None:
    assert refused(make_zip(special("../link", stat.S_IFLNK, b"/"))).reason == "zip-slip"


def test_nul_byte_in_a_name_is_refused() -> None:
    # zipfile cuts written names at NUL, so write a placeholder and swap the NUL in.
    data = make_zip(("report.xml_.txt", JUNIT)).replace(b"report.xml_.txt", b"report.xml\0.txt")

    error = refused(data)

    assert error.reason == "zip-slip"
    assert str(error).startswith("entry `report.xml\\x00.txt` has a NUL byte in its name")


def test_control_characters_in_names_are_escaped_in_messages() -> None:
    error = refused(make_zip(("../`evil`\n.xml", b"x")))

    assert str(error) == "entry `../\\x60evil\\x60\\n.xml` points outside the artifact (zip-slip)"


# --- nested archives -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "inner/results.zip",
        "a.jar",
        "a.war",
        "a.tar",
        "a.tgz",
        "a.tar.gz",
        "a.gz",
        "a.bz2",
        "a.xz",
        "a.7z",
        "a.rar",
        "a.zst",
        "RESULTS.ZIP",
    ],
)
def test_nested_archive_by_name_is_refused(name: str) -> None:
    error = refused(make_zip(("ok.xml", JUNIT), (name, b"not really an archive")))

    assert error.reason == "nested-archive"
    assert error.entry == name


def test_nested_archive_message() -> None:
    error = refused(make_zip(("inner/results.zip", make_zip(("junit.xml", JUNIT)))))

    assert str(error) == (
        "entry `inner/results.zip` is an archive inside the archive; nested archives are "
        "not unpacked"
    )


def _tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("junit.xml")
        info.size = len(JUNIT)
        archive.addfile(info, io.BytesIO(JUNIT))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("kind", "content"),
    [
        ("zip", make_zip(("junit.xml", JUNIT))),
        ("zip", make_zip()),
        ("gzip", gzip.compress(JUNIT)),
        ("bzip2", bz2.compress(JUNIT)),
        ("bzip2", bz2.compress(b"")),
        ("xz", lzma.compress(JUNIT)),
        ("7z", b"7z\xbc\xaf\x27\x1c" + b"\0" * 30),
        ("zstd", b"\x28\xb5\x2f\xfd" + b"\0" * 30),
        ("rar", b"Rar!\x1a\x07\x01\x00" + b"\0" * 30),
        ("tar", _tar()),
    ],
    # Named, not shown: the compressed bytes carry timestamps, and pytest-xdist's
    # workers must collect the same test ids.
    ids=["zip", "empty-zip", "gzip", "bzip2", "empty-bzip2", "xz", "7z", "zstd", "rar", "tar"],
)
def test_nested_archive_by_content_is_refused(kind: str, content: bytes) -> None:
    error = refused(make_zip(("reports/junit.xml", content)))

    assert error.reason == "nested-archive"
    assert str(error) == (
        f"entry `reports/junit.xml` is a {kind} archive inside the archive (by its first "
        "bytes); nested archives are not unpacked"
    )


@pytest.mark.parametrize(
    "content", [b"BZh... is not bzip2", b"PK is a fine start", b"7z", b"\x1f", b"Rar!"]
)
def test_text_that_starts_like_a_magic_number_is_not_an_archive(content: bytes) -> None:
    assert unpack_zip(make_zip(("notes.txt", content))).files == [
        UnpackedFile("notes.txt", content)
    ]


# --- not a zip, corrupt, encrypted ---------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"hello world", noise(5000), gzip.compress(JUNIT), JUNIT],
    ids=["empty", "text", "random", "gzip", "xml"],
)
def test_not_a_zip(data: bytes) -> None:
    error = refused(data)

    assert error.reason == "not-zip"
    assert str(error) == "not a zip archive: no zip directory found"


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, -1])
def test_truncated_zip(keep: float) -> None:
    data = make_zip(("a/junit.xml", JUNIT), ("b.bin", noise(20_000)))
    cut = data[: int(len(data) * keep)] if keep > 0 else data[:-1]

    assert refused(cut).reason in {"not-zip", "corrupt"}


def test_damaged_data_is_refused_naming_the_entry() -> None:
    data = bytearray(make_zip(("reports/junit.xml", JUNIT), method=zipfile.ZIP_STORED))
    at = data.index(JUNIT)
    data[at + 10] ^= 0xFF

    error = refused(bytes(data))

    assert error.reason == "corrupt"
    assert str(error).startswith("entry `reports/junit.xml` is damaged and cannot be read (")


def test_damaged_directory_is_refused() -> None:
    data = make_zip(("a.xml", JUNIT))
    data = data.replace(b"PK\x01\x02", b"PK\x01\x09")

    error = refused(data)

    assert error.reason == "corrupt"
    assert str(error).startswith("the zip archive is damaged and cannot be read (")


@pytest.mark.parametrize(
    ("method", "label"), [(zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "LZMA")]
)
def test_compression_other_than_deflate_is_refused(method: int, label: str) -> None:
    error = refused(make_zip(("junit.xml", JUNIT), method=method))

    assert error.reason == "corrupt"
    assert str(error) == (
        f"entry `junit.xml` uses {label} compression; only stored and deflate "
        "(what actions/upload-artifact writes) are unpacked"
    )


def test_encrypted_entry_is_refused() -> None:
    """zipfile cannot write encryption, so set the 'encrypted' flag bit in both headers."""
    data = make_zip(("ok.xml", JUNIT), ("secret.xml", JUNIT))
    data = patch(data, b"PK\x01\x02", CD_FLAGS, "<H", 0x1, only=1)
    data = patch(data, b"PK\x03\x04", LH_FLAGS, "<H", 0x1, only=1)

    error = refused(data)

    assert error.reason == "encrypted"
    assert str(error) == "entry `secret.xml` is encrypted; encrypted artifacts cannot be read"


# --- properties ----------------------------------------------------------------------------

FUZZ_LIMITS = UnpackLimits(
    max_entries=20,
    max_unpacked_bytes=6000,
    max_file_bytes=5000,
    max_ratio=50,
    ratio_floor_bytes=500,
)
SEEDS = [
    make_zip(
        ("results/", b""),
        ("results/junit.xml", JUNIT * 20),
        ("zeros.bin", b"\0" * 400),
        special("link", stat.S_IFLNK, b"results"),
        ("a.txt", b"hello"),
        method=method,
    )
    for method in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED)
]


def check(data: bytes, limits: UnpackLimits = FUZZ_LIMITS) -> None:
    try:
        result = unpack_zip(data, limits)
    except ArchiveRefused as error:
        assert str(error)
        return
    assert sum(len(file.data) for file in result.files) <= limits.max_unpacked_bytes
    for file in result.files:
        assert len(file.data) <= limits.max_file_bytes
        parts = file.path.split("/")
        assert file.path and "\\" not in file.path and "\0" not in file.path
        assert all(part not in ("", ".", "..") for part in parts)
        assert not any(re.match(r"[A-Za-z]:", part) for part in parts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_return_or_refuse(data: bytes) -> None:
    check(data)


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(SEEDS),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3000),
            st.one_of(
                st.binary(min_size=1, max_size=4),
                st.sampled_from([b"\xff\xff\xff\xff", b"\0\0\0\0", b"\x00\x00\x10\x00"]),
            ),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    ),
    st.integers(min_value=0, max_value=3000),
)
def test_mutated_zips_return_or_refuse(
    seed: bytes, edits: list[tuple[int, bytes, bool]], cut: int
) -> None:
    data = bytearray(seed)
    for position, replacement, insert in edits:
        at = position % (len(data) + 1)
        if insert:
            data[at:at] = replacement
        else:
            data[at : at + len(replacement)] = replacement
    check(bytes(data))
    check(bytes(data[: len(data) - cut % len(data)]))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(
            st.characters(blacklist_categories=["Cs"], blacklist_characters="\0"),
            min_size=1,
            max_size=20,
        ),
        min_size=1,
        max_size=5,
    )
)
def test_arbitrary_names_give_safe_paths_or_refuse(names: list[str]) -> None:
    check(make_zip(*((name, b"x") for name in names)), UnpackLimits())
