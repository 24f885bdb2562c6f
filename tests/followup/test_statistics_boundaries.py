"""The statistics' county choice and every table by the boundaries asked for: today's 21
counties by default; with the day's boundaries the counties of that day, former ones included
(Malmöhus län on 31 December 1996), and a reception figure under the county its municipality
lay in that year (Heby 2005: Västmanlands län). The statistics are public: what an anonymous
visitor sees."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actors.models import County, Municipality, OrganisationKind
from agreements.models import Level
from commitments.models import Theme
from followup.models import (
    AssessmentStatus,
    CommitmentAssessment,
    FollowUp,
    FollowUpState,
    ReceptionFigure,
)
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    OrganisationFactory,
    PartyFactory,
)

pytestmark = pytest.mark.django_db

HEBY = "0331"
THEN_1996 = {"date": "1996-12-31", "boundaries": "then"}
MALMOHUS_1996 = {"county": "malmohus-lan", **THEN_1996}
MALMOHUS_TODAY_MESSAGE = (
    "Län: Malmöhus län finns inte i dag; det ingår i Skåne län. Välj Skåne län, eller länen "
    "på den valda dagen och en dag då Malmöhus län fanns."
)


def tables(client, section: str, **params) -> dict:
    response = client.get(f"/statistik/{section}.json", params)
    assert response.status_code == 200, response.content.decode()
    return {table["key"]: table for table in json.loads(response.content)["tables"]}


def page(client, section: str, status: int = 200, **params) -> str:
    response = client.get(f"/statistik/{section}/", params)
    assert response.status_code == status
    return response.content.decode()


def county_options(text: str) -> list[str]:
    select = re.search(r'<select name="county".*?</select>', text, re.S).group(0)
    return re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', select)


def figure(table: dict, label: str) -> dict:
    return next(row for row in table["rows"] if row["figure"] == label)


@pytest.fixture
def malmohus():
    """A local agreement of Malmöhus län for Malmö and Lund, in force 1996–1998, with a
    target group, a party with a commitment and a completed follow-up for 1996."""
    agreement = AgreementFactory(
        title="Lokal överenskommelse Malmö och Lund",
        level=Level.LOCAL,
        county=County.all_objects.get(slug="malmohus-lan"),
        municipalities=list(Municipality.objects.filter(name__in=["Malmö", "Lund"])),
        signed_on="1996-05-01",
        valid_from="1996-06-01",
        valid_until="1998-12-31",
        purpose="Samverkan kring flyktingmottagandet.",
    )
    malmo = OrganisationFactory(
        name="Malmö kommun", slug="malmo-kommun", kind=OrganisationKind.MUNICIPALITY
    )
    party = PartyFactory(agreement=agreement, organisation=malmo)
    commitment = CommitmentFactory(party=party, text="Erbjuda svenskundervisning.")
    commitment.themes.set(Theme.objects.filter(slug="sfi"))
    followup = FollowUp.objects.create(
        agreement=agreement,
        year=1996,
        state=FollowUpState.COMPLETED,
        completed_at=timezone.now(),
        summary="Genomförd.",
    )
    CommitmentAssessment.objects.create(
        followup=followup, commitment=commitment, status=AssessmentStatus.FULFILLED
    )
    return agreement


# --------------------------------------------------------------------------------------------
# The county choice


def test_the_county_choice_offers_todays_counties_or_those_of_the_day(client):
    today = county_options(page(client, "oversikt", date="1996-12-31"))
    assert len(today) == 21
    assert "Skåne län" in today and "Malmöhus län" not in today

    then = county_options(page(client, "oversikt", **THEN_1996))
    assert len(then) == 24  # 21 − Skåne − Västra Götaland + the five former counties
    assert {"Malmöhus län", "Kristianstads län", "Älvsborgs län"} <= set(then)
    assert "Skåne län" not in then and "Västra Götalands län" not in then

    # By 2000 every merger since 1995 had happened: today's counties again.
    assert county_options(page(client, "oversikt", date="2000-12-31", boundaries="then")) == today

    chosen = page(client, "mottagande", **MALMOHUS_1996)
    assert '<option value="malmohus-lan" selected>Malmöhus län</option>' in chosen


def test_malmohus_lan_is_counted_in_every_section_with_the_boundaries_of_1996(client, malmohus):
    overview = tables(client, "oversikt", **MALMOHUS_1996)["nyckeltal"]
    assert figure(overview, "Lokala överenskommelser som gäller")["count"] == 1
    assert figure(overview, "Lokala överenskommelser som gäller i flera kommuner")["count"] == 1
    covered = figure(overview, "Kommuner som omfattas av en lokal överenskommelse")
    assert covered["count"] == 2

    coverage = tables(client, "tackning", **MALMOHUS_1996)
    assert [row["municipalities"] for row in coverage["flera-kommuner"]["rows"]] == ["Malmö, Lund"]

    participation = tables(client, "deltagande", **MALMOHUS_1996)["organisationstyper"]
    assert participation["description"].startswith(
        "Urval: 1 publicerad överenskommelse i Malmöhus län som gäller den 31 december 1996."
    )
    assert [(row["kind"], row["local"]) for row in participation["rows"]] == [("Kommun", 1)]

    themes = tables(client, "malgrupper-teman", **MALMOHUS_1996)["teman"]
    assert {row["theme"]: row["local"] for row in themes["rows"]}["Sfi"] == 1

    content = tables(client, "innehall", **MALMOHUS_1996)["kriterier"]
    assert content["total"]["count"] == 1

    followup = tables(client, "uppfoljning", county="malmohus-lan", year="1996", boundaries="then")
    assert [(row["county"], row["followed_up"]) for row in followup["andel-uppfoljda"]["rows"]] == [
        ("Malmöhus län", 1)
    ]
    assert followup["status-per-tema"]["total"]["fulfilled"] == 1

    # Kristianstads län, the other county of 1996 that is Skåne today, has none of it.
    kristianstad = {"county": "kristianstads-lan", **THEN_1996}
    overview = tables(client, "oversikt", **kristianstad)["nyckeltal"]
    assert figure(overview, "Lokala överenskommelser som gäller")["count"] == 0
    participation = tables(client, "deltagande", **kristianstad)["organisationstyper"]
    assert participation["rows"] == []
    followup = tables(
        client, "uppfoljning", county="kristianstads-lan", year="1996", boundaries="then"
    )
    assert followup["status-per-tema"]["rows"] == []


def test_under_todays_boundaries_the_same_agreement_is_skanes(client, malmohus):
    skane = {"county": "skane-lan", "date": "1996-12-31"}
    overview = tables(client, "oversikt", **skane)["nyckeltal"]
    assert figure(overview, "Lokala överenskommelser som gäller")["count"] == 1
    participation = tables(client, "deltagande", **skane)["organisationstyper"]
    assert [(row["kind"], row["local"]) for row in participation["rows"]] == [("Kommun", 1)]
    followup = tables(client, "uppfoljning", county="skane-lan", year="1996")
    assert followup["status-per-tema"]["total"]["fulfilled"] == 1


def test_a_county_that_is_not_one_of_the_days_is_refused_in_swedish_and_nothing_counted(
    client, malmohus
):
    today = {"county": "malmohus-lan", "date": "1996-12-31"}
    response = client.get("/statistik/deltagande.json", today)
    assert response.status_code == 400
    assert json.loads(response.content) == {"errors": [MALMOHUS_TODAY_MESSAGE]}
    response = client.get("/statistik/deltagande/organisationstyper.csv", today)
    assert response.status_code == 400
    assert response.content.decode() == MALMOHUS_TODAY_MESSAGE
    text = page(client, "deltagande", status=400, **today)
    assert MALMOHUS_TODAY_MESSAGE.removeprefix("Län: ") in text
    assert 'value="malmohus-lan"' not in text  # neither offered nor counted
    assert "Urval: 1 publicerad överenskommelse i Malmöhus län" not in text

    # After 1996 Malmöhus län was part of Skåne län; the follow-up counts by its year's end.
    response = client.get(
        "/statistik/uppfoljning.json",
        {"county": "malmohus-lan", "year": "2000", "boundaries": "then"},
    )
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "errors": [
            "Län: Malmöhus län fanns inte den 31 december 2000; då ingick det i Skåne län. "
            "Välj Skåne län."
        ]
    }


def test_the_english_pages_refuse_a_county_of_another_day_in_english(client):
    response = client.get("/en/statistik/", {"county": "malmohus-lan"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Malmöhus län no longer exists; it is part of Skåne län." in text
    then = county_options(client.get("/en/statistik/", THEN_1996).content.decode())
    assert "Malmöhus län" in then


# --------------------------------------------------------------------------------------------
# Reception figures


@pytest.fixture
def heby():
    """Heby lay in Västmanlands län until 2006 and in Uppsala län from 2007."""
    heby = Municipality.objects.get(code=HEBY)
    ReceptionFigure.objects.create(municipality=heby, year=2005, agreed_number=12)
    ReceptionFigure.objects.create(
        municipality=heby, year=2008, agreed_number=15, assigned_number=5
    )
    return heby


def per_county_and_year(client, **params) -> dict:
    rows = tables(client, "mottagande", **params)["lan"]["rows"]
    return {(row["county"], row["year"]): row["agreed"] for row in rows}


def test_heby_2005_counts_under_uppsala_today_and_vastmanland_with_the_days_boundaries(
    client, heby
):
    today = per_county_and_year(client)
    assert today[("Uppsala län", "2005")] == 12 and today[("Uppsala län", "2008")] == 15
    assert not any(county == "Västmanlands län" for county, _year in today)

    # The figure's own year decides, whatever the day chosen.
    for date in ["2005-06-01", "2026-01-01"]:
        then = per_county_and_year(client, date=date, boundaries="then")
        assert then[("Västmanlands län", "2005")] == 12 and then[("Uppsala län", "2008")] == 15
        assert ("Uppsala län", "2005") not in then

    def heby_in(county, **params) -> list:
        rows = tables(client, "mottagande", county=county, **params)["kommuner"]["rows"]
        return [row for row in rows if row["municipality"] == "Heby"]

    assert heby_in("vastmanlands-lan") == []
    assert heby_in("vastmanlands-lan", boundaries="then") == [
        {"municipality": "Heby", "code": HEBY, "2005_agreed": 12, "2005_assigned": None}
    ]
    (under_uppsala,) = heby_in("uppsala-lan", boundaries="then")
    assert (under_uppsala["2008_agreed"], "2005_agreed" in under_uppsala) == (15, False)
    (under_uppsala,) = heby_in("uppsala-lan")
    assert (under_uppsala["2005_agreed"], under_uppsala["2008_agreed"]) == (12, 15)


def test_the_reception_csv_has_a_row_for_heby_under_each_county_of_its_years(client, heby):
    response = client.get("/statistik/mottagande/kommuner.csv", {"boundaries": "then"})
    assert response.status_code == 200
    lines = response.content.decode("utf-8").lstrip("\ufeff").splitlines()
    header = lines[0].split(",")
    heby_rows = [
        dict(zip(header, line.split(","), strict=True)) for line in lines if "Heby" in line
    ]
    assert [(row["Län"], row["2005: antal"], row["2008: antal"]) for row in heby_rows] == [
        ("Västmanlands län", "12", ""),
        ("Uppsala län", "", "15"),
    ]
    text = page(client, "mottagande", boundaries="then")
    assert '<select name="boundaries"' in text
    assert "till länet som kommunen låg i det år siffran gäller" in text


def test_a_bad_reception_choice_is_refused_in_swedish(client, heby):
    response = client.get("/statistik/mottagande.json", {"boundaries": "1996"})
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "errors": ["Län räknas efter: Välj dagens län eller länen på den valda dagen."]
    }
    response = client.get("/statistik/mottagande/lan.csv", {"county": "kristianstads-lan"})
    assert response.status_code == 400
    assert "Kristianstads län finns inte i dag; det ingår i Skåne län." in response.content.decode()


# --------------------------------------------------------------------------------------------
# Query counts


@pytest.mark.parametrize("section", ["oversikt", "deltagande", "uppfoljning", "mottagande"])
def test_the_days_boundaries_cost_the_same_queries_whatever_the_data(client, section):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            page(client, section, county="malmohus-lan", year="1996", **THEN_1996)
        return len(context)

    malmo = Municipality.objects.get(name="Malmö")
    AgreementFactory(
        level=Level.LOCAL,
        county=County.all_objects.get(slug="malmohus-lan"),
        municipalities=[malmo],
        valid_from="1996-01-01",
    )
    ReceptionFigure.objects.create(municipality=malmo, year=1996, agreed_number=3)
    few = queries()
    for name in ["Lund", "Trelleborg", "Ystad", "Eslöv"]:
        municipality = Municipality.objects.get(name=name)
        AgreementFactory(
            level=Level.LOCAL,
            county=County.all_objects.get(slug="malmohus-lan"),
            municipalities=[municipality],
            valid_from="1996-01-01",
        )
        ReceptionFigure.objects.create(municipality=municipality, year=1996, agreed_number=3)
    assert queries() == few
