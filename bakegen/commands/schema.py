"""`bakegen schema`: the policy JSON Schema on stdout."""

from __future__ import annotations

import sys

from bakegen.resources import data_path


def run() -> int:
    sys.stdout.buffer.write(data_path("schema/bakegen.schema.json").read_bytes())
    return 0
