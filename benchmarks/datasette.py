"""The public catalogue beside Datasette on the same rows and the same questions, over HTTP.

    make bench-datasette            # or: .venv/bin/python -m benchmarks.datasette
    python -m benchmarks.datasette --requests 10    # reuses a database kept by public_pages --keep

The registry's side is the benchmark database of benchmarks/public_pages.py (BENCH_DATABASE:
20,000 synthetic agreements with ten commitments each). A database that is not there is
created, filled and dropped at the end (--keep keeps it); one that is there (kept by an
earlier run) is reused and left. The registry is served by gunicorn as in production
(DJANGO_DEBUG=0, 2 workers: the two cores; benchmarks/load.py starts it).

Datasette's side is what the catalogue lists, exported from that database by the registry's
own rules (`Agreement.objects.latest_published()`, the status of `with_status()` today,
`signing_year()`, a former county under today's, and each version's CatalogueEntry: its facet
lists and the written text that snippets are cut from), written as newline-delimited JSON that
sqlite-utils loads into var/bench-datasette/katalog.db, as a Datasette user would publish it:
a table `overenskommelser` with one row per agreement, the scalar facets as indexed columns
(level, county, status, signing year, good example; the title indexed too), the facets over
lists (municipalities, organisation kinds, organisations, themes, target groups) as JSON
arrays for `_facet_array`; and a table `overenskommelser_text` (title, written text, and the
names of the county, municipalities, parties, themes and target groups) with an FTS5 index
(sqlite-utils' default tokenizer, unicode61), which Datasette's metadata (`fts_table`,
`fts_pk`) makes the first table's search. The text is kept out of the faceted table because
Datasette 0.65 counts an array facet over `SELECT DISTINCT j.value, inner.*` of the matching
rows: with a few KB of text in every row, each array facet took 15–25 s at 19,000 rows instead
of about 1 s. Datasette (pinned in PINS) is installed with sqlite-utils into a venv of its own,
var/bench-datasette-venv, never into the registry's, and serves the file immutable (`-i`, as
`datasette publish` does) on uvicorn: one process with its default 3 SQL threads.

Each row of the output asks both servers the same question, one request at a time,
alternating between them (and which goes first), after a warm-up of both:

- browse with facet counts: /overenskommelser/ beside the table page with every facet of the
  catalogue (AgreementFilterSet.FACETS: Datasette can count all ten), and again with three
  scalar facets (county, status, signing year);
- full-text search "praktik" with the same facets, and search with a county (four in turn);
- one agreement: the registry's page beside Datasette's row page (50 agreements in turn);
- the JSON list of 20: /api/v1/agreements/?page_size=20 beside the table's
  .json?_size=20&_shape=objects (no facets, as the API has none; both in id order, so the
  same 20 rows).

Printed per row: p50 and p95 in ms, requests a second (the requests over the time spent on that
server's answers: with one at a time, the inverse of the mean), the size of an answer in KB, the
ratio registry/Datasette of p50 and of p95, and /proc/loadavg; then how many rows each side
finds for the first address of each list, so that a difference in what is found shows.

What is comparable and what is not:

- The same rows (the newest published version of each agreement), filters and page size (20),
  both ordered by title when there are no search words.
- Datasette's search is FTS5 with the words quoted (`escape_fts`): whole words, no stemming, no
  compounds or prefixes, no synonyms, no spelling fallback, no ranking (the table page orders by
  the column asked for, here the title) and no snippets. The registry stems (hunspell-sv,
  snowball), matches long words as prefixes, adds synonyms, ranks with ts_rank and cuts a
  snippet for each card.
- Facet counts: the registry counts each facet with every other filter applied (under a chosen
  county it still counts the other counties) and returns every value; Datasette counts over the
  filtered rows and returns the 30 most frequent values of each (`default_facet_size`; the
  GROUP BY reads every row all the same). The three-facet rows ask Datasette for fewer facets
  than the registry's page counts (ten).
- Datasette runs with its time limits raised (`sql_time_limit_ms`, `facet_time_limit_ms`) so
  that it answers every facet instead of leaving out those that take over 200 ms (the output
  says if one still timed out), and without suggested facets (`suggest_facets off`: work the
  registry's page does not do).
- The status is frozen at the export in Datasette; the registry computes it for today.
- The registry's agreement page shows the whole agreement (parties, commitments, goals,
  versions, related agreements, reception figures); Datasette's row page shows the exported
  row. The API's list and Datasette's JSON carry different fields: see the KB column.
- gunicorn runs two processes, Datasette one; with one request at a time that matters little.

Prints, does not assert. Figures for the README are taken on a quiet machine (load under 1.5).
"""

