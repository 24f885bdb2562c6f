"""Swedish search words: umlaut plurals, compounds, synonyms; snippets from the written text;
what an empty result offers; why a good example is one."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from agreements.models import Agreement
from agreements.search import search_terms
from tests.factories import AgreementFactory, PartyFactory, local_agreement

pytestmark = pytest.mark.django_db
URL = reverse("agreements:catalogue")


def titles(queryset):
    return [agreement.title for agreement in queryset]


def page(client, query):
    response = client.get(URL, {"q": query} if isinstance(query, str) else query)
    assert response.status_code == 200
    return response.content.decode()


def snippets(html):
    return re.findall(r'<p class="snippet" lang="sv">(.*?)</p>', html, re.S)


def test_a_plural_with_umlaut_finds_the_singular_and_back():
    AgreementFactory(title="Kvastfenings avtal", purpose="Fler hyresbostäder i kvastfeningen.")
    AgreementFactory(title="Tranbärs avtal", purpose="En bostad till varje tranbärsplockare.")
    assert set(titles(Agreement.objects.search("bostad"))) >= {
        "Kvastfenings avtal",
        "Tranbärs avtal",
    }
    assert set(titles(Agreement.objects.search("bostäderna"))) >= {
        "Kvastfenings avtal",
        "Tranbärs avtal",
    }


def test_a_compound_is_found_by_its_parts_and_its_inflections():
    AgreementFactory(title="Kvastfenings avtal", purpose="Vi ordnar samhällsorienteringen.")
    for query in ("orientering", "samhällsorientering", "samhällsorienteringar"):
        assert "Kvastfenings avtal" in titles(Agreement.objects.search(query)), query


def test_a_compound_is_not_found_by_its_parts_far_apart():
    AgreementFactory(title="Kvastfenings avtal", purpose="Samhällsservice och orientering.")
    assert "Kvastfenings avtal" not in titles(Agreement.objects.search("samhällsorientering"))
    assert "Kvastfenings avtal" in titles(Agreement.objects.search("orientering"))


def test_abbreviations_and_synonyms_of_the_field():
    AgreementFactory(title="Kvastfenings avtal", purpose="Kurser i samhällsorientering.")
    AgreementFactory(title="Tranbärs avtal", purpose="Undervisning i svenska för invandrare.")
    AgreementFactory(title="Hjortron avtal", purpose="Gott boende för alla hjortronplockare.")
    assert "Kvastfenings avtal" in titles(Agreement.objects.search("SO"))
    assert "Tranbärs avtal" in titles(Agreement.objects.search("sfi"))
    assert "Hjortron avtal" in titles(Agreement.objects.search("bostaden"))
    assert search_terms("Af praktik")[0] == (
        "word",
        ("af", "arbetsförmedlingen", "ams"),
    )


def test_snippets_come_from_the_written_text_not_the_index_names(client):
    agreement = local_agreement(
        municipality_codes=["0128"],
        title="Kvastfenings avtal",
        purpose="Vi erbjuder sfi på kvällstid i kvastfeningens lokaler.",
    )
    PartyFactory(agreement=agreement, organisation__name="Tranbärsförmedlingen")
    html = page(client, "sfi kvastfeningens")
    (snippet,) = [s for s in snippets(html) if "kvastfening" in s]
    assert "<mark>sfi</mark>" in snippet
    assert "Salems kommun" not in snippet and "Stockholms län" not in snippet
    assert "Tranbärsförmedlingen" not in snippet
    # Found by a party's name alone: the card shows no index text either.
    html = page(client, "Tranbärsförmedlingen")
    assert "Kvastfenings avtal" in html
    assert all("Tranbärsförmedlingen" not in s and "Salems kommun" not in s for s in snippets(html))


def test_a_snippet_marks_either_word_and_not_a_compounds_part_alone(client):
    local_agreement(
        municipality_codes=["0128"],
        title="Kvastfenings avtal",
        purpose=(
            "Kommunen ordnar praktik för de nyanlända. "
            + "Annat om mottagandet. " * 20
            + "Arbetsförmedlingen lämnar bidrag för varje arbetsplats."
        ),
    )
    html = page(client, "Af praktik")
    (snippet,) = [s for s in snippets(html) if "Kommunen ordnar" in s or "varje " in s]
    assert "<mark>praktik</mark>" in snippet or "<mark>Arbetsförmedlingen</mark>" in snippet
    assert "<mark>arbetsplats</mark>" not in snippet


def test_an_empty_result_suggests_themes_organisations_and_spellings(client):
    html = page(client, "samhällsorientring xyzzyq")
    assert "Inga överenskommelser matchar sökningen" in html
    assert 'href="/overenskommelser/?q=samh%C3%A4llsorientering"' in html or (
        "?q=samh" in html and "Menade du" in html
    )
    assert "?theme=samhallsorientering" in html
    html = page(client, "arbetsförmedlnigen qqxyzzy")
    assert "?organisation=" in html and "Arbetsförmedlingen</a>" in html


def test_an_empty_result_under_filters_offers_the_search_without_them(client):
    html = page(client, {"q": "samhällsorientering", "municipality": "taby"})
    assert "Inga överenskommelser matchar sökningen" in html
    assert "utan filter" in html and "?q=samh%C3%A4llsorientering" in html


def test_a_good_example_card_says_why(client):
    AgreementFactory(
        title="Kvastfenings avtal",
        purpose="Sfi för kvastfenare.",
        is_good_example=True,
        good_example_note="Visar hur kommunen ordnar sfi på kvällstid.",
    )
    html = page(client, "kvastfenare")
    assert "Varför ett gott exempel:" in html
    assert "Visar hur kommunen ordnar sfi på kvällstid." in html


def test_the_dictionary_files_for_a_remote_server(tmp_path):
    """`manage.py search_dictionary DIR` writes what a remote server's tsearch_data needs:
    hunspell-sv with our umlaut plurals and compound first parts as words."""
    call_command("search_dictionary", str(tmp_path), stdout=io.StringIO())
    affix = (tmp_path / "registry_sv.affix").read_text(encoding="utf-8")
    words = (tmp_path / "registry_sv.dict").read_text(encoding="utf-8").splitlines()
    assert "SFX q ad äder stad" in affix
    assert any(line.startswith("bostad/") and line.endswith("q") for line in words)
    assert "arbetsmarknads/WXZ" in words
