"""Java/Kotlin (JVM) frames: ``at pkg.Cls.method(File.java:12)``.

Order: the frames of the **deepest** ``Caused by:`` section come first (the root cause,
innermost first as the JVM prints it), then each enclosing section outwards, ending with
the top exception's own frames; ``Suppressed:`` sections (and their causes) come last, in
the same order. ``... 12 more`` lines stand for frames already listed by the enclosing
section and are skipped.

``file`` is the package path plus the source file (``com/acme/shop/Cart.java``), or the
class path when the JVM knows no source (``Native Method``, ``Unknown Source``);
``function`` is the class (inner classes dotted, anonymous/lambda/proxy parts dropped) and
the method: ``Cart.add``, ``Cart.Inner.run``; Kotlin's ``Foo$bar$1.invokeSuspend`` is
``Foo.bar``. A frame is in the repository when its package is not a known library.
"""

from __future__ import annotations

import re

from bot.core.signatures.v2.frames.model import Frame

LANGUAGE = "java"

# "at [module[@version]/]pkg.Cls.method(Source.java:12)[ ~[jar:version]]"
_FRAME = re.compile(
    r"^\s*+at (?:[\w.-]++(?:@[^/\s]*+)?/++)?(?P<qual>[^\s(]++)\((?P<src>[^()]*+)\)"
    r"(?:\s*+~?\[[^\]]*+\])?\s*+$"
)
_CAUSED_BY = re.compile(r"^(?P<indent>\s*+)Caused by:(?: |$)")  # Gradle: "Caused by:" alone
_SUPPRESSED = re.compile(r"^(?P<indent>\s*+)Suppressed: ")
_SOURCE = re.compile(r"^(?P<file>[\w$.-]+\.\w+)(?::\d++)?$")
# What the JVM prints between the parentheses; anything else (a JS "file.js:1:2", .NET
# parameters "Int32 x") is another language's frame.
_JVM_SOURCE = re.compile(r"^(?:[\w$.<>-]++(?::\d++)?|Native Method|Unknown Source(?::\d++)?)$")
_HIDDEN_CLASS = re.compile(r"/0x[0-9a-fA-F]++")
_GENERATED = re.compile(r"\$\$.*+|\$(?:MockitoMock|HibernateProxy|ByteBuddy)\$.*+")
_LAMBDA_METHOD = re.compile(r"^lambda\$(?P<name>[^$]++)\$.*+$")
_COROUTINE_METHODS = frozenset({"invoke", "invokeSuspend"})
_LIBRARY_PACKAGES = re.compile(
    r"^(?:java|javax|jakarta|jdk|sun|com\.sun|kotlin|kotlinx|scala|groovy|org\.codehaus\.groovy"
    r"|org\.junit|junit|org\.testng|org\.opentest4j|org\.assertj|org\.hamcrest|org\.mockito"
    r"|org\.springframework|org\.apache|io\.netty|reactor|io\.grpc|okhttp3|okio|com\.fasterxml"
    r"|org\.gradle|worker\.org\.gradle|org\.hibernate|com\.zaxxer|org\.postgresql|com\.mysql"
    r"|org\.mariadb|org\.h2|org\.flywaydb|org\.liquibase|liquibase|org\.testcontainers"
    r"|org\.spockframework|io\.kotest|io\.mockk|io\.micronaut|io\.quarkus|io\.vertx"
    r"|io\.reactivex|rx|org\.slf4j|ch\.qos\.logback|org\.eclipse|org\.jboss|org\.glassfish"
    r"|org\.aspectj|net\.bytebuddy|org\.objenesis|org\.jetbrains|com\.intellij|io\.cucumber"
    r"|cucumber|org\.openqa\.selenium|com\.codeborne|io\.restassured|org\.awaitility"
    r"|com\.google\.(?:common|protobuf|gson|inject)|android|androidx|dalvik|com\.android"
    r"|software\.amazon|com\.amazonaws|io\.opentelemetry|io\.micrometer|com\.squareup"
    r"|retrofit2|feign|org\.yaml|com\.jayway|net\.minidev|org\.skyscreamer|org\.xmlunit"
    r"|com\.github\.tomakehurst\.wiremock|org\.json|akka|org\.jooq|org\.mybatis"
    r"|com\.microsoft|oracle)\."
)
_TEST_PACKAGE = re.compile(r"(?:^|\.)(?:test|tests|testing|testutil|fixtures)(?:\.|$)")
_TEST_CLASS = re.compile(r"^Test|(?:Test|Tests|IT|ITCase|TestCase|Spec|Specification)$")


def _frame(qual: str, source: str) -> Frame:
    qual = _HIDDEN_CLASS.sub("", qual)
    class_name, _, method = qual.rpartition(".")
    package, _, simple = class_name.rpartition(".")
    parts = [part for part in _GENERATED.sub("", simple).split("$") if part and not part.isdigit()]
    if lambda_method := _LAMBDA_METHOD.match(method):
        method = lambda_method["name"]
    if method in _COROUTINE_METHODS and len(parts) > 1 and parts[-1][:1].islower():
        function = ".".join(parts)  # Kotlin: the suspend function or lambda's owner
    else:
        function = ".".join([*parts, method]) if parts else method
    package_dir = package.replace(".", "/")
    source_match = _SOURCE.match(source.strip())
    file_name = source_match["file"] if source_match else (parts[0] if parts else simple)
    file = f"{package_dir}/{file_name}" if package_dir else file_name
    in_repo = not _LIBRARY_PACKAGES.match(qual)
    outer = parts[0] if parts else ""
    is_test = in_repo and bool(
        _TEST_CLASS.search(outer)
        or _TEST_CLASS.search(file_name.partition(".")[0])
        or _TEST_PACKAGE.search(package)
    )
    return Frame(file, function or None, LANGUAGE, in_repo, is_test)


def read(lines: list[str]) -> list[Frame]:
    """Every JVM frame, deepest cause first (see the module docstring)."""
    main_chain: list[list[Frame]] = [[]]
    suppressed_chains: list[list[list[Frame]]] = []
    current = main_chain
    suppressed_indent: int | None = None
    for line in lines:
        if "at " in line and (match := _FRAME.match(line)) and _JVM_SOURCE.match(match["src"]):
            current[-1].append(_frame(match["qual"], match["src"]))
        elif "Caused by:" in line and (match := _CAUSED_BY.match(line)):
            indent = len(match["indent"])
            if suppressed_indent is None or indent < suppressed_indent:
                suppressed_indent = None
                current = main_chain
            current.append([])
        elif "Suppressed: " in line and (match := _SUPPRESSED.match(line)):
            suppressed_indent = len(match["indent"])
            current = [[]]
            suppressed_chains.append(current)
    frames: list[Frame] = []
    for chain in (main_chain, *suppressed_chains):
        for section in reversed(chain):
            frames.extend(section)
    return frames
