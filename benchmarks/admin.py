"""The staff's work at real size, at the Norrbotten agreement (10 parties, 51 commitments) and
at a synthetic agreement of 20 parties and 200 commitments that the benchmark creates through
the services: queries and server time of saving one changed commitment and of revising
("Skapa version N", a new version with copies), then every staff page of issue 13 as a
Norrbotten officer opens them: the start pages; a draft's head, parties, biggest party, common
goals, copy and history (after 20 saves) pages; the published version's follow-up of 2009
(head, biggest party, common goals) and the county's reception table; wall and CPU p50 and
p95, HTML size and queries, with /proc/loadavg beside each. Issue 13's targets: a save at most
30 queries and under 300 ms, a revision under 1 s at 200 commitments, every page under 300 ms
p95 and 150 KB.

    make bench-admin                  # or: .venv/bin/python -m benchmarks.admin
    python -m benchmarks.admin --rounds 10 --requests 40 --keep

Runs on a throwaway database of its own (benchmarks/settings.py: reference data and the
example agreements, as `make setup` loads them), dropped at the end unless --keep. Times are
in-process: the services, their queries and Python without HTTP for the writes, Django's test
client for the pages; /proc/loadavg is printed with them.
"""

import argparse
import os
import statistics
import time
from dataclasses import dataclass

SYNTHETIC_PARTIES = 20
SYNTHETIC_COMMITMENTS = 200
TARGETS = {"save one commitment": (30, 0.300), "revise": (None, 1.0)}
PAGE_MOST_SECONDS, PAGE_MOST_KB = 0.300, 150


@dataclass
class Measurement:
    name: str
    agreement: str
    queries: int
    seconds: list[float]
    cpu: list[float]

    def line(self) -> str:
        most_queries, most_seconds = TARGETS.get(self.name, (None, None))
        median = statistics.median(self.seconds)
        verdict = []
        if most_queries is not None:
            verdict.append("ok" if self.queries <= most_queries else f"over {most_queries}")
        if most_seconds is not None:
            verdict.append("ok" if median < most_seconds else f"over {most_seconds * 1000:.0f} ms")
        return (
            f"{self.name:<22} {self.agreement:<16} {self.queries:>7} {median * 1000:>8.0f} "
            f"{max(self.seconds) * 1000:>8.0f} {statistics.median(self.cpu) * 1000:>8.0f}   "
            f"{', '.join(verdict)}"
        )


def loadavg() -> str:
    try:
        with open("/proc/loadavg") as handle:
            return " ".join(handle.read().split()[:3])
    except OSError:
        return "unknown"


def timed(function, rounds: int, prepare=None) -> tuple[int, list[float], list[float]]:
    """Queries of the last round (the first also fills the process's caches, as a running
    server's are), and the seconds and this process's CPU seconds (the server's share,
    without the database's) of every round, each in a transaction that is rolled back, so
    that every round starts from the same agreement (`prepare` runs in it first, untimed)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    seconds, cpu, queries = [], [], None
    for _ in range(rounds):

        class Rollback(Exception):
            pass

        try:
            with transaction.atomic():
                if prepare is not None:
                    prepare()
                with CaptureQueriesContext(connection) as captured:
                    started, cpu_started = time.perf_counter(), time.process_time()
                    function()
                    seconds.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - cpu_started)
                raise Rollback
        except Rollback:
            pass
        queries = len(captured.captured_queries)
    return queries, seconds, cpu


def norrbotten_staff(user_model):
    """A county officer of Norrbottens län, as the staff pages know one."""
    from actors.models import County, StaffScope
    from actors.services import staff_group_ensure

    user, _ = user_model.objects.get_or_create(
        username="benchmark-norrbotten", defaults={"is_staff": True}
    )
    user.groups.add(staff_group_ensure())
    StaffScope.objects.get_or_create(user=user, county=County.objects.get(code="25"))
    return user


def synthetic_agreement(user):
    """A published agreement with the Norrbotten agreement's head (its texts, tags, links) and
    20 parties, 40 goals and 200 commitments, written through the document service as the API
    or the import would: only the number of rows differs from Norrbotten's."""
    from actors.models import Organisation
    from agreements.document import agreement_document_dump
    from agreements.history import history_record
    from agreements.models import Agreement
    from agreements.services import agreement_create

    existing = Agreement.objects.filter(lineage__slug="syntetisk-200").first()
    if existing is not None:
        return existing
    norrbotten = (
        Agreement.objects.published()
        .filter(lineage__slug="norrbotten-rok")
        .order_by("-version_number")
        .first()
    )
    slugs = list(
        Organisation.objects.filter(county__code="25")
        .order_by("slug")
        .values_list("slug", flat=True)[:SYNTHETIC_PARTIES]
    )
    document = agreement_document_dump(agreement=norrbotten)
    document.update(
        lineage="syntetisk-200",
        version_number=1,
        title="Syntetisk överenskommelse med 200 åtaganden",
        parties=[{"organisation": slug} for slug in slugs],
        goals=[
            {"text": f"Mål {number}", "party": slugs[number % len(slugs)] if number % 4 else None}
            for number in range(40)
        ],
        commitments=[
            {
                "party": slugs[number % len(slugs)],
                "heading": f"Åtagande {number}",
                "text": f"Parten ansvarar för insats nummer {number} inom etableringen.",
                "themes": ["arbete"] if number % 3 == 0 else [],
            }
            for number in range(SYNTHETIC_COMMITMENTS)
        ],
        reception_figures=[],
    )
    created = agreement_create(document=document, user=user)  # published, as Norrbotten's is
    # With its history begun, as every registered agreement's is (the API, the import and
    # the admin record it), so that a measured save does not also record a baseline.
    history_record(agreement=created, user=user, comment="Registrerad.")
    return created


