"""Server times of the REST API on a synthetic registry, and the cost of exporting 100,000
commitments: p50 and p95 for the agreement list, a filtered list, an agreement's detail and the
commitment list, then time and peak memory of a streamed CSV export of every commitment.

    make bench-api                  # or: .venv/bin/python -m benchmarks.api
    python -m benchmarks.api --agreements 2000 --requests 30 --keep

Uses the throwaway database and synthetic data of benchmarks/public_pages.py (10,000 agreements
with ten commitments each by default, so the export has 100,000 rows). Times are in-process
(Django's test client): routing, views, queries and serialisation, without the network.
"""

import argparse
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc

from benchmarks.public_pages import create_database, drop_database, measure, percentile, seed


def export_cost(client, path) -> tuple[float, int, float, float]:
    """Seconds, rows, Python peak MiB while streaming, and growth of the process's max RSS."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(path)
    rows = 0
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return seconds, rows - 1, peak / 2**20, rss_after - rss_before


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=10_000)
    parser.add_argument("--commitments", type=int, default=10)
    parser.add_argument("--requests", type=int, default=60, help="per scenario")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    arguments = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    os.environ.setdefault("BENCH_DATABASE", "samverkansregistret_benchmark_api")
    os.environ["API_ANON_RATE"] = "100000000/min"  # measure the API, not its throttle
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from agreements.models import Agreement
    from commitments.models import Commitment

    fresh = create_database()
    try:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_registry_data", verbosity=0)
        existing = Agreement.objects.filter(lineage__slug__startswith="syntetisk-").count()
        if fresh or not existing:
            print(
                f"Skapar {arguments.agreements} överenskommelser med "
                f"{arguments.commitments} åtaganden var …",
                file=sys.stderr,
            )
            seed(arguments.agreements, arguments.commitments, random.Random(4))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        client = Client()
        ids = list(
            Agreement.objects.published()
            .filter(lineage__slug__startswith="syntetisk-")
            .order_by("?")
            .values_list("pk", flat=True)[:100]
        )
        scenarios = {
            "lista": ["/api/v1/agreements/", "/api/v1/agreements/?page=40"],
            "filtrerad lista": [
                "/api/v1/agreements/?level=local&theme=sfi",
                "/api/v1/agreements/?organisation_kind=national_agency&good_example=true",
            ],
            "en överenskommelse": [f"/api/v1/agreements/{pk}/" for pk in ids],
            "åtaganden, filtrerade": [
                "/api/v1/commitments/?theme=praktik",
                "/api/v1/commitments/?organisation_kind=municipality&phase=establishment",
            ],
        }
        print(
            f"\n{Agreement.objects.count()} överenskommelser, "
            f"{Commitment.objects.count()} åtaganden, {arguments.requests} anrop var"
        )
        print(f"{'anrop':26} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for name, paths in scenarios.items():
            times = measure(client, paths, arguments.requests)
            print(
                f"{name:26} {statistics.median(times):8.1f} {percentile(times, 0.95):8.1f} "
                f"{max(times):8.1f}"
            )
        for attempt in range(3):
            seconds, rows, peak, rss = export_cost(
                client, "/api/v1/commitments/export.csv?delimiter=;"
            )
            print(
                f"CSV-export {attempt + 1}: {rows} rader på {seconds:.1f} s, "
                f"Python-minne högst {peak:.1f} MiB, processens RSS växte {rss:.1f} MiB"
            )
    finally:
        if not arguments.keep:
            drop_database()
            print("Benchmarkdatabasen är borttagen.", file=sys.stderr)


if __name__ == "__main__":
    main()
