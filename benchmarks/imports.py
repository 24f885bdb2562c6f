"""The bulk import at scale: a CSV of synthetic local agreements (10 parties and 10
commitments each by default) generated here, then the preview and the save timed, with the
process's peak memory, the queries by kind that dominate each phase, and /proc/loadavg beside
every figure (the machine is shared; a busy one makes every figure slower).

    make bench-import               # or: .venv/bin/python -m benchmarks.imports
    python -m benchmarks.imports --agreements 100 --keep --csv /tmp/import.csv

Targets for 1,000 agreements: preview under 10 s, save under 60 s, memory under 300 MB, and
no web request over 2 s (the upload's preview and the confirmation are requests; a file of more
than importing.JOB_THRESHOLD agreements is saved by the background job, timed here as the
worker runs it). The data goes into a throwaway database (benchmarks/settings.py).
"""

import argparse
import collections
import csv
import datetime
import io
import os
import random
import re
import sys
import threading
import time
from pathlib import Path

import psutil


def loadavg() -> str:
    try:
        return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "load ?"


def rss_mib() -> float:
    return psutil.Process().memory_info().rss / 2**20


class PeakMemory:
    """The process's resident memory, sampled by a thread: the peak during a phase."""

    def __init__(self):
        self.peak = rss_mib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_mib())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib())


class QueryCounter:
    """Counts the queries a phase sends, by statement and first table."""

    TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)

    def __init__(self):
        self.counts = collections.Counter()

    def __call__(self, execute, sql, params, many, context):
        table = self.TABLE.search(sql)
        verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
        self.counts[f"{verb} {table.group(1) if table else ''}".strip()] += 1
        return execute(sql, params, many, context)

    def report(self, agreements: int, top: int = 8) -> str:
        total = sum(self.counts.values())
        lines = [f"    {total} queries, {total / max(agreements, 1):.0f} per agreement; most:"]
        lines += [f"      {count:>7}  {kind}" for kind, count in self.counts.most_common(top)]
        return "\n".join(lines)


