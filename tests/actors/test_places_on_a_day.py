"""The county and national pages, their maps and the county and national reports for a chosen
day (`?date=`, as the statistics), under today's counties or those of the day
(`?boundaries=then`): Heby lay in Västmanlands län until 2006, Knivsta was formed in 2003,
Malmöhus län was merged into Skåne län in 1997. Coverage uses the one rule of
agreements/coverage.py; validity unknown is its own category on any day."""

import datetime
import json
import re

import pytest

from actors.models import County, Municipality
from agreements.catalogue_index import catalogue_index
from registry.partial_dates import DatePrecision
from tests.agreements import pdf_support
from tests.agreements.pdf_support import read_pdf
from tests.factories import AgreementFactory, local_agreement

pytestmark = pytest.mark.django_db
pdf_cache = pdf_support.pdf_cache

SALA, HEBY, KOPING, MALMO, LUND = "1981", "0331", "1983", "1280", "1281"
DAY_2005 = {"date": "2005-06-01"}
THEN_2005 = {"date": "2005-06-01", "boundaries": "then"}
THEN_1996 = {"date": "1996-06-01", "boundaries": "then"}


@pytest.fixture
def history():
    """A local agreement of Sala and Heby in force 2004–2006 (Västmanlands län), one in
    Köping without any date (validity unknown), and Malmöhus län's regional and local
    agreements of 1996."""
    AgreementFactory(
        title="Sala och Heby 2004",
        level="local",
        county=County.objects.get(code="19"),
        municipalities=list(Municipality.objects.filter(code__in=[SALA, HEBY])),
        signed_on=datetime.date(2004, 5, 1),
        valid_from=datetime.date(2004, 5, 1),
        valid_until=datetime.date(2006, 12, 31),
    )
    local_agreement(municipality_codes=[KOPING], title="Köping utan datum")
    malmohus = County.all_objects.get(slug="malmohus-lan")
    AgreementFactory(
        title="Regional överenskommelse i Malmöhus län",
        county=malmohus,
        signed_on=datetime.date(1996, 3, 1),
        valid_from=datetime.date(1996, 3, 1),
        valid_until=datetime.date(2000, 12, 31),
    )
    AgreementFactory(
        title="Malmö och Lund 1996",
        level="local",
        county=malmohus,
        municipalities=list(Municipality.objects.filter(code__in=[MALMO, LUND])),
        signed_on=datetime.date(1996, 5, 1),
        valid_from=datetime.date(1996, 6, 1),
        valid_until=datetime.date(1998, 12, 31),
    )


def page(client, path, params=None, status=200) -> str:
    response = client.get(path, params or {})
    assert response.status_code == status, (path, params)
    return response.content.decode()


def rows(html: str) -> dict[str, str]:
    """The coverage table's rows: municipality → the row's text."""
    table = re.search(r'<table[^>]*id="tackningstabell".*?</table>', html, re.S).group(0)
    found = {}
    for row in re.findall(r"<tr>.*?</tr>", table, re.S)[1:]:
        name = re.search(r'<th scope="row"[^>]*><a [^>]*>([^<]+)</a>', row).group(1)
        found[name] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
    return found


def paths(html: str, css_class: str) -> int:
    return html.count(f'<path class="{css_class}"')


def map_states(html: str) -> tuple[int, int, int]:
    """The map's municipalities: (agreement in force, validity unknown, none)."""
    return paths(html, "covered"), paths(html, "validity-unknown"), paths(html, "not-covered")


# --------------------------------------------------------------------------------------------
# The county page and its map


def test_vastmanland_in_2005_under_the_boundaries_of_2005_has_heby(client, history):
    html = page(client, "/lan/vastmanlands-lan/", THEN_2005)
    assert (
        "2 av länets 11 kommuner har en lokal överenskommelse som gäller den 1 juni 2005." in html
    )
    assert "1 kommun har en lokal överenskommelse med okänd giltighet" in html
    assert "Länen och deras kommuner som de var den 1 juni 2005." in html
    table = rows(html)
    assert len(table) == 11
    assert table["Heby"].startswith("Heby Ja : Sala och Heby 2004 1 maj 2004")
    assert table["Köping"].startswith("Köping Giltighet okänd : Köping utan datum")
    assert table["Västerås"].startswith("Västerås Nej")
    assert map_states(html) == (2, 1, 8)
    # The report and the form carry the choice.
    assert "/lan/vastmanlands-lan/rapport.pdf?date=2005-06-01&amp;boundaries=then" in html
    assert '<option value="then" selected>' in html


