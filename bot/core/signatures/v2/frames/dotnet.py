""".NET frames: ``at Ns.Cls.Method(Int32 x) in /path/File.cs:line 42`` (or without `` in …``).

.NET prints innermost first, and an exception with inner exceptions prints the innermost
inner exception's frames first, each followed by ``--- End of inner exception stack trace
---``, then the enclosing exception's: the printed order already is innermost first.
``--- End of stack trace from previous location ---`` (an ``await`` boundary) is skipped.

``function`` is ``Cls.Method``: compiler-generated names are read back to the method a
person wrote (``<Method>d__5.MoveNext`` → ``Method``, ``<>c__DisplayClass3_0.<M>b__0`` →
``M``), generic arity and type arguments dropped, nested ``Outer+Inner`` dotted. ``file``
is the source path when the frame has one, else the namespace-qualified type
(``Acme.Shop.Cart``).
"""

from __future__ import annotations

import re

from bot.core.signatures.v2.frames.model import Frame, normalize_path

LANGUAGE = "dotnet"

# "at Ns.Cls.M(Int32 x) in /path/File.cs:line 42" (":line" is localized: "Zeile", "ligne" …;
# MSTest prints "File.cs:42");
# .NET 5+ prints an iterator as "Ns.Cls.M()+MoveNext()".
_FRAME = re.compile(
    r"^\s*+at (?P<qual>[^\s(]++)\((?P<args>[^():]*+)\)(?:\+MoveNext\(\))?"
    r"(?: in (?P<file>.+):(?:[^\W\d]++ )?\d++)?\s*+$"
)
_JVM_SOURCES = frozenset({"Native Method", "Unknown Source"})
_GENERATED_NAME = re.compile(r"^<+(?P<name>[^<>]++)>")
_GENERIC_ARITY = re.compile(r"`\d++|\[[^\]]*+\]")
_LIBRARY_NAMESPACES = re.compile(
    r"^(?:System|Microsoft|NUnit|nunit|Xunit|xunit|Moq|Castle|FluentAssertions|Shouldly"
    r"|Newtonsoft|Npgsql|MySql|MySqlConnector|Polly|NSubstitute|AutoFixture|Grpc|Google"
    r"|StackExchange|Dapper|Serilog|NLog|MediatR|AutoMapper|RestSharp|Refit|Testcontainers"
    r"|DotNet\.Testcontainers|Bogus|Respawn|Coverlet|Swashbuckle|Hangfire|MassTransit"
    r"|RabbitMQ|Confluent|Amazon|Azure|Elasticsearch|Nest|OpenQA|TechTalk|Reqnroll"
    r"|VerifyTests|VerifyXunit|VerifyNUnit|MSTest|NodaTime|Humanizer|FakeItEasy)\."
)
_TEST_NAME = re.compile(r"(?:Tests?|Specs?|Fixture|Facts)(?:\.cs)?$")
# a test project's namespace or directory: "Acme.Shop.Tests.Fakes", "tests/Acme.Shop.Tests/"
_TEST_PLACE = re.compile(r"(?:^|[./])(?:Tests?|Specs|UnitTests|IntegrationTests)(?:[./]|$)")


def _function(qual: str) -> tuple[str, str | None]:
    """``(namespace-qualified type, Cls.Method)`` of a frame's qualified name."""
    qual = _GENERIC_ARITY.sub("", qual).replace("+", ".")
    for constructor in ("ctor", "cctor"):  # "Cls..ctor", "<.cctor>b__0": no empty parts
        qual = qual.replace(f"..{constructor}", f".{constructor}")
        qual = qual.replace(f"<.{constructor}>", f"<{constructor}>")
    parts = qual.split(".")
    method = parts.pop()
    if method == "MoveNext" and parts and parts[-1].startswith("<"):
        method = parts.pop()  # async/iterator state machine: <Method>d__5.MoveNext
    while parts and parts[-1].startswith("<"):
        closure = parts.pop()  # <>c, <>c__DisplayClass3_0, <<Outer>b__0>d
        if method.startswith("<>") or not method:
            method = closure
    if generated := _GENERATED_NAME.match(method):
        method = generated["name"]
    type_name = ".".join(parts)
    owner = parts[-1] if parts else ""
    function = f"{owner}.{method}" if owner else method
    return type_name, function or None


def read(lines: list[str]) -> list[Frame]:
    """Every .NET frame in printed order (innermost first, see the module docstring)."""
    frames: list[Frame] = []
    for line in lines:
        if "at " not in line or not (match := _FRAME.match(line)):
            continue
        if match["args"] in _JVM_SOURCES:
            continue
        type_name, function = _function(match["qual"])
        file = normalize_path(match["file"]) if match["file"] else type_name
        in_repo = not _LIBRARY_NAMESPACES.match(match["qual"])
        is_test = in_repo and bool(
            _TEST_NAME.search(type_name)
            or _TEST_NAME.search(file.rpartition("/")[2])
            or _TEST_PLACE.search(type_name.rpartition(".")[0])
            or _TEST_PLACE.search(file.rpartition("/")[0])
        )
        frames.append(Frame(file, function, LANGUAGE, in_repo, is_test))
    return frames
