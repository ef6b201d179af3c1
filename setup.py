"""Builds the optional compiled JUnit case reader (``bot/core/reports/formats/_junit_cases.pyx``).

Everything else is configured in ``pyproject.toml``. Without a C compiler the extension is
skipped (``optional=True``) and the pure-Python reader is used; see docs/reports.md.
"""

import lxml
from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [
            Extension(
                "bot.core.reports.formats._junit_cases",
                ["bot/core/reports/formats/_junit_cases.pyx"],
                include_dirs=lxml.get_include(),
                optional=True,
            )
        ],
        language_level=3,
    )
)
