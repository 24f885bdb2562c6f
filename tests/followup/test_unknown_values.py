"""Unknown is a value: one counting rule per statistic, shared by the statistics and the
catalogue, an "okänt" row where a value can be unknown, and coverage that says "giltighet
okänd" instead of "no agreement".

The example data: the CÖK 2006 and the Norrbotten agreement of 2009 give no signing date, and
the ten Stockholm agreements from KSL's review of 2014 give no dates at all, so their validity
is unknown; they cover eight municipalities (Salem and Sundbyberg have two each)."""

import csv
import datetime
import io

import pytest
from django.http import QueryDict

from actors.models import Organisation, OrganisationKind
from agreements.catalogue_index import catalogue_index
from agreements.selectors import catalogue_search
from tests.agreements import pdf_support
from tests.agreements.pdf_support import read_pdf
from tests.factories import AgreementFactory, PartyFactory
from tests.followup.dataset import build

pytestmark = pytest.mark.django_db
pdf_cache = pdf_support.pdf_cache

ON = datetime.date(2026, 11, 23)
EVERY_STATUS = ["in_force", "expired", "superseded", "upcoming", "unknown"]


def table(client, section, key, **params) -> list[list[str]]:
    response = client.get(f"/statistik/{section}/{key}.csv", params)
    assert response.status_code == 200, response.content
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def signed_per_year(client, **params) -> dict[str, int]:
    """First versions and revisions signed per year, "okänt" included, from the statistics."""
    counts: dict[str, int] = {}
    for key in ("tecknade", "reviderade"):
        for row in table(client, "bestand", key, date=ON.isoformat(), **params)[1:]:
            counts[row[0]] = counts.get(row[0], 0) + int(row[-1])
    return {year: n for year, n in counts.items() if n}


def search(params: dict):
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return catalogue_search(params=query)


def facet(params: dict) -> dict[str, int]:
    return {item.value: item.count for item in search(params).facets["year"]}


def test_the_signing_year_agrees_between_statistics_and_catalogue_on_the_examples(client):
    statistics = signed_per_year(client)
    assert statistics == {"okänt": 12}
    assert facet({}) == {"unknown": 12}
    assert search({"year": "unknown"}).count == 12
    assert search({"year": "2006"}).count == 0


def test_the_signing_year_agrees_on_every_year_with_revisions(client):
    build()  # Jämtland: versions with start dates only, and one revision signed in 2021
    AgreementFactory(signed_on=datetime.date(2005, 6, 1), signed_on_precision="year")
    statistics = signed_per_year(client)
    # Every published version, as the catalogue counts it with every status chosen.
    catalogue = facet({"status": EVERY_STATUS})
    assert {("okänt" if y == "unknown" else y): n for y, n in catalogue.items()} == statistics
    assert statistics["2005"] == 1 and statistics["2021"] == 1
    for year, count in statistics.items():
        chosen = "unknown" if year == "okänt" else year
        assert search({"year": chosen, "status": EVERY_STATUS}).count == count


def test_the_api_filters_by_an_unknown_signing_year(client):
    AgreementFactory(signed_on=datetime.date(2005, 6, 1))
    unknown = client.get("/api/v1/agreements/", {"year": "unknown"}).json()
    assert unknown["count"] == 12
    assert all(row["signing_year"] is None for row in unknown["results"])
    assert client.get("/api/v1/agreements/", {"year": "2005"}).json()["count"] == 1
    assert client.get("/api/v1/agreements/", {"year": "2006"}).json()["count"] == 0


def test_every_stock_table_has_an_okant_row(client):
    for key in ("gallande", "tecknade", "reviderade"):
        rows = table(client, "bestand", key, date=ON.isoformat())
        assert rows[-1][0] == "okänt"
    # The ten Stockholm agreements have unknown validity: no year can hold them.
    assert table(client, "bestand", "gallande", date=ON.isoformat())[-1] == [
        "okänt",
        "0",
        "0",
        "10",
        "10",
    ]
    english = client.get("/en/statistik/bestand/tecknade.csv", {"date": ON.isoformat()})
    assert english.content.decode("utf-8-sig").strip().splitlines()[-1].startswith("unknown")


