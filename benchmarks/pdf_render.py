"""How long an agreement PDF takes: the Norrbotten agreement cold and cached, and a synthetic
agreement of about 40 pages. Prints the figures; changes nothing (the synthetic agreement is
rolled back).

    make setup                       # once: database with the example agreements
    make bench-pdf                   # or: .venv/bin/python -m benchmarks.pdf_render [--runs 7]

"Cold" is a request whose PDF is not in the cache, in a process that has rendered before;
"first in process" also pays for loading WeasyPrint's fonts and Pango once. A cold request is
split into WeasyPrint's layout (parsing the HTML, styles, pagination), its writing of the PDF
(drawing, fonts, compression) and the rest (queries, the HTML and JSON, the cache). "Cached" is
the whole request (one query, cache lookups) when the PDF is in the cache. Wall time is what a
visitor waits; CPU time is this process's own work (steadier on a busy machine, but not immune:
on two shared cores, a load average above 2 slows it too). The load average is printed before
and after.
"""

import argparse
import datetime
import functools
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

import weasyprint  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from actors.models import County, Organisation, OrganisationKind  # noqa: E402
from agreements.models import (  # noqa: E402
    Agreement,
    AgreementLineage,
    AgreementSection,
    Goal,
    Level,
    Party,
    Publication,
)
from commitments.models import Commitment, Theme  # noqa: E402

VOCABULARY = """
    samverkan nyanlända etablering arbetsmarknad språkträning samhällsorientering boende
    hälsa skola förskola praktik validering kommunen länsstyrelsen arbetsförmedlingen
    regionen föreningar uppföljning ansvar insatser kvinnor män barn unga familjer
    introduktion utbildning vuxenutbildning sfi mottagande planering kartläggning
    kompetens studier arbete företag civilsamhälle möten information överenskommelse
"""
WORDS = VOCABULARY.split()


def text(words: int, seed: int) -> str:
    picked = [WORDS[(seed * 7 + i * 13) % len(WORDS)] for i in range(words)]
    sentences = [" ".join(picked[i : i + 12]).capitalize() + "." for i in range(0, words, 12)]
    return " ".join(sentences)


def synthetic_agreement() -> Agreement:
    county = County.objects.get(code="25")
    lineage = AgreementLineage.objects.create(slug="benchmark-40-sidor")
    agreement = Agreement.objects.create(
        lineage=lineage,
        title="Syntetisk överenskommelse om samverkan för nyanländas etablering (40 sidor)",
        alias="Benchmark",
        level=Level.REGIONAL,
        county=county,
        publication=Publication.PUBLISHED,
        published_at=timezone.now(),
        valid_from=datetime.date(2024, 1, 1),
        background="\n\n".join(text(90, n) for n in range(4)),
        purpose="\n\n".join(text(80, n) for n in range(4, 7)),
        target_group=text(70, 8),
        organisation="\n\n".join(text(90, n) for n in range(9, 12)),
        followup_routine=text(90, 12),
        revision_routine=text(60, 13),
    )
    agreement.themes.set(Theme.objects.all()[:6])
    themes = list(Theme.objects.all()[:12])
    for p in range(10):
        organisation = Organisation.objects.create(
            name=f"Syntetisk part {p + 1}, Norrbotten",
            slug=f"benchmark-part-{p + 1}",
            kind=OrganisationKind.OTHER,
        )
        party = Party.objects.create(
            agreement=agreement,
            organisation=organisation,
            signatory_name=f"Åsa Öberg {p + 1}",
            signatory_title="Förvaltningschef",
            order=p,
        )
        for c in range(13):
            commitment = Commitment.objects.create(
                agreement=agreement,
                party=party,
                heading=f"Område {c // 4 + 1}",
                text=text(70, p * 20 + c),
                order=c,
            )
            commitment.themes.set(themes[c % 12 : c % 12 + 2])
    for g in range(12):
        Goal.objects.create(
            agreement=agreement,
            text=text(20, g),
            indicator="Andel i arbete eller studier",
            unit="%",
            baseline_value=30 + g,
            baseline_year=2023,
            target_value=45 + g,
            target_year=2026,
            order=g,
        )
    for s in range(5):
        AgreementSection.objects.create(
            agreement=agreement, heading=f"Bilaga {s + 1}", text=text(200, 50 + s), order=s
        )
    return agreement


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