def save_one_commitment(agreement, user, rounds: int) -> Measurement:
    """One party's page saved with one commitment's text changed (the staff's part pages
    write through agreement_part_apply)."""
    from agreements.models import Agreement
    from agreements.services import agreement_part_apply

    def change(document):
        document["commitments"][len(document["commitments"]) // 2]["text"] += " Ändrad."

    def save():
        fresh = Agreement.objects.get(pk=agreement.pk)
        agreement_part_apply(
            agreement=fresh,
            user=user,
            change=change,
            comment="Ett åtagande ändrat.",
            opened_version=fresh.lock_version,
        )

    return Measurement("save one commitment", agreement.lineage.slug, *timed(save, rounds))


def revise(agreement, user, rounds: int) -> Measurement:
    """ "Skapa version N": the next version as a draft with copies of the parts."""
    from agreements.models import Agreement
    from agreements.services import agreement_revise

    def run():
        agreement_revise(agreement=Agreement.objects.get(pk=agreement.pk), user=user)

    def newer_drafts_removed():  # a version newer than the published one would refuse
        Agreement.objects.filter(
            lineage_id=agreement.lineage_id, version_number__gt=agreement.version_number
        ).delete()

    measured = timed(run, rounds, prepare=newer_drafts_removed)
    return Measurement("revise", agreement.lineage.slug, *measured)


MEASUREMENTS = (save_one_commitment, revise)


@dataclass
class PageMeasurement:
    name: str
    agreement: str
    queries: int
    seconds: list[float]
    cpu: list[float]
    size: int

    def line(self) -> str:
        from benchmarks.public_pages import percentile

        p95 = percentile(self.seconds, 0.95)
        verdict = [
            "ok" if p95 < PAGE_MOST_SECONDS else f"over {PAGE_MOST_SECONDS * 1000:.0f} ms",
            "ok" if self.size / 1024 < PAGE_MOST_KB else f"over {PAGE_MOST_KB} KB",
        ]
        return (
            f"{self.name:<22} {self.agreement:<16} {self.queries:>7} "
            f"{statistics.median(self.seconds) * 1000:>8.0f} {p95 * 1000:>8.0f} "
            f"{statistics.median(self.cpu) * 1000:>8.0f} {percentile(self.cpu, 0.95) * 1000:>8.0f} "
            f"{self.size / 1024:>6.0f}   {', '.join(verdict)}"
        )


def draft_of(agreement, user):
    """The lineage's draft after `agreement` (made by revising it if there is none): the
    staff pages are for changing one."""
    from agreements.models import Agreement
    from agreements.services import agreement_revise

    newest = (
        Agreement.objects.filter(lineage_id=agreement.lineage_id)
        .order_by("-version_number")
        .first()
    )
    return newest if not newest.is_published else agreement_revise(agreement=newest, user=user)


def page(client, name: str, agreement, path: str, requests: int) -> PageMeasurement:
    """One staff page (`agreement` None: one whose content does not depend on it): queries
    of one request (after a warm one), then `requests` timed."""
    from django.db import connection

    client.get(path)
    queries = []  # counted as they run: a request empties connection.queries when it starts
    with connection.execute_wrapper(lambda execute, *args: queries.append(1) or execute(*args)):
        client.get(path)
    seconds, cpu = [], []
    for _ in range(requests):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(path)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
    return PageMeasurement(
        name,
        agreement.lineage.slug if agreement is not None else "–",
        len(queries),
        seconds,
        cpu,
        len(response.content),
    )


HISTORY_SAVES = 20


def saved_many_times(draft, user) -> None:
    """HISTORY_SAVES saves of one commitment on the draft, committed: its history page then
    has as many revisions to show."""
    from agreements.models import Agreement
    from agreements.services import agreement_part_apply

    for number in range(HISTORY_SAVES):

        def change(document, number=number):
            document["commitments"][number % len(document["commitments"])]["text"] += " Ändrad."

        fresh = Agreement.objects.get(pk=draft.pk)
        agreement_part_apply(
            agreement=fresh,
            user=user,
            change=change,
            comment=f"Sparning {number + 1}.",
            opened_version=fresh.lock_version,
        )


def followup_of(agreement, user):
    """The agreement's follow-up of 2009 (the Norrbotten agreement's last year), started if
    there is none."""
    from followup.models import FollowUp
    from followup.services import followup_start

    existing = FollowUp.objects.filter(agreement=agreement, year=2009).first()
    return existing or followup_start(agreement=agreement, year=2009, user=user)


def staff_pages(published, draft, user) -> list[tuple[str, str]]:
    """(name, address) of every staff page of the issue for one agreement: the draft's head,
    parties, biggest party, common goals, copy (from the published version) and history
    pages; the published version's follow-up (head, biggest party, common goals) and the
    county's reception table."""
    from django.db.models import Count
    from django.urls import reverse

    def biggest(agreement):
        return (
            agreement.parties.annotate(commitment_count=Count("commitments"))
            .order_by("-commitment_count", "order")
            .first()
        )

    party = biggest(draft)
    followup = followup_of(published, user)
    followup_party = biggest(published)
    agreement_page = "admin:agreements_agreement_{}"
    return [
        ("head page", reverse(agreement_page.format("change"), args=[draft.pk])),
        ("parties page", reverse(agreement_page.format("parties"), args=[draft.pk])),
        (
            f"party page ({party.commitment_count})",
            reverse(agreement_page.format("party"), args=[draft.pk, party.pk]),
        ),
        ("common goals page", reverse(agreement_page.format("common_goals"), args=[draft.pk])),
        (
            "copy page",
            reverse(agreement_page.format("commitment_copy"), args=[draft.pk, party.pk])
            + f"?q=a&kalla={published.pk}",
        ),
        (
            f"history ({HISTORY_SAVES} saves)",
            reverse(agreement_page.format("history"), args=[draft.pk]),
        ),
        ("follow-up head", reverse("admin:followup_followup_change", args=[followup.pk])),
        (
            f"follow-up party ({followup_party.commitment_count})",
            reverse("admin:followup_followup_party", args=[followup.pk, followup_party.pk]),
        ),
        (
            "follow-up goals",
            reverse("admin:followup_followup_common_goals", args=[followup.pk]),
        ),
        (
            "reception table",
            reverse("admin:followup_receptionfigure_county")
            + f"?agreement={published.pk}&year=2010",
        ),
    ]


# Staff pages that are the same whatever the agreement's size.
COMMON_PAGES = (
    ("start page", "admin:index"),
    ("follow-up start", "admin:followup_followup_start"),
    ("follow-ups missing", "admin:followup_followup_missing"),
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40, help="per staff page")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    arguments = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    os.environ.setdefault("BENCH_DATABASE", "samverkansregistret_benchmark_admin")
    import django

    django.setup()
    from django.core.management import call_command

    from benchmarks.public_pages import create_database, drop_database

    created = create_database()
    try:
        if created:
            call_command("setup_registry", verbosity=0)
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.urls import reverse

        from agreements.models import Agreement

        user = norrbotten_staff(get_user_model())
        norrbotten = (
            Agreement.objects.published()
            .filter(lineage__slug="norrbotten-rok")
            .order_by("-version_number")
            .first()
        )
        synthetic = synthetic_agreement(user)
        print(f"load average before: {loadavg()}")
        print(
            f"{'measurement':<22} {'agreement':<16} {'queries':>7} {'p50 ms':>8} {'max ms':>8} "
            f"{'cpu ms':>8}"
        )
        for measure in MEASUREMENTS:
            for agreement in (norrbotten, synthetic):
                print(measure(agreement, user, arguments.rounds).line(), flush=True)
        print(f"load average: {loadavg()}")
        client = Client()
        client.force_login(user)
        pages = {}
        for agreement in (norrbotten, synthetic):
            draft = draft_of(agreement, user)
            saved_many_times(draft, user)
            pages[agreement] = staff_pages(agreement, draft, user)
        print(
            f"{'staff page':<22} {'agreement':<16} {'queries':>7} {'p50 ms':>8} "
            f"{'p95 ms':>8} {'cpu p50':>8} {'cpu p95':>8} {'KB':>6}   load"
        )
        for name, url in COMMON_PAGES:
            measured = page(client, name, None, reverse(url), arguments.requests)
            print(f"{measured.line()}   {loadavg()}", flush=True)
        for agreement, addresses in pages.items():
            for name, path in addresses:
                measured = page(client, name, agreement, path, arguments.requests)
                print(f"{measured.line()}   {loadavg()}", flush=True)
        print(f"load average after: {loadavg()}")
    finally:
        if not arguments.keep:
            drop_database()


if __name__ == "__main__":
    main()
