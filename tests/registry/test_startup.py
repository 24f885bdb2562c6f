"""Reading the settings starts nothing; production refuses the embedded database with one
line; `make test` never sets up the database that DATABASE_URL names."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def run(args, *, pgdata, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    environment |= {"EMBEDDED_PGDATA": str(pgdata), **env}
    return subprocess.run(
        args, cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=60
    )


def test_importing_the_settings_starts_no_database_and_installs_no_handler(tmp_path):
    pgdata = tmp_path / "pgdata"
    code = (
        "import os, signal; os.environ['DJANGO_SETTINGS_MODULE'] = 'registry.settings'; "
        "import django; django.setup(); import registry.wsgi; "
        "print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)"
    )
    result = run([sys.executable, "-c", code], pgdata=pgdata, DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"  # SIGTERM left alone
    assert not pgdata.exists()  # no server initialised or started


def test_a_command_without_database_starts_none(tmp_path):
    pgdata = tmp_path / "pgdata"
    result = run([sys.executable, "manage.py", "check"], pgdata=pgdata, DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert not pgdata.exists()


def test_a_migrations_check_needs_no_database_in_production(tmp_path):
    """A build step checks the code for missing migrations without any database."""
    pgdata = tmp_path / "pgdata"
    result = run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        pgdata=pgdata,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 50,
    )
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
    assert not pgdata.exists()


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "manage.py", "runserver", "127.0.0.1:0"],
        [sys.executable, "manage.py", "migrate"],
        [sys.executable, "-c", "import registry.wsgi"],
    ],
    ids=["runserver", "migrate", "wsgi"],
)
def test_production_without_database_url_refuses_with_one_line(tmp_path, command):
    pgdata = tmp_path / "pgdata"
    result = run(command, pgdata=pgdata, DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("DATABASE_URL saknas")
    assert not pgdata.exists()


def test_make_test_does_not_set_up_the_named_database():
    result = subprocess.run(
        ["make", "-n", "test"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert "pytest" in result.stdout
    assert "setup_registry" not in result.stdout
    assert "manage.py" not in result.stdout
