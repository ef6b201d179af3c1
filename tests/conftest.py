"""Root conftest: shared plugins only. Each area keeps its fixtures in its own folder."""

pytest_plugins = [
    "tests.plugins.env",
    "tests.plugins.golden",
    "tests.plugins.snapshots",
    "tests.plugins.db",
]
