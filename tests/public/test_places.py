"""County, national, municipality, organisation and theme pages."""

import datetime
import re

import pytest
from django.urls import reverse

from actors.models import County, Municipality, Organisation
from actors.selectors import REGIONAL_ON_COUNTY_PAGE, REGIONAL_ON_NATIONAL_PAGE
from agreements.catalogue_index import catalogue_index
from commitments.models import Theme
from tests.factories import AgreementFactory, CommitmentFactory, PartyFactory, local_agreement

pytestmark = pytest.mark.django_db
JÄMTLAND = "jamtlands-lan"


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def test_county_page_has_coverage_table_and_map(client):
    local_agreement(
        municipality_codes=["2380"], title="Östersunds lokala", valid_from=datetime.date(2020, 3, 1)
    )
    AgreementFactory(title="Jämtlands regionala", county=County.objects.get(code="23"))
    local_agreement(municipality_codes=["2309"], title="Krokoms utkast", draft=True)
    html = get(client, reverse("actors:county", kwargs={"slug": JÄMTLAND}))
    assert "1 av länets 8 kommuner har en lokal överenskommelse" in html
    assert "Jämtlands regionala" in html and "Östersunds lokala" in html
    assert "Krokoms utkast" not in html
    row = re.search(
        r"<tr>\s*<th[^>]*><a href=\"/kommuner/ostersund/\">Östersund</a>.*?</tr>", html, re.S
    )
    assert row and "Ja</span>" in row.group(0) and "1 mars 2020" in row.group(0)
    assert html.count('<path class="covered"') == 1
    assert html.count('<path class="not-covered"') == 7
    assert 'role="img"' in html and 'href="#tackningstabell"' in html


def test_county_and_municipality_pages_list_the_first_regional_agreements_and_link_to_all(
    client,
):
    jämtland = County.objects.get(code="23")
    url = reverse("actors:county", kwargs={"slug": JÄMTLAND})
    östersund = reverse("actors:municipality", kwargs={"slug": "ostersund"})
    for number in range(REGIONAL_ON_COUNTY_PAGE):
        AgreementFactory(title=f"Jämtlands regionala {number:02}", county=jämtland)
    html = get(client, url)
    assert html.count('lang="sv">Jämtlands regionala') == REGIONAL_ON_COUNTY_PAGE
    assert "level=regional" not in html and "i bokstavsordning" not in html
    for number in range(REGIONAL_ON_COUNTY_PAGE, REGIONAL_ON_COUNTY_PAGE + 2):
        AgreementFactory(title=f"Jämtlands regionala {number:02}", county=jämtland)
    html = get(client, url)
    assert html.count('lang="sv">Jämtlands regionala') == REGIONAL_ON_COUNTY_PAGE
    assert "Jämtlands regionala 09" in html and "Jämtlands regionala 10" not in html
    link = (
        f'<a href="/overenskommelser/?county={JÄMTLAND}&amp;level=regional&amp;sort=title">'
        f"Alla {REGIONAL_ON_COUNTY_PAGE + 2} i katalogen</a>"
    )
    assert f"De {REGIONAL_ON_COUNTY_PAGE} första i bokstavsordning. {link}" in html
    english = get(client, "/en" + url)
    assert f"The first {REGIONAL_ON_COUNTY_PAGE} in alphabetical order." in english
    assert f"All {REGIONAL_ON_COUNTY_PAGE + 2} in the catalogue</a>" in english
    catalogue = get(client, f"/overenskommelser/?county={JÄMTLAND}&level=regional&sort=title")
    assert catalogue.count('lang="sv">Jämtlands regionala') == REGIONAL_ON_COUNTY_PAGE + 2
    html = get(client, östersund)
    assert html.count('lang="sv">Jämtlands regionala') == REGIONAL_ON_COUNTY_PAGE
    assert "Jämtlands regionala 09" in html and "Jämtlands regionala 10" not in html
    assert f"De {REGIONAL_ON_COUNTY_PAGE} första i bokstavsordning. {link}" in html