import argparse
import datetime
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "var" / "bench-datasette-venv"
FILES = ROOT / "var" / "bench-datasette"
PINS = ["datasette==0.65.5", "sqlite-utils==3.38"]
DATABASE = "katalog"  # the file's name, and so Datasette's path
TABLE = "overenskommelser"
SEARCH = "praktik"
# The column Datasette counts each of the catalogue's facets (AgreementFilterSet.FACETS) by.
COLUMNS = {
    "level": "level",
    "county": "county",
    "municipality": "municipalities",
    "organisation_kind": "organisation_kinds",
    "organisation": "organisations",
    "theme": "themes",
    "target_group": "target_groups",
    "status": "status",
    "year": "signing_year",
    "good_example": "is_good_example",
}
SCALAR_FACETS = ("county", "status", "year")
# The searched text, in a table of its own (see the docstring): the title, the written text and
# the names of the county and of these lists.
TEXT_TABLE = "overenskommelser_text"
NAMES = ("municipalities", "organisations", "themes", "target_groups")
INDEXED = ("title", "level", "county", "status", "signing_year", "is_good_example")
DATASETTE_SETTINGS = {
    "sql_time_limit_ms": "60000",
    "facet_time_limit_ms": "60000",
    "suggest_facets": "off",
}


def datasette_venv() -> Path:
    """The venv with the pinned Datasette and sqlite-utils, made or brought up to the pins."""
    marker = VENV / "pins.txt"
    if not marker.exists() or marker.read_text().split() != PINS:
        print(f"Installerar {' '.join(PINS)} i {VENV.relative_to(ROOT)} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", *PINS], check=True
        )
        marker.write_text("\n".join(PINS) + "\n")
    return VENV / "bin"


def catalogue_rows():
    """What the catalogue lists, a dict per agreement with names for ids: the newest published
    version of each agreement, its status today."""
    from actors.boundaries import todays_county_ids
    from actors.models import County, Municipality, Organisation, OrganisationKind
    from agreements.models import Agreement, LegalStatus, Level, signing_year
    from commitments.models import TargetGroup, Theme

    todays = todays_county_ids()
    counties = dict(County.all_objects.values_list("pk", "name"))
    municipalities = dict(Municipality.objects.values_list("pk", "name"))
    organisations = dict(Organisation.objects.values_list("pk", "name"))
    themes = dict(Theme.objects.values_list("pk", "name"))
    groups = dict(TargetGroup.objects.values_list("pk", "name"))
    kinds, levels, statuses = (
        dict(OrganisationKind.choices),
        dict(Level.choices),
        dict(LegalStatus.choices),
    )
    columns = (
        "pk",
        "lineage__slug",
        "title",
        "version_number",
        "level",
        "county_id",
        "legal_status",
        "signed_year",
        "is_good_example",
        "signed_on",
        "valid_from",
        "valid_until",
        "catalogue_entry__search_text",
        "catalogue_entry__facet_municipalities",
        "catalogue_entry__facet_organisation_kinds",
        "catalogue_entry__facet_organisations",
        "catalogue_entry__facet_themes",
        "catalogue_entry__facet_target_groups",
    )
    query = (
        Agreement.objects.latest_published()
        .with_status()
        .annotate(signed_year=signing_year())
        .order_by("pk")
        .values_list(*columns)
    )
    for row in query.iterator(chunk_size=2000):
        (pk, slug, title, version, level, county_id, status, year, good, signed, start, end) = row[
            :12
        ]
        text, in_municipalities, in_kinds, in_organisations, in_themes, in_groups = row[12:]
        yield {
            "id": pk,
            "slug": slug,
            "title": title,
            "version_number": version,
            "level": levels[level],
            "county": counties[todays.get(county_id, county_id)] if county_id else None,
            "municipalities": [municipalities[pk] for pk in in_municipalities or []],
            "organisation_kinds": [kinds[kind] for kind in in_kinds or []],
            "organisations": [organisations[pk] for pk in in_organisations or []],
            "themes": [themes[pk] for pk in in_themes or []],
            "target_groups": [groups[pk] for pk in in_groups or []],
            "status": statuses[status],
            "signing_year": year,
            "is_good_example": int(good),
            "signed_on": signed and signed.isoformat(),
            "valid_from": start and start.isoformat(),
            "valid_until": end and end.isoformat(),
            "text": text or "",
        }


