"""The search finds what Swedish users type: tests/search/queries.json, over the examples."""

import pytest

from benchmarks.search_relevance import RECALL_FLOOR, evaluate, load_queries, summary

pytestmark = pytest.mark.django_db


def test_the_query_set_covers_what_officials_type():
    queries = load_queries()
    kinds = {item["kind"] for item in queries}
    assert len(queries) >= 40
    assert {"plural", "compound", "abbreviation", "synonym", "misspelling"} <= kinds


def test_recall_at_ten_is_above_the_floor():
    results = evaluate()
    recall, mrr = summary(results)
    misses = {result.query: result.missing for result in results if result.missing}
    assert recall >= RECALL_FLOOR, misses
    assert mrr >= 0.85, misses
