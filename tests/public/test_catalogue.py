"""The public catalogue at /overenskommelser/: search, facets, sorting, paging, state in URL."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actors.models import County, Organisation
from agreements.catalogue_index import catalogue_index
from agreements.filters import AgreementFilterSet
from agreements.models import Level
from commitments.models import Theme
from tests.factories import AgreementFactory, PartyFactory, local_agreement
from tests.revisions import revision_create

pytestmark = pytest.mark.django_db
URL = reverse("agreements:catalogue")


def page(client, query=""):
    response = client.get(f"{URL}?{query}" if query else URL)
    assert response.status_code == 200
    return response.content.decode()


def result_titles(html):
    return re.findall(r'<h3><a href="[^"]+" lang="sv">([^<]+)</a></h3>', html)


def facet_count(html, name, value):
    match = re.search(
        rf'name="{name}" value="{re.escape(value)}" id="[^"]+"[^>]*> <label[^>]*>[^<]*'
        r'<span class="count">\((\d+)\)</span>',
        html,
    )
    return int(match.group(1)) if match else None


def test_search_samhallsorientering_then_filter_to_stockholm(client):
    html = page(client, "q=samhällsorientering")
    assert "Lokal överenskommelse om nyanländas etablering i Salem" in result_titles(html)
    assert "<mark>samhällsorientering</mark>" in html.lower() or "<mark>Samhällsorientering" in html
    html = page(client, "q=samhällsorientering&county=stockholms-lan")
    assert result_titles(html) == ["Lokal överenskommelse om nyanländas etablering i Salem"]
    assert 'role="status"' in html
    assert "1 överenskommelse</strong>" in html


def test_each_facet_counts_with_the_other_filters_applied(client):
    html = page(client, "county=stockholms-lan&level=local")
    stockholm_local = County.objects.get(code="01").agreements.filter(level=Level.LOCAL).count()
    assert len(result_titles(html)) == stockholm_local
    # The county facet ignores the county filter but keeps the level filter: Norrbotten has no
    # local agreements among the seeds, so it has no count, and Stockholm counts its locals.
    assert facet_count(html, "county", "stockholms-lan") == stockholm_local
    assert facet_count(html, "county", "norrbottens-lan") is None
    # The level facet ignores the level filter but keeps the county: Stockholm has no regional
    # agreement among the seeds, only local ones.
    assert facet_count(html, "level", "local") == stockholm_local
    assert facet_count(html, "level", "central") is None


def test_facet_counts_change_with_a_new_agreement(client):
    before = facet_count(page(client), "level", "regional")
    AgreementFactory(title="Ännu en regional")
    assert facet_count(page(client), "level", "regional") == before + 1


def test_theme_organisation_kind_year_and_good_example_filters(client):
    theme = Theme.objects.get(slug="sfi")
    tagged = AgreementFactory(title="Sfi-avtalet", signed_on=datetime.date(2019, 5, 1))
    tagged.themes.add(theme)
    party = PartyFactory(organisation__kind="faith_community", agreement=tagged)
    assert result_titles(page(client, "theme=sfi&year=2019")) == ["Sfi-avtalet"]
    assert "Sfi-avtalet" in result_titles(page(client, "organisation_kind=faith_community"))
    assert result_titles(page(client, f"organisation={party.organisation.slug}")) == ["Sfi-avtalet"]
    good = page(client, "good_example=true")
    assert "Sfi-avtalet" not in result_titles(good)
    assert "Lokal överenskommelse om nyanländas etablering i Södertälje" in result_titles(good)


def test_municipality_filter(client):
    html = page(client, "municipality=sodertalje")
    assert result_titles(html) == ["Lokal överenskommelse om nyanländas etablering i Södertälje"]


def test_newest_version_listed_and_superseded_ones_behind_the_status_filter(client):
    first = AgreementFactory(title="Versionstest", valid_from=datetime.date(2015, 1, 1))
    revision_create(agreement=first, valid_from=datetime.date(2020, 1, 1))
    html = page(client, "q=Versionstest")
    assert result_titles(html) == ["Versionstest"]
    assert facet_count(html, "status", "superseded") == 1
    assert facet_count(html, "status", "in_force") == 1
    superseded = page(client, "q=Versionstest&status=superseded")
    assert result_titles(superseded) == ["Versionstest"]
    assert reverse("agreements:version", kwargs={"slug": first.slug, "number": 1}) in superseded


def test_a_draft_revision_does_not_hide_the_published_version(client):
    first = AgreementFactory(title="Publicerad med utkast")
    revision_create(agreement=first, publish=False, title="Hemlig revision")
    html = page(client, "q=Publicerad utkast")
    assert result_titles(html) == ["Publicerad med utkast"]
    assert result_titles(page(client, "q=Hemlig revision")) == []


def test_title_sort_puts_a_ring_a_umlaut_o_umlaut_after_z(client):
    for title in ["Östra avtalet", "Zeta-avtalet", "Ångermanlands avtal", "Älvdalens avtal"]:
        AgreementFactory(title=title, county=County.objects.get(code="20"))
    titles = result_titles(page(client, "county=dalarnas-lan&sort=title"))
    assert titles == ["Zeta-avtalet", "Ångermanlands avtal", "Älvdalens avtal", "Östra avtalet"]


def test_newest_sort_and_relevance_sort(client):
    county = County.objects.get(code="20")
    AgreementFactory(title="Äldre lingonavtal", county=county, signed_on=datetime.date(2010, 1, 1))
    AgreementFactory(title="Nyare avtal", county=county, signed_on=datetime.date(2020, 1, 1))
    AgreementFactory(title="Utan lingon", county=county, purpose="Om lingon i skogen.")
    assert result_titles(page(client, "county=dalarnas-lan&sort=newest"))[:2] == [
        "Nyare avtal",
        "Äldre lingonavtal",
    ]
    assert (
        result_titles(page(client, "q=lingon&county=dalarnas-lan"))
        == [
            "Utan lingon",
            "Äldre lingonavtal",
        ]
        or result_titles(page(client, "q=lingon&county=dalarnas-lan"))[0] == "Utan lingon"
    )


def test_pagination_keeps_the_filters_in_the_url(client):
    county = County.objects.get(code="20")
    for number in range(25):
        AgreementFactory(title=f"Dalaavtal {number:02}", county=county)
    first = page(client, "county=dalarnas-lan&sort=title")
    assert len(result_titles(first)) == 20
    assert "?county=dalarnas-lan&amp;sort=title&amp;page=2" in first
    second = page(client, "county=dalarnas-lan&sort=title&page=2")
    assert result_titles(second) == [f"Dalaavtal {n}" for n in range(20, 25)]
    assert "sida 2 av 2" in second


def test_unknown_filter_values_are_a_400_with_a_swedish_message(client):
    response = client.get(f"{URL}?county=atlantis&year=tusen")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Några val känns inte igen och har hoppats över" in html
    assert "Det finns inget län som heter ”atlantis”." in html


def test_county_by_code_or_slug_lists_the_same_agreements(client):
    assert result_titles(page(client, "county=01")) == result_titles(
        page(client, "county=stockholms-lan")
    )
    assert result_titles(page(client, "municipality=0183")) == result_titles(
        page(client, "municipality=sundbyberg")
    )


def test_drafts_are_never_found_or_counted(client):
    AgreementFactory(title="Utkast om gurkmeja", draft=True, county=County.objects.get(code="20"))
    html = page(client, "q=gurkmeja")
    assert "gurkmeja" not in " ".join(result_titles(html)).lower()
    assert facet_count(page(client), "county", "dalarnas-lan") is None


def test_filterset_is_free_of_html_and_usable_by_an_api():
    filterset = AgreementFilterSet({"county": ["stockholms-lan"], "level": ["local"]})
    assert filterset.is_valid()
    assert all(a.county.code == "01" for a in filterset.qs)
    assert {name for name in filterset.filters} >= set(AgreementFilterSet.FACETS) | {"q", "sort"}


@pytest.mark.parametrize("extra", [0, 25])
def test_catalogue_query_count_does_not_grow(client, django_assert_max_num_queries, extra):
    county = County.objects.get(code="20")
    organisation = Organisation.objects.get(slug="arbetsformedlingen")
    for number in range(extra):
        agreement = local_agreement(
            municipality_codes=["2080"],
            title=f"Faluavtal {number}",
            signed_on=datetime.date(2020, 1, 1),
        )
        PartyFactory(agreement=agreement, organisation=organisation)
        agreement.themes.add(Theme.objects.get(slug="sfi"))
    assert county
    catalogue_index()  # read once after a change, whatever the size: not part of a page's count
    with django_assert_max_num_queries(9):
        client.get(f"{URL}?q=samverkan&county=dalarnas-lan&theme=sfi&sort=relevance")
    with django_assert_max_num_queries(5):
        client.get(URL)


def test_a_search_asked_again_costs_the_queries_of_a_page_without_one(
    client, django_assert_max_num_queries
):
    """While the registry stays as it is, the matches, ranks and snippets of a search are
    read once per process (agreements/catalogue_index.py, Remembered)."""
    AgreementFactory(title="Överenskommelse om praktik", purpose="Praktik för nyanlända.")
    assert "<mark>Praktik</mark>" in page(client, "q=praktik&sort=relevance")
    with CaptureQueriesContext(connection) as browsing:
        page(client)
    with django_assert_max_num_queries(len(browsing)):
        assert "<mark>Praktik</mark>" in page(client, "q=praktik&sort=relevance")


def test_status_facet_counts_follow_the_status_rule_of_the_models():
    """The status facet counts every published version by AgreementQuerySet.with_status(),
    for every kind of agreement."""
    from collections import Counter

    from agreements.models import Agreement
    from agreements.selectors import catalogue_search

    today = datetime.date.today()
    day = datetime.timedelta(days=1)
    county = County.objects.get(code="20")
    make = lambda **kw: AgreementFactory(county=county, title="Statusprov", **kw)  # noqa: E731
    make(valid_from=today - 100 * day)  # in force
    make(valid_from=today - 100 * day, valid_until=today - day)  # expired
    make(valid_from=today + day)  # upcoming
    make(signed_on=today + day)  # upcoming by signature
    make()  # unknown
    first = make(signed_on=today - 400 * day)
    revision_create(agreement=first, valid_from=today - 10 * day)  # first is superseded
    waiting = make(valid_from=today - 400 * day)
    revision_create(agreement=waiting, valid_from=today + 10 * day)  # not yet superseded
    undated = make(valid_from=today - 400 * day)
    revision_create(agreement=undated, valid_from=None, signed_on=None)  # undated supersedes
    result = catalogue_search(params={"county": ["dalarnas-lan"]})
    counted = {f.value: f.count for f in result.facets["status"]}
    expected = Counter(
        Agreement.objects.published()
        .filter(county=county)
        .with_status()
        .values_list("legal_status", flat=True)
    )
    assert counted == dict(expected)
    assert set(counted) == {"in_force", "expired", "upcoming", "unknown", "superseded"}