def catalogue_export(bin_dir: Path) -> Path:
    """The catalogue as a SQLite file for Datasette, made anew from the database each run: the
    faceted table, and the searched text in a table of its own with the FTS5 index."""
    FILES.mkdir(parents=True, exist_ok=True)
    database = FILES / f"{DATABASE}.db"
    database.unlink(missing_ok=True)
    lines, texts = FILES / f"{TABLE}.jsonl", FILES / f"{TEXT_TABLE}.jsonl"
    with lines.open("w") as rows_file, texts.open("w") as texts_file:
        for row in catalogue_rows():
            names = [row["county"] or "", *(name for column in NAMES for name in row[column])]
            text = {"id": row["id"], "title": row["title"], "text": row.pop("text")}
            text["names"] = ", ".join(name for name in names if name)
            rows_file.write(json.dumps(row, ensure_ascii=False) + "\n")
            texts_file.write(json.dumps(text, ensure_ascii=False) + "\n")
    sqlite_utils = str(bin_dir / "sqlite-utils")
    for command in (
        ["insert", database, TABLE, lines, "--nl", "--pk", "id"],
        ["insert", database, TEXT_TABLE, texts, "--nl", "--pk", "id"],
        ["enable-fts", database, TEXT_TABLE, "title", "text", "names", "--fts5"],
        *(["create-index", database, TABLE, column] for column in INDEXED),
        ["analyze", database],
    ):
        subprocess.run([sqlite_utils, *map(str, command)], check=True, stdout=subprocess.DEVNULL)
    lines.unlink()
    texts.unlink()
    return database


