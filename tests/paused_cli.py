"""bakegen's CLI, paused mid-render: the signal tests' child process.

    python paused_cli.py READY_FD WAIT_FD ARG...

runs ``bakegen ARG...`` with one change: when the first output has been staged (written in
full to its temp file and flushed) and is about to be renamed over the old one, it writes
one line to READY_FD and blocks reading WAIT_FD. A test waits for that line, so it knows
the render is in its most fragile step, then signals the process: no sleep, no race.
bakegen itself carries no test hook: the pause wraps ``os.replace`` in this process only.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any


def main() -> int:
    ready, wait = int(sys.argv[1]), int(sys.argv[2])
    # A child inherits an ignored SIGINT (a test runner started in the background by a shell
    # without job control), and Python then installs no KeyboardInterrupt handler: the test
    # would wait for an exit that never comes. A user's terminal delivers it; so does this.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    real_replace = os.replace
    paused = False

    def replace_after_pause(source: Any, target: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal paused
        if not paused:
            paused = True
            os.write(ready, f"staged {os.path.basename(source)}\n".encode())
            os.read(wait, 1)  # a signal arrives here
        real_replace(source, target, *args, **kwargs)

    os.replace = replace_after_pause  # bakegen.output calls os.replace by attribute
    from bakegen.cli import main as bakegen_main

    return bakegen_main(sys.argv[3:])


if __name__ == "__main__":
    sys.exit(main())
