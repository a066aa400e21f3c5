"""Suite-wide pytest set-up."""

from __future__ import annotations

import pytest


def _order(item: pytest.Item) -> tuple[bool, bool]:
    slow = item.get_closest_marker("slow") is not None
    # A slow test that is not one row of a table is a long one (an install, a build); the
    # slow tables (the compose oracles) are many short cases.
    table_row = hasattr(item, "callspec")
    return (not slow, table_row)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the long tests first, then the other slow ones (the order is otherwise kept; no
    test depends on it).

    ./scripts/test spreads the tests over the CPUs (pytest-xdist), handing them out in this
    order: started first, the long ones (pre-commit's and pip's installs, the wheel build)
    overlap the many short tests, instead of running alone at the end while the other CPU
    idles.
    """
    items.sort(key=_order)