def test_national_page_names_the_first_regional_agreements_and_links_to_the_county(client):
    """Under today's counties from the catalogue's index, on a chosen day from the database:
    the same first ones by title, the same count."""
    jämtland = County.objects.get(code="23")
    for number in range(REGIONAL_ON_NATIONAL_PAGE + 2):
        AgreementFactory(
            title=f"Jämtlands regionala {number:02}",
            county=jämtland,
            valid_from=datetime.date(2020, 1, 1),
        )
    county_page = reverse("actors:county", kwargs={"slug": JÄMTLAND})
    national = reverse("actors:national")  # before /en/ makes English the active language
    for query, language in (("", ""), ("", "/en"), ("?date=2024-06-30&boundaries=then", "")):
        html = get(client, language + national + query)
        row = re.search(
            r'<a href="/(?:en/)?lan/jamtlands-lan/[^"]*">Jämtlands län</a>.*?</tr>', html, re.S
        )
        assert row, (query, language)
        cell = row.group(0)
        assert cell.count('lang="sv">Jämtlands regionala') == REGIONAL_ON_NATIONAL_PAGE
        last = f"Jämtlands regionala {REGIONAL_ON_NATIONAL_PAGE - 1:02}"
        assert last in cell and f"Jämtlands regionala {REGIONAL_ON_NATIONAL_PAGE:02}" not in cell
        total = REGIONAL_ON_NATIONAL_PAGE + 2
        words = f"all {total} on the county's page" if language else f"alla {total} på länets sida"
        assert f'{county_page}{query.replace("&", "&amp;")}#regional">{words}</a>' in cell, cell
    html = get(client, national)
    other = re.search(r">Norrbottens län</a>.*?</tr>", html, re.S).group(0)
    assert "RÖK Norrbotten" in other and "#regional" not in other


def test_national_page_has_every_county(client):
    html = get(client, reverse("actors:national"))
    assert html.count('<th scope="row" data-label="Län">') == 21
    assert "RÖK Norrbotten" in html
    assert html.count("<path ") == 21


def test_municipality_page(client):
    html = get(client, reverse("actors:municipality", kwargs={"slug": "sodertalje"}))
    assert "Lokal överenskommelse om nyanländas etablering i Södertälje" in html
    assert "Stockholms län" in html
    get(client, reverse("actors:municipality", kwargs={"slug": "atlantis"}), 404)


def test_organisation_page_lists_agreements_and_commitments_by_theme(client):
    organisation = Organisation.objects.get(slug="arbetsformedlingen")
    html = get(client, reverse("actors:organisation", kwargs={"slug": organisation.slug}))
    assert "Regional överenskommelse om samverkan för nyanlända invandrares etablering" in html
    assert "Organisationens åtaganden per tema" in html


def test_theme_page_lists_commitments_across_sweden(client):
    theme = Theme.objects.get(slug="samhallsorientering")
    commitment = CommitmentFactory(text="Samhällsorientering på modersmål i Jämtland.")
    commitment.themes.add(theme)
    draft = CommitmentFactory(
        text="Hemlig plan om samhällsorientering.", party=PartyFactory(agreement__draft=True)
    )
    draft.themes.add(theme)
    html = get(client, reverse("commitments:theme", kwargs={"slug": theme.slug}))
    assert "Samhällsorientering på modersmål i Jämtland." in html
    assert "Hemlig plan" not in html
    filtered = get(
        client, reverse("commitments:theme", kwargs={"slug": theme.slug}) + "?county=stockholms-lan"
    )
    assert "modersmål i Jämtland" not in filtered
    assert "samhallsorientering" in get(client, reverse("commitments:theme_list"))


def _grow(extra):
    organisation = Organisation.objects.get(slug="arbetsformedlingen")
    theme = Theme.objects.get(slug="sfi")
    codes = list(Municipality.objects.filter(county__code="23").values_list("code", flat=True))
    for number in range(extra):
        agreement = local_agreement(
            municipality_codes=[codes[number % len(codes)]],
            title=f"Jämtlandsavtal {number}",
            valid_from=datetime.date(2020, 1, 1),
        )
        party = PartyFactory(agreement=agreement, organisation=organisation)
        commitment = CommitmentFactory(party=party)
        commitment.themes.add(theme)


@pytest.mark.parametrize("extra", [0, 20])
def test_place_pages_query_counts_do_not_grow(client, django_assert_max_num_queries, extra):
    _grow(extra)
    catalogue_index()  # read once after a change, whatever the size: not part of a page's count
    for url, limit in [
        (reverse("actors:county", kwargs={"slug": JÄMTLAND}), 9),
        (reverse("actors:national"), 7),
        (reverse("actors:municipality", kwargs={"slug": "ostersund"}), 11),
        (reverse("actors:organisation", kwargs={"slug": "arbetsformedlingen"}), 10),
        (reverse("commitments:theme", kwargs={"slug": "sfi"}), 8),
        (reverse("commitments:theme_list"), 2),
        (reverse("agreements:home"), 7),
    ]:
        with django_assert_max_num_queries(limit, info=url):
            assert client.get(url).status_code == 200