def test_the_agreements_on_a_county_page_have_their_status_of_the_day(client, history):
    """On 1 June 2005 Sala and Heby's agreement was in force (it ended in 2006): the card says
    so, as the coverage table above it and the county report do, not "Har upphört"."""
    AgreementFactory(
        title="Regional överenskommelse i Västmanland 2004",
        county=County.objects.get(code="19"),
        valid_from=datetime.date(2004, 11, 1),
        valid_until=datetime.date(2007, 10, 31),
    )
    html = page(client, "/lan/vastmanlands-lan/", THEN_2005)

    def status_of(title):
        card = re.search(rf"{title}</a></h3>.*?</li>", html, re.S).group(0)
        return re.search(r'<span class="status status-([a-z_]+)">', card).group(1)

    assert status_of("Sala och Heby 2004") == "in_force"
    assert status_of("Regional överenskommelse i Västmanland 2004") == "in_force"
    assert status_of("Köping utan datum") == "unknown"
    today = page(client, "/lan/vastmanlands-lan/")
    assert 'status-expired">Har upphört</span>' in today


def test_vastmanland_in_2005_under_todays_boundaries_has_no_heby(client, history):
    html = page(client, "/lan/vastmanlands-lan/", DAY_2005)
    assert (
        "1 av länets 10 kommuner har en lokal överenskommelse som gäller den 1 juni 2005." in html
    )
    assert "Heby" not in rows(html)
    assert "Länen och deras kommuner som de är i dag." in html
    assert map_states(html) == (1, 1, 8)


def test_uppsala_in_2005_has_heby_today_and_not_then(client, history):
    today = page(client, "/lan/uppsala-lan/", DAY_2005)
    assert (
        "1 av länets 8 kommuner har en lokal överenskommelse som gäller den 1 juni 2005." in today
    )
    assert "Heby" in rows(today)
    then = page(client, "/lan/uppsala-lan/", THEN_2005)
    assert "0 av länets 7 kommuner har en lokal överenskommelse som gäller den 1 juni 2005." in then
    assert "Heby" not in rows(then) and "Knivsta" in rows(then)


def test_uppsala_in_2002_under_its_boundaries_has_no_knivsta(client):
    html = page(client, "/lan/uppsala-lan/", {"date": "2002-06-01", "boundaries": "then"})
    assert "Knivsta" not in rows(html) and len(rows(html)) == 6
    assert paths(html, "not-covered") == 6


def test_today_by_default(client, history):
    html = page(client, "/lan/vastmanlands-lan/")
    assert "0 av länets 10 kommuner har en lokal överenskommelse som gäller i dag." in html
    assert '/lan/vastmanlands-lan/rapport.pdf"' in html


def test_malmohus_lan_is_shown_as_it_was_in_1996(client, history):
    html = page(client, "/lan/malmohus-lan/", THEN_1996)
    assert "<h1>Malmöhus län</h1>" in html
    assert "Länet upphörde den 31 december 1996." in html
    assert 'I dag ingår det i <a href="/lan/skane-lan/">Skåne län</a>' in html
    assert "Regional överenskommelse i Malmöhus län" in html  # listed among its agreements
    table = rows(html)
    assert table["Malmö"].startswith("Malmö Ja : Malmö och Lund 1996")
    assert "Lund" in table and "Helsingborg" in table and "Kristianstad" not in table
    assert len(table) == 20  # Kristianstads län had the other 13 of Skåne's 33
    assert paths(html, "covered") == 2


def test_a_former_county_is_sent_to_the_county_it_was_part_of_on_the_day(client):
    response = client.get("/lan/malmohus-lan/", THEN_2005)
    assert response.status_code == 302
    assert response["Location"] == "/lan/skane-lan/?date=2005-06-01&boundaries=then"
    response = client.get("/lan/malmohus-lan/", {"date": "1996-06-01"})  # today's counties
    assert response["Location"] == "/lan/skane-lan/?date=1996-06-01"


