"""Times of the public pages on a synthetic registry of 20,000 agreements with ten
commitments each: catalogue browse, search with and without filters (words asked again, and
words asked for the first time), filters chosen for the first time, the agreement page, the
county page and the API's JSON list.

    make bench                      # or: .venv/bin/python -m benchmarks.public_pages
    python -m benchmarks.public_pages --agreements 2000 --requests 30 --keep
    python -m benchmarks.public_pages --agreements 200000 --keep    # the issue's large size

The data goes into a throwaway database (benchmarks/settings.py) on the same PostgreSQL server
(the embedded one, or DATABASE_URL's), never into the development database. Up to 20,000
agreements are written by `seed()` through the ORM, their search documents and catalogue
entries by the registry's own `agreement_search_refresh` (10–15 minutes for 20,000 on a
2-core machine, most of it that refresh). Above that (a multiple of 10,000), `seed()` writes
10,000 and `copy_in_sql()` copies them in SQL until there are enough: new lineages and
slugs, titles with one more word (or a regional one's new number), the same texts, dates,
publication, parties, municipalities and themes. A copy's search document and catalogue
entry are the base row's with the title's part rewritten (`copy_derived_rows`), and
`check_derived_rows` compares 200 random ones with what `agreement_search_refresh` writes
for them, stopping the benchmark if one differs. Each step prints its time. Measured twice:
in-process with Django's test client (routing, views, queries, templates; no network), then
over HTTP from gunicorn as in production (DJANGO_DEBUG=0, 2 workers; benchmarks/load.py starts
it): p50/p95/p99 and requests a second at 1 client per page, search at 8 clients, and the time
from publishing a version to the catalogue listing it in every worker. Every figure is printed
with the load average. Targets (issue 16): p95 under 50 ms per page at 20,000 agreements and
1 client, under 100 ms at 200,000; at least 40 searches a second with p95 under 300 ms at 8
clients; a published change in the catalogue within 1 s.
"""

import argparse
import datetime
import http.client
import itertools
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

