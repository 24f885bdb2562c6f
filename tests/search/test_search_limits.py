"""A search of more words than the registry reads is refused with a Swedish sentence where it
enters (the catalogue, the API, the feed), and no query, however long, fails: 1,000 words,
500 "or", a very long word or phrase."""

import pytest
from django.urls import reverse

from agreements.models import Agreement
from agreements.search import MAX_SEARCH_WORDS, search_terms

pytestmark = pytest.mark.django_db

THOUSAND_WORDS = " ".join(f"ord{n}" for n in range(1000))  # 3 KB
OR_CHAIN = " or ".join(f"ord{n}" for n in range(500))


def test_the_catalogue_says_a_search_has_too_many_words(client):
    response = client.get(reverse("agreements:catalogue"), {"q": THOUSAND_WORDS[:490]})
    assert response.status_code in (200, 400)
    assert "Sökningen får ha högst 32 ord" in response.content.decode()
    # The search box keeps what was typed, so that the visitor can shorten it.
    assert f'name="q" value="{THOUSAND_WORDS[:490]}"' in response.content.decode()


def test_the_api_refuses_too_many_words_in_swedish(client):
    response = client.get("/api/v1/agreements/", {"q": OR_CHAIN[:499]})
    assert response.status_code == 400
    assert "Sökningen får ha högst 32 ord" in str(response.json())


def test_a_query_of_the_limit_is_searched(client):
    words = " ".join(["arbete"] * MAX_SEARCH_WORDS)
    response = client.get("/api/v1/agreements/", {"q": words})
    assert response.status_code == 200
    assert response.json()["count"] > 0


def test_the_search_functions_read_only_the_first_words():
    """Any caller, past the filter's check: a long query is read as its first words."""
    terms = search_terms(THOUSAND_WORDS)
    assert len(terms) == MAX_SEARCH_WORDS
    assert list(Agreement.objects.search(THOUSAND_WORDS)) == []
    assert list(Agreement.objects.search(OR_CHAIN)) == []
    assert list(Agreement.objects.search('"' + THOUSAND_WORDS + '"')) == []
    assert list(Agreement.objects.search("x" * 100_000)) == []
    assert list(Agreement.objects.search("or " * 2000)) == []