def test_skane_lan_did_not_exist_in_1996(client, history):
    html = page(client, "/lan/skane-lan/", THEN_1996)
    assert "Skåne län fanns inte den 1 juni 1996." in html
    assert '<a href="/lan/kristianstads-lan/?date=1996-06-01&amp;boundaries=then">' in html
    assert '<a href="/lan/malmohus-lan/?date=1996-06-01&amp;boundaries=then">' in html
    assert 'id="tackningstabell"' not in html
    # Under today's counties the 1996 agreement covers Malmö and Lund in Skåne.
    today = rows(page(client, "/lan/skane-lan/", {"date": "1996-06-01"}))
    assert today["Malmö"].startswith("Malmö Ja") and len(today) == 33


def test_a_bad_choice_is_a_swedish_message_and_the_page_of_today(client, history):
    html = page(client, "/lan/vastmanlands-lan/", {"date": "2005-13-01"}, status=400)
    assert "Datum: Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-11-23." in html
    assert "som gäller i dag." in html
    html = page(client, "/lan/", {"boundaries": "igår"}, status=400)
    assert "Välj dagens län eller länen på den valda dagen." in html


def test_the_county_page_in_english(client, history):
    html = page(client, "/en/lan/vastmanlands-lan/", THEN_2005)
    assert (
        "2 of the county’s 11 municipalities have a local agreement in force on 1 June 2005" in html
    )


@pytest.mark.parametrize("extra", [0, 10])
def test_a_county_page_on_a_day_costs_the_same_queries(
    client, django_assert_max_num_queries, extra
):
    codes = list(Municipality.objects.filter(county__code="19").values_list("code", flat=True))
    for number in range(extra):
        local_agreement(
            municipality_codes=[codes[number % len(codes)]],
            valid_from=datetime.date(2004, 1, 1),
        )
    catalogue_index()  # read once after a change, whatever the size: not part of a page's count
    # A county page reads the catalogue's token on any day: its body is kept under it (THEN_2005
    # reached its limit of 10 without it).
    for path, params, limit in [
        ("/lan/vastmanlands-lan/", DAY_2005, 9),
        ("/lan/vastmanlands-lan/", THEN_2005, 11),
        ("/lan/", DAY_2005, 7),
        ("/lan/", THEN_2005, 8),
    ]:
        page(client, path, params)  # the map's outline is drawn once per process
        with django_assert_max_num_queries(limit, info=f"{path} {params}"):
            page(client, path, params)


# --------------------------------------------------------------------------------------------
# The national page and its map


def county_rows(html: str) -> list[str]:
    return re.findall(r'<th scope="row" data-label="Län"><a href="[^"]+">([^<]+)</a>', html)


def test_the_national_page_in_1996_lists_the_counties_of_1996(client, history):
    then = page(client, "/lan/", THEN_1996)
    names = county_rows(then)
    assert len(names) == 24 and "Malmöhus län" in names and "Skåne län" not in names
    assert '<a href="/lan/malmohus-lan/?date=1996-06-01&amp;boundaries=then">' in then
    # Drawn from the municipalities of the day: Nykvarn (1999) and Knivsta (2003) were not yet.
    assert then.count("<path ") == 288
    assert (
        "2 av Sveriges 288 kommuner har en lokal överenskommelse som gäller den 1 juni 1996" in then
    )

    today = page(client, "/lan/", {"date": "1996-06-01"})
    assert len(county_rows(today)) == 21 and "Skåne län" in county_rows(today)
    assert today.count("<path ") == 21
    skane = re.search(
        r'<th scope="row" data-label="Län"><a [^>]*>Skåne län</a>.*?</tr>', today, re.S
    )
    assert "Regional överenskommelse i Malmöhus län" in skane.group(0)
    assert "2 av 33" in skane.group(0)


# --------------------------------------------------------------------------------------------
# The reports