WORDS = [
    "samverkan",
    "nyanlända",
    "etablering",
    "arbete",
    "praktik",
    "sfi",
    "svenskundervisning",
    "samhällsorientering",
    "boende",
    "hälsa",
    "bostad",
    "utbildning",
    "validering",
    "mentorskap",
    "föreningsliv",
    "kommunen",
    "arbetsförmedlingen",
    "landstinget",
    "länsstyrelsen",
    "information",
    "kartläggning",
    "introduktion",
    "ensamkommande",
    "barn",
    "skola",
    "förskola",
    "vuxenutbildning",
    "studieförbund",
    "civilsamhälle",
    "arbetsgivare",
    "företagare",
    "jämställdhet",
    "familj",
    "uppföljning",
    "handlingsplan",
    "språkpraktik",
    "yrkesutbildning",
    "lärlingsplats",
    "hälsoundersökning",
    "tolk",
    "samordning",
    "kompetens",
]
SEARCHES = [
    "samhällsorientering",
    "praktik",
    "sfi",
    '"ensamkommande barn"',
    "boende -stockholm",
    "validering or mentorskap",
    "hälsoundersökning",
    "Norrboten",
    "Sodertalje",
    "arbetsgivare",
]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def create_database():
    from django.conf import settings

    from registry.database import embedded_start, uses_embedded

    if uses_embedded():  # started here, before this direct connection (settings start nothing)
        embedded_start(settings.DATABASES["default"])
    name = settings.DATABASES["default"]["NAME"]
    import psycopg
    from psycopg import sql

    params = {
        "dbname": "postgres",
        "user": settings.DATABASES["default"].get("USER") or None,
        "password": settings.DATABASES["default"].get("PASSWORD") or None,
        "host": settings.DATABASES["default"].get("HOST") or None,
        "port": settings.DATABASES["default"].get("PORT") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not exists.fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    return False


def drop_database():
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    name = settings.DATABASES["default"]["NAME"]
    import psycopg
    from psycopg import sql

    params = {
        "dbname": "postgres",
        "user": settings.DATABASES["default"].get("USER") or None,
        "password": settings.DATABASES["default"].get("PASSWORD") or None,
        "host": settings.DATABASES["default"].get("HOST") or None,
        "port": settings.DATABASES["default"].get("PORT") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def text(rng, words):
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def seed(total: int, commitments_each: int, rng: random.Random) -> None:
    """Bulk-inserts the synthetic registry; the search documents and catalogue entries are
    written at the end."""

    from django.db import transaction
    from django.utils import timezone

    from actors.models import County, Municipality, Organisation, OrganisationKind
    from agreements.models import Agreement, AgreementLineage, Goal, Level, Party, Publication
    from agreements.search import agreement_search_refresh
    from commitments.models import Commitment, TargetGroup, Theme

    municipalities = list(Municipality.objects.select_related("county"))
    counties = list(County.objects.all())
    municipality_orgs = {
        o.municipality_id: o
        for o in Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
    }
    national = list(Organisation.objects.filter(kind=OrganisationKind.NATIONAL_AGENCY))
    others = list(Organisation.objects.exclude(kind=OrganisationKind.MUNICIPALITY)[:200])
    themes = list(Theme.objects.all())
    groups = list(TargetGroup.objects.all())
    now = timezone.now()
    batch = 1000
    created = 0
    while created < total:
        size = min(batch, total - created)
        with transaction.atomic():
            lineages = AgreementLineage.objects.bulk_create(
                AgreementLineage(slug=f"syntetisk-{created + i}") for i in range(size)
            )
            agreements = []
            for i, lineage in enumerate(lineages):
                number = created + i
                municipality = rng.choice(municipalities)
                level = Level.REGIONAL if number % 50 == 0 else Level.LOCAL
                signed = datetime.date(rng.randint(2006, 2025), rng.randint(1, 12), 1)
                ends = signed.replace(year=signed.year + 4) if rng.random() < 0.3 else None
                agreements.append(
                    Agreement(
                        lineage=lineage,
                        title=(
                            f"Lokal överenskommelse om {rng.choice(WORDS)} i {municipality.name}"
                            if level == Level.LOCAL
                            else f"Regional överenskommelse {number} i {municipality.county.name}"
                        ),
                        level=level,
                        county=municipality.county,
                        purpose=text(rng, 40),
                        background=text(rng, 60),
                        organisation=text(rng, 30),
                        signed_on=signed,
                        valid_from=signed,
                        valid_until=ends,
                        publication=Publication.PUBLISHED
                        if rng.random() < 0.95
                        else Publication.DRAFT,
                        published_at=now,
                        is_good_example=rng.random() < 0.05,
                    )
                )
                agreements[-1]._municipality = municipality
            Agreement.objects.bulk_create(agreements)
            m2m = Agreement.municipalities.through
            m2m.objects.bulk_create(
                m2m(agreement_id=a.pk, municipality_id=a._municipality.pk)
                for a in agreements
                if a.level == Level.LOCAL
            )
            through = Agreement.themes.through
            through.objects.bulk_create(
                through(agreement_id=a.pk, theme_id=t.pk)
                for a in agreements
                for t in rng.sample(themes, 3)
            )
            through = Agreement.target_groups.through
            through.objects.bulk_create(
                through(agreement_id=a.pk, targetgroup_id=g.pk)
                for a in agreements
                for g in rng.sample(groups, 2)
            )
            parties = []
            for a in agreements:
                chosen = [municipality_orgs.get(a._municipality.pk), rng.choice(national)]
                chosen.append(rng.choice(others))
                unique = {o.pk: o for o in chosen if o is not None}
                parties += [
                    Party(agreement=a, organisation=o, order=n)
                    for n, o in enumerate(unique.values())
                ]
            Party.objects.bulk_create(parties)
            by_agreement = {}
            for party in parties:
                by_agreement.setdefault(party.agreement_id, []).append(party)
            Goal.objects.bulk_create(
                Goal(agreement=a, text=text(rng, 15), order=n) for a in agreements for n in range(2)
            )
            commitments = [
                Commitment(
                    agreement=a,
                    party=rng.choice(by_agreement[a.pk]),
                    heading=rng.choice(WORDS).capitalize(),
                    text=text(rng, 25),
                    order=n,
                )
                for a in agreements
                for n in range(commitments_each)
            ]
            Commitment.objects.bulk_create(commitments)
            through = Commitment.themes.through
            through.objects.bulk_create(
                through(commitment_id=c.pk, theme_id=rng.choice(themes).pk) for c in commitments
            )
            agreement_search_refresh(agreement_ids=[a.pk for a in agreements])
        created += size
        print(f"  {created} överenskommelser", file=sys.stderr)
    # Some agreements get a second, published version: the first is then superseded.
    revised = list(
        Agreement.objects.filter(lineage__slug__startswith="syntetisk-", publication="published")
        .order_by("pk")
        .values_list("pk", flat=True)[: total // 20]
    )
    with transaction.atomic():
        originals = list(Agreement.objects.filter(pk__in=revised))
        copies = []
        for original in originals:
            original.pk = None
            original._state.adding = True
            original.version_number = 2
            original.valid_from = datetime.date(2025, 1, 1)
            original.valid_until = None
            copies.append(original)
        Agreement.objects.bulk_create(copies)
        agreement_search_refresh(agreement_ids=[a.pk for a in copies])
    assert counties


# Above ORM_SEED_LIMIT agreements, seed() makes BASE_AGREEMENTS and copy_in_sql() copies them.
ORM_SEED_LIMIT = 20_000
BASE_AGREEMENTS = 10_000


def copied_models() -> list:
    """The tables seed() writes, parents before children (a commitment's and a goal's party
    is checked at once, not at the commit)."""
    from agreements.models import Agreement, AgreementLineage, Goal, Party
    from commitments.models import Commitment

    return [
        AgreementLineage,
        Agreement,
        Agreement.municipalities.through,
        Agreement.themes.through,
        Agreement.target_groups.through,
        Party,
        Goal,
        Commitment,
        Commitment.themes.through,
    ]


def highest_ids() -> dict:
    from django.db import connection

    highest = {}
    with connection.cursor() as cursor:
        for model in copied_models():
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {model._meta.db_table}")
            highest[model] = cursor.fetchone()[0]
    return highest


# A copy's title: one more word for a local agreement, its own number for a regional one.
COPY_TITLE = r"""CASE WHEN src.level = 'local'
  THEN regexp_replace(src.title, '^(Lokal överenskommelse om \S+) i ',
    '\1 och ' || (%(words)s::text[])[1 + ((substr(l.slug, 11)::int + k * %(base)s) * 7919)
                               %% cardinality(%(words)s::text[])] || ' i ')
  ELSE regexp_replace(src.title, '^Regional överenskommelse \d+',
    'Regional överenskommelse ' || (substr(l.slug, 11)::int + k * %(base)s))
  END"""


def copy_in_sql(before: dict, base: int, rounds: int) -> None:
    """Copies the base's rows (ids above `before`: what seed() wrote) rounds - 1 times in SQL.
    Copy k of row `id` is id + k × (the base's span of ids), its references to copied rows
    moved the same way. Lineage syntetisk-i becomes syntetisk-(i + k × base), its versions'
    title gets one more word ("… om praktik och sfi i Kiruna") or, regional, the new number,
    so that the title order and the trigram search see varied titles. Texts, dates,
    publication, parties, municipalities and themes are the base row's."""
    from django.db import connection, transaction

    from agreements.models import Agreement, AgreementLineage

    after = highest_ids()
    span = {model: after[model] - before[model] for model in after}
    overrides = {
        AgreementLineage: {"slug": "'syntetisk-' || (substr(src.slug, 11)::int + k * %(base)s)"},
        Agreement: {"title": COPY_TITLE},
    }
    joins = {Agreement: f"JOIN {AgreementLineage._meta.db_table} l ON l.id = src.lineage_id"}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            # Without the foreign keys' triggers: checked one row at a time at the commit (each
            # locking its referenced row), 6 million took minutes. Checked below in one pass.
            cursor.execute("SET LOCAL session_replication_role = replica")
        for model in copied_models():
            table = model._meta.db_table
            columns, values = [], []
            for field in model._meta.concrete_fields:
                value = overrides.get(model, {}).get(field.name, f"src.{field.column}")
                if field.primary_key:
                    value = f"src.{field.column} + k * {span[model]}"
                elif field.is_relation and field.related_model in span:
                    target = field.related_model
                    value = (
                        f"CASE WHEN src.{field.column} > {before[target]} "
                        f"THEN src.{field.column} + k * {span[target]} ELSE src.{field.column} END"
                    )
                columns.append(connection.ops.quote_name(field.column))
                values.append(value)
            started = time.perf_counter()
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(values)} FROM {table} src {joins.get(model, '')} "
                "CROSS JOIN generate_series(1, %(last)s) AS k WHERE src.id > %(before)s",
                {"base": base, "words": WORDS, "last": rounds - 1, "before": before[model]},
            )
            print(
                f"  {table}: {cursor.rowcount} rader på {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        copy_derived_rows(before[Agreement], span[Agreement], rounds)
        started = time.perf_counter()
        references_check(cursor, {model._meta.db_table: before[model] for model in before})
        print(f"  främmande nycklar: {time.perf_counter() - started:.0f} s", file=sys.stderr)


def references_check(cursor, tables: dict[str, int]) -> None:
    """Every foreign key of the rows above the given ids of these tables refers to a row that
    exists (what PostgreSQL's own triggers would check), as one anti-join per key."""
    cursor.execute(
        """
        SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text,
          ARRAY(SELECT attname FROM unnest(c.conkey) WITH ORDINALITY AS k(n, i)
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
          ARRAY(SELECT attname FROM unnest(c.confkey) WITH ORDINALITY AS k(n, i)
                JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)
        FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
        """,
        [list(tables)],
    )
    for name, table, referenced, columns, referenced_columns in cursor.fetchall():
        present = " AND ".join(f'c."{column}" IS NOT NULL' for column in columns)
        same = " AND ".join(
            f'r."{mine}" = c."{theirs}"'
            for mine, theirs in zip(referenced_columns, columns, strict=True)
        )
        cursor.execute(
            f"SELECT count(*) FROM {table} c WHERE c.id > %s AND {present} "
            f"AND NOT EXISTS (SELECT 1 FROM {referenced} r WHERE {same})",
            [tables[table]],
        )
        if missing := cursor.fetchone()[0]:
            raise SystemExit(f"{missing} rader i {table} bryter mot {name}.")


def copy_derived_rows(before: int, span: int, rounds: int) -> None:
    """The copies' search documents and catalogue entries, from the base's that
    agreement_search_refresh wrote: a copy differs from its base row only in its title.

    Its vector is the new title's words (weight A, as the refresh reads title and alias)
    followed by the base vector's other weights with their positions moved back by the base
    title's last position (tsvector || moves the right side by the left side's last
    position). Its catalogue entry has the base's snippet text and facets, and as search terms
    the new title folded followed by the base's terms after the title. check_derived_rows
    compares a sample with what agreement_search_refresh writes."""
    from django.db import connection

    from agreements.models import Agreement, CatalogueEntry, SearchDocument
    from agreements.search import _FOLD_FROM, _FOLD_TO, SEARCH_CONFIG

    agreements = Agreement._meta.db_table
    entries = CatalogueEntry._meta.db_table
    with connection.cursor() as cursor:
        started = time.perf_counter()
        # The base vector's weights B, C and D as they were before the title's words.
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE base_rest ON COMMIT DROP AS
            SELECT d.agreement_id, coalesce((
              SELECT string_agg(format('''%%s'':%%s',
                       replace(replace(u.lexeme, '\\', '\\\\'), '''', ''''''),
                       (SELECT string_agg((p.position - shift.position) || p.weight, ',')
                          FROM unnest(u.positions, u.weights) AS p(position, weight))), ' ')
                FROM unnest(ts_filter(d.vector, '{{b,c,d}}')) AS u), '')::tsvector AS rest
            FROM {SearchDocument._meta.db_table} d,
              LATERAL (SELECT coalesce(max(position), 0) AS position
                         FROM unnest(ts_filter(d.vector, '{{a}}')) AS u,
                              unnest(u.positions) AS position) AS shift
            WHERE d.agreement_id > %(before)s
            """,
            {"before": before},
        )
        cursor.execute(
            f"""
            INSERT INTO {SearchDocument._meta.db_table} (agreement_id, vector)
            SELECT copy.id,
              setweight(to_tsvector(%(config)s, concat_ws(' ', copy.title, copy.alias)), 'A')
              || r.rest
            FROM base_rest r CROSS JOIN generate_series(1, %(last)s) AS k
            JOIN {agreements} copy ON copy.id = r.agreement_id + k * %(span)s
            """,
            {"config": SEARCH_CONFIG, "last": rounds - 1, "span": span},
        )
        print(
            f"  sökdokument: {cursor.rowcount} på {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        started = time.perf_counter()
        facets = [
            field.column
            for field in CatalogueEntry._meta.concrete_fields
            if field.column.startswith("facet_")
        ]
        cursor.execute(
            f"""
            INSERT INTO {entries} (agreement_id, search_text, search_terms, {", ".join(facets)})
            SELECT copy.id, e.search_text,
              translate(lower(copy.title), %(fold_from)s, %(fold_to)s)
              || substr(e.search_terms, char_length(base.title) + 1),
              {", ".join(f"e.{facet}" for facet in facets)}
            FROM {entries} e JOIN {agreements} base ON base.id = e.agreement_id
            CROSS JOIN generate_series(1, %(last)s) AS k
            JOIN {agreements} copy ON copy.id = e.agreement_id + k * %(span)s
            WHERE e.agreement_id > %(before)s
            """,
            {
                "fold_from": _FOLD_FROM,
                "fold_to": _FOLD_TO,
                "last": rounds - 1,
                "span": span,
                "before": before,
            },
        )
        print(
            f"  katalogposter: {cursor.rowcount} på {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )


def check_derived_rows(sample: int, rng: random.Random) -> None:
    """Whether the search documents and catalogue entries of `sample` random synthetic
    agreements are what agreement_search_refresh writes for them: rewritten by it and compared
    in a transaction that is then rolled back."""
    from django.db import connection, transaction

    from agreements.models import Agreement, CatalogueEntry, SearchDocument
    from agreements.search import agreement_search_refresh

    ids = list(
        Agreement.objects.filter(lineage__slug__startswith="syntetisk-").values_list(
            "pk", flat=True
        )
    )
    chosen = sorted(rng.sample(ids, min(sample, len(ids))))
    columns = ", ".join(f"e.{field.column}" for field in CatalogueEntry._meta.concrete_fields)
    query = (
        f"SELECT d.vector::text, {columns} FROM {SearchDocument._meta.db_table} d "
        f"JOIN {CatalogueEntry._meta.db_table} e USING (agreement_id) "
        "WHERE d.agreement_id = ANY(%s) ORDER BY d.agreement_id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(query, [chosen])
        copied = cursor.fetchall()
        agreement_search_refresh(agreement_ids=chosen, catalogue=False)
        cursor.execute(query, [chosen])
        refreshed = cursor.fetchall()
        transaction.set_rollback(True)
    different = [(a, b) for a, b in zip(copied, refreshed, strict=True) if a != b]
    if len(copied) != len(chosen) or different:
        raise SystemExit(
            "Kopierade sökdokument eller katalogposter är inte vad agreement_search_refresh "
            f"skriver: {len(different)} av {len(chosen)}, till exempel {different[:1]}"
        )
    print(
        f"  {len(chosen)} slumpvisa sökdokument och katalogposter är vad "
        "agreement_search_refresh skriver",
        file=sys.stderr,
    )


def seed_large(total: int, commitments_each: int, rng: random.Random) -> None:
    """seed() of BASE_AGREEMENTS, copied in SQL up to `total` (a multiple of it)."""
    from django.db import connection

    from agreements.catalogue_index import catalogue_changed

    if total % BASE_AGREEMENTS:
        raise SystemExit(f"Över {ORM_SEED_LIMIT}: ett antal delbart med {BASE_AGREEMENTS}.")
    before = highest_ids()
    started = time.perf_counter()
    seed(BASE_AGREEMENTS, commitments_each, rng)
    print(f"  grunden på {time.perf_counter() - started:.0f} s", file=sys.stderr)
    started = time.perf_counter()
    copy_in_sql(before, BASE_AGREEMENTS, total // BASE_AGREEMENTS)
    print(f"  kopiorna på {time.perf_counter() - started:.0f} s", file=sys.stderr)
    catalogue_changed()
    # Statistics of twenty times the rows: planned on the base's, the check's refresh scanned
    # every commitment once per agreement.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    check_derived_rows(200, rng)


def loadavg() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def database_url() -> str:
    """The benchmark database as a URL for gunicorn (a socket directory percent-encoded)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    password = database.get("PASSWORD")
    credentials = quote(database.get("USER") or "postgres") + (
        f":{quote(password)}" if password else ""
    )
    host = quote(database.get("HOST") or "127.0.0.1", safe="")
    return f"postgres://{credentials}@{host}:{database.get('PORT') or 5432}/{database['NAME']}"


def measure_http(port: int, paths: list[str], rounds: int) -> tuple[list[float], float]:
    """Times in ms of `rounds` requests one after the other, and requests a second."""
    from benchmarks.load import fetch

    for path in paths[:3] * 2:  # warm up both workers
        fetch(port, path)
    times = []
    started = time.perf_counter()
    for index in range(rounds):
        path = paths[index % len(paths)]
        status, seconds = fetch(port, path)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status} över HTTP")
        times.append(seconds * 1000)
    return times, rounds / (time.perf_counter() - started)


def publish_and_wait(port: int) -> tuple[float, float]:
    """Publishes a draft through the workflow service and asks the catalogue (filtered to
    the agreement's municipality and year) until ten answers in a row list it: the seconds
    from the commit to the first of them, and the slowest catalogue answer meanwhile (a
    request that waited for a rebuild would show there)."""
    from django.contrib.auth import get_user_model

    from actors.models import StaffScope
    from actors.services import staff_group_ensure
    from agreements.models import Agreement
    from agreements.services import agreement_publish

    editor, _ = get_user_model().objects.get_or_create(
        username="benchmark-nationell", defaults={"is_staff": True}
    )
    editor.groups.add(staff_group_ensure())
    StaffScope.objects.get_or_create(user=editor, is_national=True)
    draft = (
        Agreement.objects.filter(
            lineage__slug__startswith="syntetisk-", publication="draft", level="local"
        )
        .select_related("lineage")
        .prefetch_related("municipalities")
        .first()
    )
    municipality = draft.municipalities.all()[0]
    path = (
        f"/overenskommelser/?municipality={municipality.slug}&year={draft.signed_on.year}"
        "&sort=title"
    )
    link = f"/overenskommelser/{draft.lineage.slug}/".encode()
    agreement_publish(agreement=draft, user=editor)
    committed = time.perf_counter()
    in_a_row, first_seen, slowest = 0, None, 0.0
    while in_a_row < 10 and time.perf_counter() - committed < 30:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        started = time.perf_counter()
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        body = connection.getresponse().read()
        connection.close()
        slowest = max(slowest, time.perf_counter() - started)
        if link in body:
            first_seen = first_seen or time.perf_counter()
            in_a_row += 1
        else:
            first_seen, in_a_row = None, 0
    return (first_seen - committed if first_seen else float("inf")), slowest


def over_http(scenarios: dict, arguments) -> None:
    """gunicorn as in production, 2 workers (the two cores), on the benchmark database."""
    from benchmarks.load import gunicorn, run_load

    scenarios = {
        name: [quote(path, safe="/?=&") for path in paths] for name, paths in scenarios.items()
    }
    directory = Path(tempfile.mkdtemp(prefix="samverkansregistret-bench-"))
    server = gunicorn(directory, database_url(), arguments.port, workers=2)
    try:
        print(f"\nÖver HTTP: gunicorn, 2 arbetsprocesser, DJANGO_DEBUG=0, belastning {loadavg()}")
        print(f"{'sida':34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'anrop/s':>8}   loadavg")
        for name, paths in scenarios.items():
            times, rate = measure_http(arguments.port, paths, arguments.requests)
            print(
                f"{name:34} {statistics.median(times):8.1f} {percentile(times, 0.95):8.1f} "
                f"{percentile(times, 0.99):8.1f} {rate:8.1f}   {loadavg()}"
            )
        searches = scenarios["katalog, sökning utan filter"]
        outcome = run_load(arguments.port, {"sökning": searches}, 8, arguments.seconds)
        times = [seconds * 1000 for seconds in outcome.times.get("sökning", [])]
        print(
            f"{'sökning, 8 klienter':34} {percentile(times, 0.5):8.1f} "
            f"{percentile(times, 0.95):8.1f} {percentile(times, 0.99):8.1f} "
            f"{len(times) / arguments.seconds:8.1f}   {loadavg()}"
            + (f"   {len(outcome.errors)} fel" if outcome.errors else "")
        )
        visible, slowest = publish_and_wait(arguments.port)
        print(
            f"publicerad ändring syns i katalogen efter {visible:.2f} s; långsammaste "
            f"katalogsvar under tiden {slowest * 1000:.0f} ms   {loadavg()}"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except Exception:
            server.kill()
        shutil.rmtree(directory, ignore_errors=True)


def measure(client, paths, rounds) -> list[float]:
    times = []
    for path in paths[:3]:  # warm up
        client.get(path)
    for index in range(rounds):
        path = paths[index % len(paths)]
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
    return times


def benchmark_database_fill(
    *, fresh: bool, agreements: int, commitments: int, rng: random.Random
) -> None:
    """Migrates the benchmark database and fills it, unless an earlier run kept (--keep) one
    of the same size."""
    from django.core.management import call_command
    from django.db import connection

    from agreements.models import Agreement

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_registry_data", verbosity=0)
    existing = Agreement.objects.filter(lineage__slug__startswith="syntetisk-").count()
    if existing and existing < agreements:
        raise SystemExit(
            f"Benchmarkdatabasen har {existing} överenskommelser, inte {agreements}. "
            "Kör utan --keep en gång, eller sätt BENCH_DATABASE till ett annat namn."
        )
    if fresh or not existing:
        print(
            f"Skapar {agreements} överenskommelser med {commitments} åtaganden var …",
            file=sys.stderr,
        )
        started = time.perf_counter()
        (seed if agreements <= ORM_SEED_LIMIT else seed_large)(agreements, commitments, rng)
        print(f"  klart på {time.perf_counter() - started:.0f} s", file=sys.stderr)
    # What autovacuum does on a running server: statistics, and the visibility map that
    # lets the catalogue read its covering index alone.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=20_000)
    parser.add_argument("--commitments", type=int, default=10)
    parser.add_argument("--requests", type=int, default=60, help="per scenario")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--no-http", action="store_true", help="only in-process")
    parser.add_argument("--port", type=int, default=8120, help="gunicorn's port")
    parser.add_argument("--seconds", type=float, default=20, help="8 clients' search, seconds")
    arguments = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from actors.models import County
    from agreements.catalogue_index import (
        catalogue_changed,
        catalogue_index_build,
        catalogue_index_update,
    )
    from agreements.models import Agreement

    fresh = create_database()
    try:
        rng = random.Random(4)
        benchmark_database_fill(
            fresh=fresh, agreements=arguments.agreements, commitments=arguments.commitments, rng=rng
        )
        client = Client()
        counties = list(County.objects.values_list("slug", flat=True))
        slugs = list(
            Agreement.objects.latest_published()
            .filter(lineage__slug__startswith="syntetisk-")
            .order_by("?")
            .values_list("lineage__slug", flat=True)[:100]
        )
        filters = [
            f"county={rng.choice(counties)}&level=local&theme=sfi",
            "status=in_force&organisation_kind=national_agency",
            f"county={rng.choice(counties)}&year=2015",
            "theme=praktik&good_example=true",
        ]
        scenarios = {
            "katalog, bläddra utan sökning": ["/overenskommelser/", "/overenskommelser/?page=40"],
            "katalog, sökning utan filter": [f"/overenskommelser/?q={q}" for q in SEARCHES],
            "katalog, sökning med filter": [
                f"/overenskommelser/?q={q}&{filters[i % len(filters)]}"
                for i, q in enumerate(SEARCHES)
            ],
            # Each asked once: the catalogue remembers a search's matches, ranks and snippets
            # until the registry changes, so the two scenarios above mostly ask again.
            "katalog, sökning med nya ord": [
                f"/overenskommelser/?q={a} {b}" for a, b in itertools.combinations(WORDS, 2)
            ][: arguments.requests + 3],
            "katalog, bara filter": [f"/overenskommelser/?{f}" for f in filters],
            # Each asked once: the catalogue keeps a rendered address until the registry
            # changes, so the scenarios above mostly measure reading it again.
            "katalog, nya filterval": [
                f"/overenskommelser/?county={county}&year={year}&sort={sort}"
                for county, year, sort in itertools.product(
                    counties, range(2006, 2026), ("title", "newest")
                )
            ][: arguments.requests + 3],
            "överenskommelse": [f"/overenskommelser/{slug}/" for slug in slugs],
            "län": [f"/lan/{slug}/" for slug in counties],
            "JSON-lista, 20 per sida": [
                f"/api/v1/agreements/?page_size=20&page={page}"
                # 1, 2, 50 and 400 at 20,000 agreements: pages that exist at any size
                for page in (
                    1,
                    2,
                    arguments.agreements // 400 or 1,
                    arguments.agreements // 50 or 1,
                )
            ],
        }
        total = Agreement.objects.count()
        print(f"\n{total} överenskommelser (versioner) i databasen, {arguments.requests} anrop var")
        print(f"\nI processen (Django-testklient), belastning {loadavg()}")
        print(f"{'sida':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for name, paths in scenarios.items():
            times = measure(client, paths, arguments.requests)
            print(
                f"{name:34} {statistics.median(times):8.1f} {percentile(times, 0.95):8.1f} "
                f"{max(times):8.1f}"
            )
        # What the first catalogue request after a change pays once per process.
        rebuilds = []
        for _ in range(5):
            started = time.perf_counter()
            catalogue_index_build(day=datetime.date.today())
            rebuilds.append((time.perf_counter() - started) * 1000)
        print(
            f"{'katalogindex, läses om från början':34} {statistics.median(rebuilds):8.1f} "
            f"{'':>8} {max(rebuilds):8.1f}   {loadavg()}"
        )
        # What every process does after a published change: the changed agreement read again.
        index = catalogue_index_build(day=datetime.date.today())
        updates = []
        for pk in Agreement.objects.published().order_by("?").values_list("pk", flat=True)[:9]:
            catalogue_changed(agreement_ids=[pk])
            started = time.perf_counter()
            index = catalogue_index_update(index, day=datetime.date.today())
            updates.append((time.perf_counter() - started) * 1000)
        print(
            f"{'katalogindex, efter en ändring':34} {statistics.median(updates):8.1f} "
            f"{percentile(updates, 0.95):8.1f} {max(updates):8.1f}   {loadavg()}"
        )
        connection.close()
        if not arguments.no_http:
            over_http(scenarios, arguments)
    finally:
        if not arguments.keep:
            drop_database()
            print("Benchmarkdatabasen är borttagen.", file=sys.stderr)


if __name__ == "__main__":
    main()