def synthetic_csv(agreements: int, parties: int, commitments: int, seed: int = 14) -> bytes:
    """Local agreements in counties with enough organisations for `parties` parties each:
    the municipality's own organisation, the county's others and national agencies; each in
    a year when its municipality lay in today's county (Heby did not before 2007)."""
    from actors.boundaries import county_on
    from actors.models import Municipality, Organisation, OrganisationKind
    from agreements.importing import COLUMNS

    rng = random.Random(seed)
    national = list(
        Organisation.objects.filter(
            kind=OrganisationKind.NATIONAL_AGENCY, active_until__isnull=True
        ).values_list("name", flat=True)
    )
    by_county = collections.defaultdict(list)
    for name, county in Organisation.objects.filter(county__isnull=False).values_list(
        "name", "county__name"
    ):
        by_county[county].append(name)
    municipalities = [
        municipality
        for municipality in Municipality.objects.select_related("county").prefetch_related(
            "memberships"
        )
        if f"{municipality.name} kommun" in by_county[municipality.county.name]
    ]
    header = [column.header for column in COLUMNS]
    index = {column.key: position for position, column in enumerate(COLUMNS)}
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    for number in range(agreements):
        municipality = rng.choice(municipalities)
        own = f"{municipality.name} kommun"
        others = [name for name in by_county[municipality.county.name] if name != own]
        chosen = [own, *rng.sample(others + national, k=parties - 1)]
        years = [
            year
            for year in range(2001, 2016)
            if county_on(municipality, datetime.date(year, 1, 1)) == municipality.county
        ]
        year = rng.choice(years)
        for position in range(max(parties, commitments)):
            row = [""] * len(header)
            row[index["agreement.lineage"]] = f"bench-{number}"
            if position == 0:
                row[index["agreement.title"]] = (
                    f"Lokal överenskommelse om etablering i {municipality.name} {number}"
                )
                row[index["agreement.level"]] = "lokal"
                row[index["agreement.county"]] = municipality.county.code
                row[index["agreement.municipalities"]] = municipality.code
                row[index["agreement.valid_from"]] = f"{year}-01-01"
                row[index["agreement.valid_until"]] = f"{year + 3}-12-31"
                row[index["agreement.themes"]] = "arbete, sfi"
            row[index["party.organisation"]] = chosen[position % parties]
            if position < commitments:
                row[index["commitment.heading"]] = f"Åtagande {position + 1}"
                row[index["commitment.text"]] = (
                    f"Parten erbjuder insats {position + 1} för nyanlända inom tre månader."
                )
                row[index["commitment.themes"]] = rng.choice(["arbete", "sfi", "boende"])
            writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=1000)
    parser.add_argument("--parties", type=int, default=10)
    parser.add_argument("--commitments", type=int, default=10)
    parser.add_argument("--csv", help="also write the generated file here")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--no-save",
        action="store_true",
        help="the preview and the web requests only, not the save and the job (minutes)",
    )
    arguments = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    os.environ.setdefault("BENCH_DATABASE", "samverkansregistret_benchmark_import")
    os.environ["DJANGO_TASKS_IMMEDIATE"] = "0"  # the request enqueues; the worker is timed
    os.environ["DJANGO_SECURE_COOKIES"] = "0"  # the test client speaks plain HTTP
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.urls import reverse

    from actors.models import StaffScope
    from actors.services import staff_group_ensure
    from agreements import importing
    from agreements.models import Agreement, AgreementLineage, ImportJob
    from benchmarks.public_pages import create_database, drop_database

    create_database()
    try:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_registry_data", verbosity=0)

        def remove_synthetic():
            Agreement.objects.filter(lineage__slug__startswith="bench-").delete()
            AgreementLineage.objects.filter(slug__startswith="bench-").delete()

        remove_synthetic()
        from django.contrib.auth.models import User

        user, _ = User.objects.get_or_create(username="bench-import", defaults={"is_staff": True})
        user.groups.add(staff_group_ensure())
        StaffScope.objects.get_or_create(user=user, is_national=True)

        content = synthetic_csv(arguments.agreements, arguments.parties, arguments.commitments)
        if arguments.csv:
            Path(arguments.csv).write_bytes(content)
        n = arguments.agreements
        print(
            f"{n} överenskommelser, {arguments.parties} parter och {arguments.commitments} "
            f"åtaganden var; filen {len(content) / 2**20:.1f} MB. Minne vid start "
            f"{rss_mib():.0f} MiB ({loadavg()})"
        )

        counter = QueryCounter()
        with connection.execute_wrapper(counter), PeakMemory() as memory:
            started = time.perf_counter()
            plan = importing.import_preview(content=content, filename="bench.csv", user=user)
            preview_seconds = time.perf_counter() - started
        assert plan.is_valid, [str(error) for error in plan.errors[:5]]
        print(
            f"förhandsgranskning ({'med' if plan.tried else 'utan'} provsparande): "
            f"{preview_seconds:.1f} s, högsta minne {memory.peak:.0f} MiB ({loadavg()})"
        )
        print(counter.report(n))

        if not arguments.no_save:
            counter = QueryCounter()
            with connection.execute_wrapper(counter), PeakMemory() as memory:
                started = time.perf_counter()
                plan = importing.import_preview(
                    content=content, filename="bench.csv", user=user, trial=False
                )

                importing.agreements_import(plan=plan, user=user)
                save_seconds = time.perf_counter() - started
            print(
                f"sparande (kontroll utan prov + en transaktion): {save_seconds:.1f} s, högsta "
                f"minne {memory.peak:.0f} MiB ({loadavg()})"
            )
            print(counter.report(n))
        remove_synthetic()

        # The web requests: the upload's preview, the confirmation, the status page.
        client = Client()
        client.force_login(user)
        path = reverse("admin:agreements_agreement_import")
        client.get(path)  # the first request loads the admin's modules; not the import's time
        uploads = []  # three times: the first also compiles the template; the machine is noisy
        for _ in range(3):
            started = time.perf_counter()
            response = client.post(
                path, {"file": SimpleUploadedFile("bench.csv", content, "text/csv")}
            )
            uploads.append(time.perf_counter() - started)
        page_mib = len(response.content) / 2**20
        # The plan's token as the browser reads it: the page's hidden input (the test client
        # keeps no context without setup_test_environment, which would slow the rendering).
        token = re.search(rb'name="token" value="(\w+)"', response.content)
        assert token, response.content.decode()[-3000:]
        token = token.group(1).decode()
        started = time.perf_counter()
        response = client.post(path, {"confirm": "1", "token": token})
        confirm_seconds = time.perf_counter() - started
        print(
            "webbförfrågningar: uppladdning med förhandsgranskning "
            f"{', '.join(f'{seconds:.1f}' for seconds in uploads)} s (sidan {page_mib:.1f} MiB), "
            f"bekräftelse {confirm_seconds:.1f} s (→ {response.get('Location')}) ({loadavg()})"
        )
        job = ImportJob.objects.filter(user=user).order_by("-pk").first()
        if job is not None and not job.is_finished and not arguments.no_save:
            seen = []  # what the status page would read while the job's transaction runs
            done = threading.Event()

            def watch():
                while not done.wait(0.5):
                    seen.append(ImportJob.objects.get(pk=job.pk).saved)
                connections.close_all()

            watcher = threading.Thread(target=watch)
            watcher.start()
            with PeakMemory() as memory:
                started = time.perf_counter()
                importing.import_job_run(job_id=job.pk)
                job_seconds = time.perf_counter() - started
            done.set()
            watcher.join()
            job.refresh_from_db()
            started = time.perf_counter()
            client.get(reverse("admin:agreements_agreement_import_job", args=[job.pk]))
            status_seconds = time.perf_counter() - started
            print(
                f"bakgrundsjobbet: {job_seconds:.1f} s ({job.get_status_display()}, "
                f"{job.saved} sparade), högsta minne {memory.peak:.0f} MiB; statussidan "
                f"{status_seconds * 1000:.0f} ms; under jobbet lästes sparade: "
                f"{sorted(set(seen))[:3]}…{max(seen, default=0)} ({loadavg()})"
            )
    finally:
        if not arguments.keep:
            drop_database()


if __name__ == "__main__":
    sys.exit(main())