def test_the_county_report_says_which_boundaries_and_day_it_counts_under(
    client, history, pdf_cache
):
    then = read_pdf(client.get("/lan/vastmanlands-lan/rapport.pdf", THEN_2005).content)
    assert then.contains("Län och kommuner räknas efter länsindelningen den 1 juni 2005.")
    assert then.contains("2 av 11 kommuner")
    assert then.contains("Heby 1917")  # its code in Västmanlands län
    assert then.contains("Sala och Heby 2004")

    today = read_pdf(client.get("/lan/vastmanlands-lan/rapport.pdf", DAY_2005).content)
    assert today.contains("Län och kommuner räknas efter dagens länsindelning.")
    assert today.contains("1 av 10 kommuner")
    assert not today.contains("Heby 0331") and not today.contains("Heby 1917")  # no row


def test_the_malmohus_report_of_1996_and_its_redirect(client, history, pdf_cache):
    response = client.get("/lan/malmohus-lan/rapport.pdf", THEN_1996)
    assert response.status_code == 200
    document = read_pdf(response.content)
    assert document.contains("Malmöhus län")
    assert document.contains("Regional överenskommelse i Malmöhus län")
    assert document.contains("Län och kommuner räknas efter länsindelningen den 1 juni 1996.")
    response = client.get("/lan/malmohus-lan/rapport.pdf", {"date": "1996-06-01"})
    assert response.status_code == 302
    assert response["Location"] == "/lan/skane-lan/rapport.pdf?date=1996-06-01"


def test_the_national_report_counts_under_the_counties_of_the_day(client, history, pdf_cache):
    then = read_pdf(client.get("/rapport.pdf", THEN_1996).content)
    assert then.contains("Län och kommuner räknas efter länsindelningen den 1 juni 1996.")
    assert then.contains("Malmöhus län")
    assert then.contains("Kristianstads län")
    assert then.contains("2 av 288")

    today = read_pdf(client.get("/rapport.pdf", {"date": "1996-06-01"}).content)
    assert today.contains("Län och kommuner räknas efter dagens länsindelning.")
    assert not today.contains("Malmöhus län (")
    assert not today.contains("Kristianstads län")
    assert today.contains("2 av 290")


def test_the_statistics_link_their_reports_with_the_same_choice(client):
    html = page(client, "/statistik/", {"county": "19", **THEN_2005})
    assert "/lan/vastmanlands-lan/rapport.pdf?date=2005-06-01&amp;boundaries=then" in html
    assert "/rapport.pdf?date=2005-06-01&amp;boundaries=then" in html


# --------------------------------------------------------------------------------------------
# Partial dates: "sedan" as written


def test_covered_since_is_shown_as_written(client, pdf_cache):
    local_agreement(
        municipality_codes=["2380"],
        title="Östersund från 2004",
        valid_from=datetime.date(2004, 1, 1),
        valid_from_precision=DatePrecision.YEAR,
    )
    local_agreement(
        municipality_codes=["2309"],
        title="Krokom från mars 2009",
        signed_on=datetime.date(2009, 3, 1),
        signed_on_precision=DatePrecision.MONTH,
    )
    html = page(client, "/lan/jamtlands-lan/")
    table = rows(html)
    assert table["Östersund"].startswith("Östersund Ja : Östersund från 2004 2004 ")
    assert "1 januari 2004" not in html
    assert table["Krokom"].startswith("Krokom Ja : Krokom från mars 2009 mars 2009 ")
    assert "(sedan mars 2009)" in page(client, "/kommuner/krokom/")
    assert "March 2009" in page(client, "/en/lan/jamtlands-lan/")

    document = read_pdf(client.get("/lan/jamtlands-lan/rapport.pdf").content)
    assert document.contains("Krokom från mars 2009 mars 2009")
    assert not document.contains("1 mars 2009")

    statistics = json.loads(page(client, "/statistik/tackning.json", {"county": "23"}))
    per_municipality = next(t for t in statistics["tables"] if t["key"] == "per-kommun")
    since = {row["municipality"]: row["since"] for row in per_municipality["rows"]}
    assert (since["Östersund"], since["Krokom"]) == ("2004", "2009-03")
    assert "<td>mars 2009</td>" in page(client, "/statistik/tackning/", {"county": "23"})
