from lxml import etree

from bot.core.reports.formats.junit_cases import CaseBuilder

def read_cases(
    builder: CaseBuilder, container: etree._Element, stop: etree._Element | None = None
) -> None: ...