def datasette_serve(bin_dir: Path, database: Path, port: int, log: Path) -> subprocess.Popen:
    from benchmarks.load import HOST, fetch

    settings = [part for item in DATASETTE_SETTINGS.items() for part in ("--setting", *item)]
    # The faceted table is searched through the text table's index (Datasette's metadata).
    search = {"fts_table": f"{TEXT_TABLE}_fts", "fts_pk": "id"}
    metadata = database.with_suffix(".json")
    metadata.write_text(json.dumps({"databases": {DATABASE: {"tables": {TABLE: search}}}}))
    server = subprocess.Popen(
        [
            *(str(bin_dir / "datasette"), "serve", "-i", str(database)),
            *("--metadata", str(metadata), "--host", HOST, "--port", str(port), *settings),
        ],
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if fetch(port, "/-/versions.json")[0] == 200:
            return server
        if server.poll() is not None:
            break
        time.sleep(0.3)
    raise SystemExit(f"Datasette svarade inte; se {log}")


def get(port: int, path: str) -> tuple[int, float, bytes]:
    """(status, seconds, body) of one request on a new connection, as benchmarks.load.fetch."""
    import http.client

    from benchmarks.load import HOST

    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        connection.request("GET", path, headers={"Host": HOST})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return response.status, time.perf_counter() - started, body


def table_path(*, facets=(), json_list: bool = False, **filters) -> str:
    """Datasette's table page (or its JSON) with the registry's facets and filters."""
    from agreements.catalogue_index import MULTIPLE

    params = [("_facet_array" if f in MULTIPLE else "_facet", COLUMNS[f]) for f in facets]
    params += list(filters.items())
    if json_list:
        params += [("_size", "20"), ("_shape", "objects")]
        return f"/{DATABASE}/{TABLE}.json?{urlencode(params)}"
    params += [("_size", "20"), ("_sort", "title")]
    return f"/{DATABASE}/{TABLE}?{urlencode(params)}"


def scenarios() -> list[tuple[str, list[str], list[str]]]:
    """(name, the registry's addresses, Datasette's): the same questions in the same order."""
    from actors.models import County
    from agreements.filters import AgreementFilterSet
    from agreements.models import Agreement

    rng = random.Random(16)
    counties = rng.sample(list(County.objects.values_list("slug", "name")), 4)
    agreements = list(
        Agreement.objects.latest_published()
        .filter(lineage__slug__startswith="syntetisk-")
        .order_by("?")
        .values_list("pk", "lineage__slug")[:50]
    )
    every, scalar = AgreementFilterSet.FACETS, SCALAR_FACETS
    search = [f"/overenskommelser/?{urlencode({'q': SEARCH})}"]
    in_county = [
        f"/overenskommelser/?{urlencode({'q': SEARCH, 'county': slug})}" for slug, _ in counties
    ]
    labels = {every: f"{len(every)} facetter", scalar: "3 skalära facetter"}
    rows = [
        (f"bläddra, {labels[f]}", ["/overenskommelser/"], [table_path(facets=f)]) for f in labels
    ]
    rows += [
        (f'sökning "{SEARCH}", {labels[f]}', search, [table_path(facets=f, _search=SEARCH)])
        for f in labels
    ]
    rows += [
        (
            f"sökning + län, {labels[f]}",
            in_county,
            [table_path(facets=f, _search=SEARCH, county=name) for _, name in counties],
        )
        for f in labels
    ]
    rows += [
        (
            "en överenskommelse / radsida",
            [f"/overenskommelser/{quote(slug)}/" for _, slug in agreements],
            [f"/{DATABASE}/{TABLE}/{pk}" for pk, _ in agreements],
        ),
        (
            "JSON-lista, 20",
            ["/api/v1/agreements/?page_size=20"],
            [table_path(json_list=True)],
        ),
    ]
    return rows


def found_rows(registry_port, registry_path, datasette_port, datasette_path) -> tuple:
    """The rows each side finds for an address (None for a page of one agreement), and the
    facets Datasette left out because they took too long."""
    from django.http import QueryDict

    from agreements.selectors import catalogue_search

    if f"/{TABLE}/" in datasette_path:
        return None, None, []
    if registry_path.startswith("/api/"):
        registry = json.loads(get(registry_port, registry_path)[2])["count"]
    else:
        registry = catalogue_search(params=QueryDict(registry_path.partition("?")[2])).count
    path = datasette_path.replace(f"/{TABLE}?", f"/{TABLE}.json?", 1)
    status, _seconds, body = get(datasette_port, path)
    if status != 200:
        raise SystemExit(f"Datasette {path}: HTTP {status}")
    answer = json.loads(body)
    return registry, answer["filtered_table_rows_count"], answer.get("facets_timed_out", [])


def side_by_side(registry_port: int, datasette_port: int, registry: list, datasette: list, rounds):
    """Times (ms) and the last answer's size (bytes) of each server, the requests alternating
    between them, the first one alternating too."""
    for index in range(4):  # both gunicorn workers build their catalogue index
        for port, paths in ((registry_port, registry), (datasette_port, datasette)):
            get(port, paths[index % len(paths)])
    times = {registry_port: [], datasette_port: []}
    sizes = {}
    for index in range(rounds):
        order = [(registry_port, registry), (datasette_port, datasette)]
        for port, paths in order if index % 2 == 0 else reversed(order):
            path = paths[index % len(paths)]
            status, seconds, body = get(port, path)
            if status != 200:
                raise SystemExit(f"{path}: HTTP {status} (port {port})")
            times[port].append(seconds * 1000)
            sizes[port] = len(body)
    return times[registry_port], times[datasette_port], sizes[registry_port], sizes[datasette_port]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=20_000)
    parser.add_argument("--commitments", type=int, default=10)
    parser.add_argument("--requests", type=int, default=60, help="per server and question")
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark database this run creates"
    )
    parser.add_argument("--port", type=int, default=8130, help="gunicorn; Datasette: +1")
    arguments = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    import django

    django.setup()
    from django.db import connections

    from benchmarks.load import gunicorn
    from benchmarks.public_pages import (
        benchmark_database_fill,
        create_database,
        database_url,
        drop_database,
        loadavg,
        percentile,
    )

    bin_dir = datasette_venv()
    fresh = create_database()
    directory = Path(tempfile.mkdtemp(prefix="samverkansregistret-datasette-"))
    servers = []
    try:
        benchmark_database_fill(
            fresh=fresh,
            agreements=arguments.agreements,
            commitments=arguments.commitments,
            rng=random.Random(4),
        )
        started = time.perf_counter()
        database = catalogue_export(bin_dir)
        exported = time.perf_counter() - started
        rows = scenarios()
        connections.close_all()
        registry_port, datasette_port = arguments.port, arguments.port + 1
        servers.append(gunicorn(directory, database_url(), registry_port, workers=2))
        servers.append(
            datasette_serve(bin_dir, database, datasette_port, directory / "datasette.log")
        )
        versions = json.loads(get(datasette_port, "/-/versions.json")[2])
        count = json.loads(get(datasette_port, f"/{DATABASE}/{TABLE}.json?_size=0")[2])
        print(
            f"\n{count['filtered_table_rows_count']} överenskommelser (nyaste publicerade "
            f"versionen) exporterade till {database.relative_to(ROOT)} på {exported:.1f} s "
            f"({database.stat().st_size / 1e6:.0f} MB)"
        )
        print(
            f"Registret: gunicorn, 2 arbetsprocesser, DJANGO_DEBUG=0, 127.0.0.1:{registry_port}. "
            f"Datasette {versions['datasette']['version']} (SQLite "
            f"{versions['sqlite']['version']}, uvicorn, -i), 127.0.0.1:{datasette_port}, "
            + ", ".join(f"{k} {v}" for k, v in DATASETTE_SETTINGS.items())
            + "."
        )
        print(
            f"{arguments.requests} anrop per server och fråga, varannat till varje server; "
            f"{datetime.date.today()}, {os.cpu_count()} kärnor, belastning före {loadavg()}\n"
        )
        print(
            f"{'':40} {'registret':>28}   {'Datasette':>28}   {'registret/Datasette':>19}\n"
            f"{'fråga':40} {'p50':>6} {'p95':>6} {'anrop/s':>8} {'KB':>5}   "
            f"{'p50':>6} {'p95':>6} {'anrop/s':>8} {'KB':>5}   {'p50':>9} {'p95':>9}   loadavg"
        )
        found = []
        for name, registry, datasette in rows:
            found.append(
                (name, *found_rows(registry_port, registry[0], datasette_port, datasette[0]))
            )
            ours, theirs, our_size, their_size = side_by_side(
                registry_port, datasette_port, registry, datasette, arguments.requests
            )
            cells = [
                f"{statistics.median(times):6.0f} {percentile(times, 0.95):6.0f} "
                f"{1000 * len(times) / sum(times):8.1f} {size / 1000:5.0f}"
                for times, size in ((ours, our_size), (theirs, their_size))
            ]
            print(
                f"{name:40} {cells[0]}   {cells[1]}   "
                f"{statistics.median(ours) / statistics.median(theirs):9.2f} "
                f"{percentile(ours, 0.95) / percentile(theirs, 0.95):9.2f}   {loadavg()}",
                flush=True,
            )
        print("\nRader som var sida hittar (första adressen):")
        for name, ours, theirs, timed_out in found:
            if theirs is None:
                continue
            line = f"  {name:40} registret {ours:>6}, Datasette {theirs:>6}"
            if timed_out:
                line += f"; Datasette hoppade över facetterna {', '.join(timed_out)} (tidsgräns)"
            print(line)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(directory, ignore_errors=True)
        if fresh and not arguments.keep:
            drop_database()
            print("Benchmarkdatabasen är borttagen.", file=sys.stderr)


if __name__ == "__main__":
    main()
