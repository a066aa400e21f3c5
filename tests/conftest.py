"""Suite-wide pytest set-up."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slow tests first (the order is otherwise kept; no test depends on it).

    ./scripts/test spreads the tests over the CPUs (pytest-xdist), handing them out in this
    order: started first, the long ones (pre-commit's install, the wheel build) overlap the
    many short tests, instead of running alone at the end while the other CPU idles.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
