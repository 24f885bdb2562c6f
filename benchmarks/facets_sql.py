"""Facet counts in PostgreSQL against the catalogue's in-memory index (issue 16): the same
question asked both ways on the benchmark database, the answers compared, the times printed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres BENCH_DATABASE=<a kept benchmark
    database> .venv/bin/python -m benchmarks.facets_sql [--explain]

For browsing (no filter), a county and a theme, and a search ("praktik"): in numpy,
`CatalogueIndex.select` (every facet's counts, each with the other filters applied, and the
ordered rows); in PostgreSQL, one statement over the agreements and their catalogue entries:
the newest published versions with their status and year (the QuerySet's own
latest_published(), with_status() and signing_year(), compiled by the ORM) materialised once,
then one GROUP BY per facet, the array facets unnested, under UNION ALL. The search's matches
come from the same full-text query in both (search.match_ranks). Not measured: the page's
cards, snippets and the title order of the SQL side.
"""

import argparse
import datetime
import os
import statistics
import time


def timed(function, rounds: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def facet_statement(chosen: dict, matches, day: datetime.date):
    """One statement: (facet, value, count) rows for every facet, each counted under the
    other facets' filters."""
    from django.db.models import F

    from agreements.catalogue_index import MULTIPLE
    from agreements.filters import AgreementFilterSet
    from agreements.models import Agreement, signing_year

    def rows_of(queryset) -> tuple[str, list]:
        queryset = (
            queryset.with_status(day)
            .annotate(
                year=signing_year(),
                **{f"f_{facet}": F(array) for facet, array in MULTIPLE.items()},
            )
            .order_by()
            .values(
                "pk",
                "level",
                "county_id",
                "year",
                "is_good_example",
                "legal_status",
                *(f"f_{facet}" for facet in MULTIPLE),
            )
        )
        if matches is not None:
            queryset = queryset.filter(pk__in=matches)
        sql, params = queryset.query.sql_with_params()
        return sql, list(params)

    # The status facet counts every published version (a status chooses among them all), the
    # others the newest published version of each agreement.
    latest_sql, params = rows_of(Agreement.objects.latest_published())
    every_sql, every_params = rows_of(Agreement.objects.published())
    params += every_params
    columns = {
        "level": "level",
        "county": "county_id",
        "status": "legal_status",
        "year": "year",
        "good_example": "is_good_example",
    }

    def condition(facet: str) -> tuple[str, list]:
        parts, values = ["TRUE"], []
        for other, chosen_values in chosen.items():
            if other == facet:
                continue
            if other in MULTIPLE:
                array = "varchar[]" if other == "organisation_kind" else "bigint[]"
                parts.append(f"v.f_{other} && %s::{array}")
            else:
                parts.append(f"v.{columns[other]} = ANY(%s)")
            values.append(list(chosen_values))
        return " AND ".join(parts), values

    selects = []
    for facet in AgreementFilterSet.FACETS:
        where, values = condition(facet)
        if facet in MULTIPLE:
            source, key = f"v, unnest(v.f_{facet}) AS key", "key::text"
        else:
            source, key = "v", f"v.{columns[facet]}::text"
        if facet == "status":
            source = "every AS v"
        if facet == "good_example":
            where += " AND v.is_good_example"
        selects.append(f"SELECT '{facet}', {key}, count(*) FROM {source} WHERE {where} GROUP BY 2")
        params += values
    sql = (
        f"WITH v AS MATERIALIZED ({latest_sql}),\nevery AS MATERIALIZED ({every_sql})\n"
        + "\nUNION ALL\n".join(selects)
    )
    return sql, params


def numpy_counts(selection) -> dict:
    return {
        (facet, param): count
        for facet, counted in selection.facets.items()
        for param, _label, count in counted
    }


def sql_counts(rows, index) -> dict:
    """The statement's rows as the index's (facet, URL value) keys."""
    from agreements.filters import UNKNOWN_YEAR

    counts = {}
    for facet, key, count in rows:
        if facet == "good_example":
            counts[(facet, "true")] = count
            continue
        values = index.values[facet]
        if key is None and facet != "year":  # no county: not a value of the facet
            continue
        if facet == "year":
            key = UNKNOWN_YEAR if key is None else int(key)
        elif values.keys and isinstance(values.keys[0], int):
            key = int(key)
        counts[(facet, values.params[values.code_of[key]])] = count
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS)")
    parser.add_argument("--search", default="praktik")
    arguments = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    import django

    django.setup()
    import numpy as np
    from django.db import connection

    from actors.models import County
    from agreements import search
    from agreements.catalogue_index import catalogue_index_build
    from agreements.models import Agreement, SearchDocument
    from agreements.selectors import _search_hits
    from commitments.models import Theme

    def loadavg() -> str:
        return " ".join(open("/proc/loadavg").read().split()[:3])

    day = datetime.date.today()
    started = time.perf_counter()
    index = catalogue_index_build(day=day)
    print(
        f"{Agreement.objects.count()} versioner, index byggt på "
        f"{(time.perf_counter() - started) * 1000:.0f} ms, {len(index.ids)} publicerade   "
        f"{loadavg()}"
    )
    county = County.objects.get(slug="stockholms-lan")
    theme = Theme.objects.get(slug="sfi")
    hits = search.match_ranks(arguments.search, full_text=True, ranked=False)
    # The first search of a connection also loads the dictionary: timed after it.
    match_ms, (ids, _ranks) = timed(lambda: _search_hits(hits), arguments.rounds + 1)
    rows = np.minimum(np.searchsorted(index.ids, ids), len(index.ids) - 1)
    rows = rows[index.ids[rows] == ids].astype(np.int32)
    matched = SearchDocument.objects.filter(vector=search.search_query(arguments.search)).values(
        "agreement_id"
    )
    cases = {
        "bläddra": ({}, None, None),
        "län + tema": ({"county": [county.pk], "theme": [theme.pk]}, None, None),
        f"sökning {arguments.search!r}": ({}, rows, matched),
    }
    print(f"sökordens träffar (full text, id:n till numpy): {match_ms:.0f} ms, {len(ids)} id:n")
    print(f"{'fråga':22} {'numpy ms':>9} {'SQL ms':>9} {'rader':>7}  samma svar   loadavg")
    for name, (chosen, matches, matched_by) in cases.items():
        numpy_ms, selection = timed(
            lambda chosen=chosen, matches=matches: index.select(
                chosen=chosen, matches=matches, order="title"
            ),
            arguments.rounds,
        )
        sql, params = facet_statement(chosen, matched_by, day)

        def run(sql=sql, params=params):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        sql_ms, rows_found = timed(run, arguments.rounds)
        in_sql, in_numpy = sql_counts(rows_found, index), numpy_counts(selection)
        same = in_sql == in_numpy
        if not same:
            differ = sorted(set(in_sql.items()) ^ set(in_numpy.items()))
            print(f"  olika: {differ[:10]}")
        print(
            f"{name:22} {numpy_ms:9.1f} {sql_ms:9.1f} {len(selection.rows):7}  "
            f"{'ja' if same else 'NEJ'}          {loadavg()}"
        )
        if arguments.explain:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                print("\n".join(line for (line,) in cursor.fetchall()))


if __name__ == "__main__":
    main()
