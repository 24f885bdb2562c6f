"""Server times and HTML sizes of the agreement's staff pages, as a Norrbotten officer opens
them: the head page and the biggest party's page, of the Norrbotten agreement (10 parties, 51
commitments) and of a synthetic agreement with the same head and 20 parties, 200 commitments.

    make bench-admin-pages      # or: .venv/bin/python -m benchmarks.admin_pages --requests 40

The data goes into a throwaway database (benchmarks/settings.py, BENCH_DATABASE defaults to
samverkansregistret_benchmark_admin), never into the development database. Times are measured
in-process with Django's test client. The targets (issue 13): p95 under 300 ms of server time
and under 150 KB of HTML.
"""

import argparse
import os
import statistics
import sys
import time


def synthetic_agreement(*, head, user, parties: int = 20, commitments: int = 200):
    """The head of `head` with `parties` parties, 40 goals and `commitments` commitments,
    written through the document service."""
    from actors.models import Organisation
    from agreements import services
    from agreements.document import agreement_document_dump

    organisations = list(Organisation.objects.order_by("pk")[:parties])
    document = agreement_document_dump(agreement=head)
    document.update(
        lineage=f"stor-syntetisk-{commitments}",
        version_number=1,
        title="Stor syntetisk överenskommelse",
        parties=[{"organisation": o.slug, "role": "signatory"} for o in organisations],
        goals=[
            {"text": f"Mål {n}", "party": organisations[n % parties].slug if n % 4 else None}
            for n in range(40)
        ],
        commitments=[
            {
                "party": organisations[n % parties].slug,
                "heading": f"Rubrik {n}",
                "text": f"Åtagande nummer {n}, med en text av rimlig längd. " * 3,
                "themes": ["arbete"] if n % 2 else [],
            }
            for n in range(commitments)
        ],
        reception_figures=[],
    )
    return services.agreement_create(document=document, user=user)


def measure(client, path: str, rounds: int) -> tuple[list[float], list[float], int, int]:
    """Wall and CPU milliseconds of each request, the HTML's bytes and the queries."""
    from django.db import connection

    client.get(path)  # warm
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        response = client.get(path)
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
    return wall, cpu, len(response.content), len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="per page")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    arguments = parser.parse_args()

    os.environ.setdefault("BENCH_DATABASE", "samverkansregistret_benchmark_admin")
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from actors.models import County, StaffScope
    from actors.services import staff_group_ensure
    from agreements import services
    from agreements.models import Agreement
    from benchmarks.public_pages import create_database, drop_database, percentile

    create_database()
    try:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_registry_data", verbosity=0)
        user, _ = get_user_model().objects.get_or_create(
            username="bench-norrbotten", defaults={"is_staff": True}
        )
        user.groups.add(staff_group_ensure())
        StaffScope.objects.get_or_create(user=user, county=County.objects.get(code="25"))
        newest = (
            Agreement.objects.filter(lineage__slug="norrbotten-rok")
            .order_by("-version_number")
            .first()
        )
        draft = (
            newest
            if not newest.is_published
            else services.agreement_revise(agreement=newest, user=user)
        )
        big = Agreement.objects.filter(lineage__slug="stor-syntetisk-200").first()
        big = big or synthetic_agreement(head=draft, user=user)
        client = Client()
        client.force_login(user)
        print(
            f"{'sida':<46} {'p50 ms':>7} {'p95 ms':>7} {'CPU p50':>8} {'CPU p95':>8} "
            f"{'KB':>5} {'frågor':>6}"
        )
        for label, agreement in (("Norrbotten (51 åtaganden)", draft), ("Syntetisk (200)", big)):
            party = max(agreement.parties.all(), key=lambda p: p.commitments.count())
            pages = {
                "huvudsida": reverse("admin:agreements_agreement_change", args=[agreement.pk]),
                f"part ({party.commitments.count()} åtaganden)": reverse(
                    "admin:agreements_agreement_party", args=[agreement.pk, party.pk]
                ),
            }
            for name, path in pages.items():
                wall, cpu, size, queries = measure(client, path, arguments.requests)
                print(
                    f"{label + ', ' + name:<46} {statistics.median(wall):7.0f} "
                    f"{percentile(wall, 0.95):7.0f} {statistics.median(cpu):8.0f} "
                    f"{percentile(cpu, 0.95):8.0f} {size / 1024:5.0f} {queries:6d}"
                )
        with open("/proc/loadavg") as load:
            print(f"belastning (loadavg): {load.read().strip()}", file=sys.stderr)
    finally:
        if not arguments.keep:
            drop_database()


if __name__ == "__main__":
    main()
