"""Relevance of the catalogue's search: recall@10 and MRR over tests/search/queries.json, the
queries a municipality official would type (plurals, compounds, abbreviations, synonyms,
misspellings), each with the example agreements (fixtures/examples, by lineage slug) that must
be among the first ten.

    make bench-search                 # or: .venv/bin/python -m benchmarks.search_relevance
    python -m benchmarks.search_relevance --verbose     # every query's misses

Reads the configured database (after `make setup`, which loads the examples); writes nothing.
recall@10: of the expected agreements, the share found in the first ten, averaged over the
queries. MRR: the mean of 1/rank of the first expected agreement (0 when none is in the ten).
tests/search/test_relevance.py asserts the floor RECALL_FLOOR on the test database.
"""

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

QUERIES = Path(__file__).resolve().parent.parent / "tests" / "search" / "queries.json"
RECALL_FLOOR = 0.95
TOP = 10


@dataclass
class QueryResult:
    query: str
    kind: str
    expected: list[str]
    found: list[str]  # lineage slugs of the first TOP results, in order

    @property
    def recall(self) -> float:
        return sum(slug in self.found for slug in self.expected) / len(self.expected)

    @property
    def reciprocal_rank(self) -> float:
        for rank, slug in enumerate(self.found, start=1):
            if slug in self.expected:
                return 1 / rank
        return 0.0

    @property
    def missing(self) -> list[str]:
        return [slug for slug in self.expected if slug not in self.found]


def load_queries() -> list[dict]:
    return json.loads(QUERIES.read_text(encoding="utf-8"))


def run_query(query: str) -> list[str]:
    """The lineage slugs of the catalogue's first TOP results for the query, as a visitor sees
    them (the catalogue's own search: full text, or the spelling fallback)."""
    from agreements.selectors import catalogue_search

    result = catalogue_search(params={"q": query})
    return [agreement.lineage.slug for agreement in result.agreements[:TOP]]


def evaluate(queries=None) -> list[QueryResult]:
    queries = load_queries() if queries is None else queries
    return [
        QueryResult(item["query"], item["kind"], item["expected"], run_query(item["query"]))
        for item in queries
    ]


def summary(results: list[QueryResult]) -> tuple[float, float]:
    recall = sum(result.recall for result in results) / len(results)
    mrr = sum(result.reciprocal_rank for result in results) / len(results)
    return recall, mrr


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="every query, not only misses")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    import django

    django.setup()
    started = time.perf_counter()
    results = evaluate()
    elapsed = time.perf_counter() - started
    for result in results:
        if args.verbose or result.missing:
            print(
                f"{result.recall:4.2f}  {result.query!r:45} ({result.kind})"
                f"  saknas: {', '.join(result.missing) or '–'}  fick: {', '.join(result.found)}"
            )
    recall, mrr = summary(results)
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[:3]
    print(
        f"{len(results)} frågor  recall@{TOP} {recall:.3f}  MRR {mrr:.3f}  "
        f"({1000 * elapsed / len(results):.1f} ms per fråga, loadavg {' '.join(load)})"
    )
    return 0 if recall >= RECALL_FLOOR else 1


if __name__ == "__main__":
    sys.exit(main())