def test_target_groups_and_themes_have_their_table_with_okant(client):
    response = client.get("/statistik/malgrupper-teman/", {"selection": "all"})
    assert response.status_code == 200
    assert "Överenskommelser per målgrupp" in response.content.decode()
    target_groups = table(client, "malgrupper-teman", "malgrupper", selection="all")
    themes = table(client, "malgrupper-teman", "teman", selection="all")
    assert target_groups[0] == ["Målgrupp", "Central", "Regional", "Lokal", "Totalt"]
    assert target_groups[-1][0] == "okänt"
    assert sum(int(row[-1]) for row in themes[1:]) >= 12
    by_county = table(
        client, "malgrupper-teman", "teman", selection="all", county="norrbottens-lan"
    )
    assert all(row[1] == "0" and row[3] == "0" for row in by_county[1:])  # regional only
    json = client.get("/statistik/malgrupper-teman.json", {"selection": "all"}).json()
    assert [t["key"] for t in json["tables"]] == ["malgrupper", "teman"]


def test_participation_counts_predecessors_as_they_were_or_as_today(client):
    arbetsformedlingen = Organisation.objects.get(slug="arbetsformedlingen")
    ams = Organisation.objects.create(
        name="Arbetsmarknadsstyrelsen (test)",
        slug="ams-test",
        kind=OrganisationKind.NATIONAL_AGENCY,
        successor=arbetsformedlingen,
    )
    agreement = AgreementFactory(valid_from=datetime.date(2004, 1, 1))
    PartyFactory(agreement=agreement, organisation=ams)
    params = {"selection": "all", "county": "norrbottens-lan"}
    then = {row[0]: row for row in table(client, "deltagande", "myndigheter", **params)}
    today = {
        row[0]: row
        for row in table(client, "deltagande", "myndigheter", organisations="today", **params)
    }
    assert "Arbetsmarknadsstyrelsen (test)" in then
    assert "Arbetsmarknadsstyrelsen (test)" not in today
    assert int(today["Arbetsförmedlingen"][-1]) == int(then["Arbetsförmedlingen"][-1]) + 1
    bad = client.get("/statistik/deltagande/", {"organisations": "igår"})
    assert bad.status_code == 400
    assert "Välj ett av valen i listan." in bad.content.decode()


# Coverage -----------------------------------------------------------------------------------


def test_county_page_says_giltighet_okand_with_its_own_colour(
    client, django_assert_max_num_queries
):
    catalogue_index()
    with django_assert_max_num_queries(9):  # as tests/public/test_places.py
        response = client.get("/lan/stockholms-lan/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "0 av länets 26 kommuner har en lokal överenskommelse som gäller i dag." in text
    assert "8 kommuner har en lokal överenskommelse med okänd giltighet" in text
    assert '<span class="swatch validity-unknown"></span>Giltighet okänd' in text
    assert 'class="validity-unknown"' in text  # the map
    assert "Södertälje: lokal överenskommelse med okänd giltighet" in text
    assert "Danderyd: ingen lokal överenskommelse" in text


def test_municipality_page_never_says_no_agreement_above_its_own(client):
    response = client.get("/kommuner/sodertalje/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "ingen lokal överenskommelse" not in text
    assert "Kommunen har en lokal överenskommelse med okänd giltighet" in text
    english = client.get("/en/kommuner/sodertalje/").content.decode()
    assert "unknown validity" in english


def test_national_page_counts_unknown_validity(client):
    response = client.get("/lan/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "8 kommuner har en lokal överenskommelse med okänd giltighet" in text
    assert "0 av 26 (0 %); 8 med okänd giltighet" in text
    assert '<span class="swatch validity-unknown"></span>' in text


def test_coverage_csv_and_key_figures_show_unknown_validity(client):
    rows = table(client, "tackning", "per-kommun", county="stockholms-lan", date=ON.isoformat())
    states = {row[0]: row[2] for row in rows[1:-1]}
    assert states["Södertälje"] == "Giltighet okänd"
    assert states["Danderyd"] == "Nej"
    figures = {row[0]: row[1:] for row in table(client, "oversikt", "nyckeltal", county="01")}
    assert figures["Kommuner med en lokal överenskommelse med okänd giltighet"][:2] == ["8", "26"]


def test_county_and_national_reports_count_unknown_validity(client, pdf_cache):
    county = client.get("/lan/stockholms-lan/rapport.pdf")
    assert county.status_code == 200
    document = read_pdf(county.content)
    assert document.contains("kommuner har en lokal överenskommelse med okänd giltighet")
    assert document.contains("Giltighet okänd: ")
    national = client.get("/rapport.pdf")
    assert national.status_code == 200
    assert read_pdf(national.content).contains("8 med okänd giltighet")
