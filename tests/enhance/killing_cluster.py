"""`manage.py qcluster` whose every enhancement SIGKILLs its own worker process: a task
that always kills its worker (out of memory, a segfault in a native library)."""

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def _die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    from enhance import engine

    # Workers are forked from this process, so they inherit the replacement.
    engine.run_enhancement = _die
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", "qcluster"])
