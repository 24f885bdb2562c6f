"""A wrong DATABASE_URL gives one clear line naming the variable, not a traceback."""

import os
import subprocess
import sys

import pytest
from django.conf import settings


def run_manage(database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgres://postgres@127.0.0.1:1/samverkansregistret", "kan inte ansluta"),
        ("mysql://root@127.0.0.1/samverkansregistret", "måste vara en PostgreSQL-adress"),
        ("postgres://postgres@127.0.0.1:5432", "saknar databasnamn"),
    ],
)
def test_wrong_database_url_gives_one_clear_line(url, says):
    result = run_manage(url)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("DATABASE_URL")
    assert says in lines[0]
    assert "Traceback" not in result.stderr
