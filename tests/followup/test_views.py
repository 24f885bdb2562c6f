"""The /statistik/ pages, their CSV and JSON, and the follow-up blocks on an agreement's page,
as an anonymous visitor sees them."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from followup.tables import SECTIONS
from tests.factories import PartyFactory, local_agreement
from tests.followup.dataset import ON, build, org

pytestmark = pytest.mark.django_db

JAMTLAND = {"county": "jamtlands-lan", "date": ON.isoformat(), "year": "2025"}


@pytest.fixture
def data():
    return build()


def page(client, section, **params):
    url = reverse("statistics:index") if section == "oversikt" else f"/statistik/{section}/"
    response = client.get(url, params)
    assert response.status_code == 200, response.content.decode()[:500]
    return response.content.decode()


def csv_rows(client, section, table, **params):
    response = client.get(f"/statistik/{section}/{table}.csv", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    delimiter = params.get("delimiter") or ","
    return list(csv.reader(io.StringIO(body[1:]), delimiter=delimiter))


def test_every_section_renders_with_its_counting_rules(client, data):
    for slug, section in SECTIONS.items():
        text = page(client, slug, **JAMTLAND)
        assert f"<h1>{section.title}</h1>" in text
        assert "Så räknas det" in text
        for rule in section.rules:
            assert rule.replace("”", "&#x201D;") in text or rule in text


def test_counting_rules_are_stated_on_the_coverage_page(client):
    text = page(client, "tackning")
    for words in [
        "utkast räknas aldrig",
        "Bara den version som gäller på dagen räknas",
        "gällde till och med i går gäller inte i dag",
        "omfattar var och en av kommunerna, en gång",
        "Ett hängavtal omfattar sin egen kommun",
    ]:
        assert words in text


def test_coverage_page_for_a_county(client, data):
    text = page(client, "tackning", **JAMTLAND)
    assert "4 av 8 kommuner omfattas" in text
    assert "1 av 1 län har en publicerad regional överenskommelse" in text
    rows = csv_rows(client, "tackning", "per-kommun", **JAMTLAND)
    assert rows[0] == [
        "Kommun",
        "Kommunkod",
        "Omfattas",
        "Lokala överenskommelser som gäller",
        "Omfattas sedan",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Östersund"] == [
        "Östersund",
        "2380",
        "Ja",
        "Lokal överenskommelse Östersund och Krokom",
        "2020-01-01",
    ]
    assert by_name["Åre"][3] == "Lokal överenskommelse Åre (Reviderad 2021)"
    assert by_name["Bräcke"][2] == "Nej"
    assert rows[-1][:3] == ["Hela Jämtlands län", "", "4 av 8"]


def test_national_coverage_csv_with_semicolons_and_decimal_commas(client, data):
    rows = csv_rows(client, "tackning", "per-lan", date=ON.isoformat(), delimiter=";")
    assert rows[0] == [
        "Län",
        "Kommuner",
        "Med lokal överenskommelse",
        "Andel",
        "Med okänd giltighet",
    ]
    assert ["Jämtlands län", "8", "4", "50", "0"] in rows
    # The Stockholm examples have no dates: their municipalities have validity unknown.
    assert ["Stockholms län", "26", "0", "0", "8"] in rows
    assert rows[-1] == ["Hela landet", "290", "4", "1,4", "8"]
    plain = csv_rows(client, "tackning", "per-lan", date=ON.isoformat())
    assert plain[-1] == ["Hela landet", "290", "4", "1.4", "8"]


def test_coverage_the_day_before_counts_the_agreement_that_ended(client, data):
    yesterday = (ON - datetime.timedelta(days=1)).isoformat()
    text = page(client, "tackning", county="jamtlands-lan", date=yesterday)
    assert "5 av 8 kommuner omfattas" in text


def test_overview_key_figures(client, data):
    rows = csv_rows(client, "oversikt", "nyckeltal", **JAMTLAND)
    figures = {row[0]: row[1:] for row in rows[1:]}
    assert figures["Kommuner som omfattas av en lokal överenskommelse"] == ["4", "8", "50"]
    assert figures["Län med en regional överenskommelse"] == ["1", "1", "100"]
    assert figures["Lokala överenskommelser som gäller"] == ["3", "", ""]
    assert figures["Lokala överenskommelser som gäller i flera kommuner"] == ["1", "", ""]
    assert figures["Överenskommelser som gällde 2025 och är uppföljda för 2025"] == ["2", "5", "40"]


def test_stock_page_has_a_chart_and_a_table_per_measure(client, data):
    text = page(client, "bestand", **JAMTLAND)
    assert text.count('role="img"') == 3
    rows = csv_rows(client, "bestand", "gallande", **JAMTLAND)
    assert rows[0] == ["År", "Central", "Regional", "Lokal", "Totalt"]
    assert rows[1] == ["2018", "0", "0", "1", "1"]
    assert rows[-2] == ["2026", "0", "1", "4", "5"]
    assert rows[-1] == ["okänt", "0", "0", "0", "0"]


def test_participation_tables(client, data):
    rows = csv_rows(client, "deltagande", "kombinationer", **JAMTLAND)
    assert rows[1] == ["kommun + Arbetsförmedlingen", "2", "50", "1"]
    rows = csv_rows(client, "deltagande", "parter-per-overenskommelse", **JAMTLAND)
    assert rows[-1] == ["Alla nivåer", "4", "2", "2.5", "4"]


def test_content_table(client, data):
    rows = csv_rows(client, "innehall", "kriterier", **JAMTLAND)
    assert ["Har mätbara mål (indikator och målvärde)", "1", "25"] in rows
    assert rows[-1] == ["Antal överenskommelser", "4", ""]


def test_followup_tables(client, data):
    rows = csv_rows(client, "uppfoljning", "status-per-tema", **JAMTLAND)
    assert rows[0][-2:] == ["Bedömda åtaganden", "Andel uppfyllda av de aktuella"]
    assert rows[1] == ["Arbete", "1", "1", "0", "0", "0", "2", "50"]
    assert rows[-1] == ["Alla bedömda åtaganden", "1", "1", "0", "1", "1", "4", "33.3"]


def test_reception_page_for_norrbotten(client):
    text = page(client, "mottagande", county="norrbottens-lan")
    assert 'role="img"' in text
    rows = csv_rows(client, "mottagande", "lan", county="norrbottens-lan")
    assert rows[1:] == [
        ["Norrbottens län", "2007", "13", "595", "220"],
        ["Norrbottens län", "2008", "14", "610", "235"],
        ["Norrbottens län", "2009", "14", "610", "235"],
    ]
    rows = csv_rows(client, "mottagande", "kommuner", county="norrbottens-lan")
    assert rows[0][:4] == ["Kommun", "Kommunkod", "2007: antal", "2007: varav för anvisning"]
    assert rows[-1] == ["Hela Norrbottens län", "", "595", "220", "610", "235", "610", "235"]


def test_json_has_the_same_tables(client, data):
    response = client.get("/statistik/tackning.json", JAMTLAND)
    assert response.status_code == 200
    payload = json.loads(response.content)
    assert payload["parameters"] == {
        "date": "2026-06-01",
        "county": "23",
        "county_name": "Jämtlands län",
        "year": 2025,
        "selection": "in_force",
        "boundaries": "today",
        "organisations": "then",
    }
    table = next(t for t in payload["tables"] if t["key"] == "per-kommun")
    ostersund = next(row for row in table["rows"] if row["municipality"] == "Östersund")
    assert ostersund["covered"] == "Ja"
    assert ostersund["agreements"][0]["url"].startswith("/overenskommelser/")
    assert ostersund["since"] == "2020-01-01"
    assert payload["rules"][0] == "Bara publicerade överenskommelser räknas; utkast räknas aldrig."


def test_bad_choices_get_a_swedish_message(client):
    response = client.get("/statistik/tackning/", {"date": "23/11", "county": "atlantis"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-11-23." in text
    assert "Det finns inget län som heter ”atlantis”." in text
    response = client.get("/statistik/tackning.json", {"year": "förra året"})
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "errors": ["Uppföljningsår: Skriv året med fyra siffror, till exempel 2025."]
    }
    response = client.get("/statistik/tackning/per-lan.csv", {"date": "i går"})
    assert response.status_code == 400
    assert "Skriv datumet som ÅÅÅÅ-MM-DD" in response.content.decode()


def test_a_date_outside_the_registrys_years_is_refused(client):
    response = client.get("/statistik/uppfoljning/", {"date": "0001-01-01"})
    assert response.status_code == 400
    assert "Välj ett datum mellan 1 januari 1990 och 31 december 2100." in response.content.decode()


def test_unknown_sections_and_tables_are_not_found(client):
    assert client.get("/statistik/okand/").status_code == 404
    assert client.get("/statistik/okand.json").status_code == 404
    assert client.get("/statistik/tackning/okand.csv").status_code == 404


def test_every_chart_is_an_image_with_its_table_as_text_alternative(client, data):
    text = page(client, "uppfoljning", **JAMTLAND)
    assert text.count("<svg") == text.count('role="img"') == 3
    assert 'aria-labelledby="diagram-2-title diagram-2-desc"' in text
    assert "Samma uppgifter står i tabellen under diagrammet." in text
    assert text.index("<svg") < text.index("<table")


def test_user_text_is_escaped_in_charts_and_tables(client, data):
    evil = org("arbetsformedlingen")
    evil.name = "<script>alert(1)</script>"
    evil.save()
    text = page(client, "deltagande", **JAMTLAND)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# Drafts never leak --------------------------------------------------------------------------


def test_drafts_never_appear_anywhere_in_the_statistics(client, data):
    """D is a draft with a completed follow-up and a reception figure for Berg (99)."""
    combinations = [
        JAMTLAND,
        {**JAMTLAND, "selection": "all"},
        {"date": ON.isoformat(), "year": "2025"},
        {"date": "2021-06-01", "selection": "all"},
    ]
    for params in combinations:
        for slug in SECTIONS:
            response = client.get(f"/statistik/{slug}.json", params)
            texts = [page(client, slug, **params), response.content.decode()]
            for table in json.loads(response.content)["tables"]:
                texts.append(
                    client.get(f"/statistik/{slug}/{table['key']}.csv", params).content.decode()
                )
            for text in texts:
                assert "Utkast Ragunda" not in text
                assert "Hemligt åtagande" not in text
    rows = csv_rows(client, "mottagande", "kommuner", county="jamtlands-lan")
    assert [row[0] for row in rows[1:-1]] == ["Krokom", "Östersund"]  # not Berg's 99


# Query counts -------------------------------------------------------------------------------


def _more_agreements(count):
    codes = ["2303", "2305", "2309", "2313", "2321", "2326", "2361", "2380"]
    for i in range(count):
        agreement = local_agreement(
            municipality_codes=[codes[i % len(codes)]], valid_from=datetime.date(2020, 1, 1)
        )
        PartyFactory(agreement=agreement, organisation=org("arbetsformedlingen"))


QUERY_LIMITS = {
    "oversikt": 14,
    "tackning": 10,
    "bestand": 5,
    "deltagande": 5,
    "malgrupper-teman": 5,
    "innehall": 3,
    "uppfoljning": 10,
    "mottagande": 3,
}


@pytest.mark.parametrize("slug", list(SECTIONS))
def test_query_count_does_not_grow_with_the_data(client, data, slug, django_assert_max_num_queries):
    for extra in (0, 12):
        _more_agreements(extra)
        with django_assert_max_num_queries(QUERY_LIMITS[slug]):
            page(client, slug, **JAMTLAND)
        with django_assert_max_num_queries(QUERY_LIMITS[slug]):
            page(client, slug, date=ON.isoformat(), year="2025")


# On the agreement's page -------------------------------------------------------------------


def test_agreement_page_shows_completed_followups_with_fulfilment_per_party(client, data):
    text = client.get(data.a.get_absolute_url()).content.decode()
    assert "Uppföljning 2025" in text
    assert "Uppföljning 2026" not in text  # a draft
    # Östersunds kommun: 1 of 1 applicable fulfilled; Arbetsförmedlingen: 0 of 1 (one n/a).
    assert 'Östersunds kommun</th>\n          <td class="num">100 %' in text
    assert 'Arbetsförmedlingen</th>\n          <td class="num">0 %' in text
    assert "Ej aktuellt: 1" in text
    assert "50 % (1 av 2 aktuella åtaganden)" in text


def test_agreement_page_shows_the_content_checklist(client, data):
    text = client.get(data.b2.get_absolute_url()).content.decode()
    assert "Innehåll enligt checklistan" in text
    assert "Delvis</span> <span>Åtaganden för varje part" in text
    assert "(1 av 3 parter har åtaganden)" in text


def test_followups_of_a_draft_agreement_are_never_public(client, data):
    assert client.get(data.d.get_absolute_url()).status_code == 404


def test_agreement_page_says_when_there_is_no_followup(client, data):
    text = client.get(data.c.get_absolute_url()).content.decode()
    assert "Ingen avslutad uppföljning är publicerad" in text


def test_agreement_page_queries_do_not_grow_with_its_followups(
    client, data, django_assert_max_num_queries
):
    from followup.models import FollowUp, FollowUpState

    url = data.a.get_absolute_url()
    with django_assert_max_num_queries(23):
        client.get(url)
    for year in (2021, 2022, 2023):
        followup = FollowUp.objects.create(
            agreement=data.a, year=year, state=FollowUpState.COMPLETED, completed_at=timezone.now()
        )
        for commitment in data.a.commitments.all():
            followup.assessments.create(commitment=commitment, status="fulfilled")
    with django_assert_max_num_queries(23):
        text = client.get(url).content.decode()
    assert text.count('<h3 id="uppfoljning-') == 4