class PhaseTimer:
    """Wall time spent in WeasyPrint's layout (`HTML.render`) and in writing the PDF
    (`Document.write_pdf`) while it is installed."""

    def __init__(self):
        self.layout = 0.0
        self.write = 0.0

    def _wrap(self, function, phase):
        @functools.wraps(function)
        def timed_phase(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                setattr(self, phase, getattr(self, phase) + time.perf_counter() - start)

        return timed_phase

    def __enter__(self):
        self._originals = (weasyprint.HTML.render, weasyprint.Document.write_pdf)
        weasyprint.HTML.render = self._wrap(weasyprint.HTML.render, "layout")
        weasyprint.Document.write_pdf = self._wrap(weasyprint.Document.write_pdf, "write")
        return self

    def __exit__(self, *exc):
        weasyprint.HTML.render, weasyprint.Document.write_pdf = self._originals


def measure(client: Client, url: str, runs: int) -> dict:
    cache = caches["pdf"]
    cold, cached, phases = [], [], []
    content = b""
    for _ in range(runs):
        cache.clear()
        with PhaseTimer() as phase:
            response, wall, cpu = timed(lambda: client.get(url))
        assert response.status_code == 200, response.status_code
        content = response.content
        cold.append((wall, cpu))
        phases.append((phase.layout, phase.write, wall - phase.layout - phase.write))
        for _ in range(5):
            response, wall, cpu = timed(lambda: client.get(url))
            assert response.content == content
            cached.append((wall, cpu))
    return {
        "cold": cold,
        "phases": phases,
        "cached": cached,
        "pages": len(PdfReader(io.BytesIO(content)).pages),
        "bytes": len(content),
    }


def median_ms(samples, index):
    return statistics.median(sample[index] for sample in samples) * 1000


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def report(label: str, result: dict, first=None) -> None:
    print(f"{label}: {result['pages']} sidor, {result['bytes'] / 1024:.0f} kB")
    if first:
        wall, cpu = first[0] * 1000, first[1] * 1000
        print(f"  första i processen  {wall:7.0f} ms vägg  {cpu:7.0f} ms cpu")
    print(
        f"  kall (median av {len(result['cold'])})  {median_ms(result['cold'], 0):7.0f} ms vägg"
        f"  {median_ms(result['cold'], 1):7.0f} ms cpu"
        f"   (bästa {min(s[0] for s in result['cold']) * 1000:.0f} ms)"
    )
    phases = result["phases"]
    print(
        f"    varav layout {median_ms(phases, 0):5.0f} ms,"
        f" skriva PDF {median_ms(phases, 1):5.0f} ms,"
        f" övrigt (frågor, HTML, JSON, cache) {median_ms(phases, 2):4.0f} ms  (medianer, vägg)"
    )
    cached = result["cached"]
    print(
        f"  cachad (median av {len(cached)}) {median_ms(cached, 0):6.1f} ms vägg"
        f"  {median_ms(cached, 1):6.1f} ms cpu   (sämsta {max(s[0] for s in cached) * 1000:.1f} ms)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="kalla renderingar per dokument")
    args = parser.parse_args()
    if not Agreement.objects.filter(lineage__slug="norrbotten-rok").exists():
        sys.exit("Norrbottens överenskommelse saknas: kör `make setup` först.")
    print(f"Belastning före (/proc/loadavg): {loadavg()} på {os.cpu_count()} kärnor")
    with (
        tempfile.TemporaryDirectory() as directory,
        override_settings(
            CACHES={
                "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
                "pdf": {
                    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                    "LOCATION": directory,
                },
            },
            ALLOWED_HOSTS=["testserver"],
            EXPENSIVE_RATE="100000000/min",  # measure the rendering, not the throttle
        ),
    ):
        client = Client()
        url = reverse("agreements:pdf", kwargs={"slug": "norrbotten-rok"})
        _, first_wall, first_cpu = timed(lambda: client.get(url))
        result = measure(client, url, args.runs)
        report("Norrbotten (norrbotten-rok)", result, (first_wall, first_cpu))
        with transaction.atomic():
            agreement = synthetic_agreement()
            url = reverse("agreements:pdf", kwargs={"slug": agreement.lineage.slug})
            report("Syntetisk överenskommelse", measure(client, url, max(2, args.runs // 2)))
            transaction.set_rollback(True)
    print(f"Belastning efter (/proc/loadavg): {loadavg()}")
    print("Mål: Norrbotten kall under 500 ms, cachad under 50 ms.")


if __name__ == "__main__":
    main()
