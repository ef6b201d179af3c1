"""Small JUnit XML reports in the shapes real tools write: pytest ``--junitxml``
(xunit1: ``file`` and ``line`` attributes) and Maven surefire (one suite per class)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from xml.sax.saxutils import escape, quoteattr


@dataclass(frozen=True)
class Cause:
    """What breaks tests: the exception, its message, where it is raised."""

    exception: str
    message: str
    source: str
    line: int


@dataclass(frozen=True)
class Case:
    test: str  # pytest: "path.py::name"; surefire: "pkg.Class#method"
    seconds: float
    failure: Cause | None


def _pytest_trace(test: str, cause: Cause) -> str:
    path, _, name = test.partition("::")
    return (
        f"{path}:{20 + len(name)}: in {name}\n"
        f"    response = await client.run_scenario({name!r})\n"
        f"{cause.source}:{cause.line}: in handle\n"
        f"    raise {cause.exception.rsplit('.', 1)[-1]}(detail)\n"
        f"E   {cause.exception}: {cause.message}"
    )


def pytest_report(cases: list[Case], finished: datetime) -> bytes:
    failures = sum(1 for c in cases if c.failure)
    total = sum(c.seconds for c in cases)
    out = [
        '<?xml version="1.0" encoding="utf-8"?><testsuites>',
        f'<testsuite name="pytest" errors="0" failures="{failures}" skipped="0" '
        f'tests="{len(cases)}" time="{total:.3f}" '
        f'timestamp="{finished.replace(tzinfo=None).isoformat()}" hostname="ci-runner-3">',
    ]
    for case in cases:
        path, _, name = case.test.partition("::")
        classname = path.removesuffix(".py").replace("/", ".")
        attrs = (
            f"classname={quoteattr(classname)} name={quoteattr(name)} "
            f"file={quoteattr(path)} line={quoteattr(str(10 + len(name)))} "
            f'time="{case.seconds:.3f}"'
        )
        if case.failure is None:
            out.append(f"<testcase {attrs} />")
            continue
        message = f"{case.failure.exception}: {case.failure.message}"
        out.append(
            f"<testcase {attrs}><failure message={quoteattr(message)}>"
            f"{escape(_pytest_trace(case.test, case.failure))}</failure></testcase>"
        )
    out.append("</testsuite></testsuites>")
    return "".join(out).encode()


def _java_trace(test: str, cause: Cause) -> str:
    cls, _, method = test.partition("#")
    simple = cls.rsplit(".", 1)[-1]
    source_class = cause.source.removesuffix(".java")
    return (
        f"{cause.exception}: {cause.message}\n"
        f"\tat com.acme.shop.{source_class}.call({cause.source}:{cause.line})\n"
        f"\tat {cls}.{method}({simple}.java:{30 + len(method)})\n"
        "\tat java.base/java.lang.reflect.Method.invoke(Method.java:580)\n"
        "\tat org.junit.platform.commons.util.ReflectionUtils.invokeMethod"
        "(ReflectionUtils.java:728)\n"
    )


def surefire_report(cases: list[Case], finished: datetime) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>']
    for cls, grouped in groupby(cases, key=lambda c: c.test.partition("#")[0]):
        suite = list(grouped)
        failures = sum(1 for c in suite if c.failure)
        out.append(
            f'<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'name={quoteattr(cls)} time="{sum(c.seconds for c in suite):.3f}" '
            f'tests="{len(suite)}" errors="0" skipped="0" failures="{failures}" '
            f'timestamp="{finished.replace(tzinfo=None).isoformat()}">\n'
            '  <properties><property name="java.version" value="21.0.2"/></properties>'
        )
        for case in suite:
            method = case.test.partition("#")[2]
            attrs = f'name={quoteattr(method)} classname={quoteattr(cls)} time="{case.seconds:.3f}"'
            if case.failure is None:
                out.append(f"  <testcase {attrs}/>")
                continue
            out.append(
                f"  <testcase {attrs}>\n"
                f"    <failure message={quoteattr(case.failure.message)} "
                f"type={quoteattr(case.failure.exception)}>"
                f"{escape(_java_trace(case.test, case.failure))}</failure>\n"
                "  </testcase>"
            )
        out.append("</testsuite>")
    out.append("</testsuites>\n")
    return "\n".join(out).encode()
