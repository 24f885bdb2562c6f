"""Python run in a process of its own, as a server or a command would start it."""

import subprocess
import sys

from django.conf import settings


def python_run(code: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    """`python -c code` in the project's directory with exactly `environment`."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
