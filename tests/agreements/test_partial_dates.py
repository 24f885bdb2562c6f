"""Dates known to the year, the month or the day: stored with their precision and shown as
written on the page, in the CSV and API, the import and the statistics."""

import csv
import datetime
import io
import re

import pytest
from django.core.cache import cache
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agreements.importing import agreements_import, import_preview
from agreements.models import Agreement
from agreements.services import agreement_publish
from registry import partial_dates
from registry.partial_dates import DatePrecision
from tests.agreements.test_import import HEADER, VALID_ROWS, csv_bytes

pytestmark = pytest.mark.django_db

FORMS = [
    # written, end?, stored day, precision, document text, Swedish, English
    ("2004", False, datetime.date(2004, 1, 1), "year", "2004", "2004", "2004"),
    ("2004", True, datetime.date(2004, 12, 31), "year", "2004", "2004", "2004"),
    ("2009-03", False, datetime.date(2009, 3, 1), "month", "2009-03", "mars 2009", "march 2009"),
    ("mars 2009", True, datetime.date(2009, 3, 31), "month", "2009-03", "mars 2009", "march 2009"),
    (
        "2009-03-15",
        False,
        datetime.date(2009, 3, 15),
        "day",
        "2009-03-15",
        "15 mars 2009",
        "March 15, 2009",
    ),
    (
        "15 mars 2009",
        True,
        datetime.date(2009, 3, 15),
        "day",
        "2009-03-15",
        "15 mars 2009",
        "March 15, 2009",
    ),
]


@pytest.mark.parametrize(("written", "end", "day", "precision", "iso", "sv", "en"), FORMS)
def test_each_form_is_read_and_written_as_written(written, end, day, precision, iso, sv, en):
    parsed = partial_dates.parse(written, end=end)
    assert (parsed.day, parsed.precision, parsed.iso()) == (day, precision, iso)
    with translation.override("sv"):
        assert str(parsed) == sv
    with translation.override("en"):
        assert str(parsed).lower() == en.lower()


@pytest.mark.parametrize("written", ["början av 2009", "2009-13", "31 februari 2009", "09"])
def test_an_unreadable_date_says_how_to_write_one(written):
    with pytest.raises(ValueError, match="Skriv datumet som ÅÅÅÅ-MM-DD, ÅÅÅÅ-MM eller ÅÅÅÅ"):
        partial_dates.parse(written)


@pytest.fixture
def api(norrbotten_staff):
    cache.clear()
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=norrbotten_staff)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def create(api, **dates) -> Agreement:
    document = {
        "title": "Lokal överenskommelse i Kiruna 2009",
        "level": "local",
        "county": "25",
        "municipalities": ["2584"],
        "purpose": "Att påskynda etableringen.",
        "parties": [{"organisation": "kiruna-kommun"}, {"organisation": "arbetsformedlingen"}],
        **dates,
    }
    response = api.post("/api/v1/agreements/", document, format="json")
    assert response.status_code == 201, response.json()
    return Agreement.objects.get(pk=response.json()["id"])


def publish(agreement, user):
    agreement_publish(agreement=agreement, user=user)
    return Agreement.objects.get(pk=agreement.pk)


def export_rows(client, **params) -> list[dict]:
    response = client.get("/api/v1/agreements/export.csv", params)
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


def test_month_and_year_through_api_page_csv_and_statistics(api, client, norrbotten_staff):
    agreement = create(api, signed_on="mars 2009", valid_from="2009-03", valid_until="2010")
    assert (agreement.signed_on, agreement.signed_on_precision) == (
        datetime.date(2009, 3, 1),
        DatePrecision.MONTH,
    )
    assert agreement.valid_until == datetime.date(2010, 12, 31)
    agreement = publish(agreement, norrbotten_staff)

    body = client.get(f"/api/v1/agreements/{agreement.pk}/").json()
    assert (body["signed_on"], body["valid_from"], body["valid_until"]) == (
        "2009-03",
        "2009-03",
        "2010",
    )
    assert body["signing_year"] == 2009

    page = client.get(agreement.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "från mars 2009 till 2010" in text
    assert "1 mars 2009" not in text and "31 december 2010" not in text
    english = client.get(f"/en{agreement.get_absolute_url()}").content.decode()
    assert "March 2009" in english

    row = next(r for r in export_rows(client, county="25") if r["titel"] == agreement.title)
    assert (row["undertecknad"], row["undertecknad år"], row["gäller från"]) == (
        "2009-03",
        "2009",
        "2009-03",
    )
    assert row["gäller till"] == "2010"

    rows = statistics_rows(client, "tecknade", county="norrbottens-lan", date="2026-11-23")
    assert rows["2009"]["Lokal"] == "1"
    # An end given as a year is in force to its last day.
    rows = statistics_rows(client, "gallande", county="norrbottens-lan", date="2026-11-23")
    assert rows["2010"]["Lokal"] == "1" and rows["2011"]["Lokal"] == "0"


def test_a_full_date_stays_a_day_everywhere(api, client, norrbotten_staff):
    agreement = publish(create(api, signed_on="2009-03-15"), norrbotten_staff)
    assert agreement.signed_on_precision == DatePrecision.DAY
    assert client.get(f"/api/v1/agreements/{agreement.pk}/").json()["signed_on"] == "2009-03-15"
    assert "15 mars 2009" in client.get(agreement.get_absolute_url()).content.decode()
    row = next(r for r in export_rows(client, county="25") if r["titel"] == agreement.title)
    assert row["undertecknad"] == "2009-03-15"


def test_a_bad_date_in_the_api_is_a_swedish_400_and_nothing_is_saved(api):
    response = api.post(
        "/api/v1/agreements/",
        {"title": "Trasigt datum", "level": "regional", "county": "25", "signed_on": "vår 2009"},
        format="json",
    )
    assert response.status_code == 400
    assert "kan inte läsas som ett datum" in str(response.json()["signed_on"])
    assert not Agreement.objects.filter(title="Trasigt datum").exists()


def test_the_import_takes_a_year_and_a_month_by_name(norrbotten_staff, client):
    rows = [list(row) for row in VALID_ROWS]
    start = HEADER.index("gäller från")
    rows[0][start] = "mars 2009"
    plan = import_preview(content=csv_bytes(rows), filename="lok.csv", user=norrbotten_staff)
    assert plan.is_valid, [str(error) for error in plan.errors]
    agreements_import(plan=plan, user=norrbotten_staff)
    lulea = Agreement.objects.get(lineage__slug="lok-lulea-2026")
    assert (lulea.valid_from, lulea.valid_from_precision) == (
        datetime.date(2009, 3, 1),
        DatePrecision.MONTH,
    )


def test_the_seed_agreements_carry_the_precision_their_sources_give(client):
    norrbotten = Agreement.objects.get(lineage__slug="norrbotten-rok")
    assert norrbotten.valid_from_precision == DatePrecision.MONTH
    assert norrbotten.valid_until_precision == DatePrecision.YEAR
    cok = Agreement.objects.get(lineage__slug="cok")
    assert (cok.valid_from, cok.valid_until) == (
        datetime.date(2006, 1, 1),
        datetime.date(2006, 12, 31),
    )
    text = client.get(norrbotten.get_absolute_url()).content.decode()
    assert "från mars 2009 till 2009" in text
    assert "från 2006 till 2006" in client.get(cok.get_absolute_url()).content.decode()


def statistics_rows(client, table, **params) -> dict[str, dict]:
    response = client.get(f"/statistik/bestand/{table}.csv", params)
    assert response.status_code == 200, response.content
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    return {row["År"]: row for row in reader}


def test_the_admin_form_shows_and_takes_a_partial_date(client, norrbotten_staff):
    from tests.agreements.helpers import change_url, form_data

    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok")
    client.force_login(norrbotten_staff)
    page = client.get(change_url(agreement))
    assert 'name="valid_from" value="2009-03"' in page.content.decode()
    data = form_data(page)
    data["signed_on"] = "april 2009"
    data["valid_from"] = "vår 2009"

    refused = client.post(change_url(agreement), data)
    assert refused.status_code == 200
    assert "”vår 2009” kan inte läsas som ett datum" in refused.content.decode()
    agreement.refresh_from_db()
    assert agreement.signed_on is None

    data["valid_from"] = "2009-03"
    response = client.post(change_url(agreement), data)
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.signed_on, agreement.signed_on_precision) == (
        datetime.date(2009, 4, 1),
        DatePrecision.MONTH,
    )
    assert (agreement.valid_until, agreement.valid_until_precision) == (
        datetime.date(2009, 12, 31),
        DatePrecision.YEAR,
    )


def test_the_admin_list_shows_the_dates_as_written(client, norrbotten_staff):
    """Norrbotten's regional agreement is valid from March 2009 until the end of 2009: the
    list says so, not the first and last day it is counted from and to."""
    client.force_login(norrbotten_staff)
    response = client.get("/admin/agreements/agreement/", {"q": "norrbotten-rok"})

    assert response.status_code == 200
    row = re.search(r"<tr>.*?</tr>", response.content.decode().split("<tbody>")[1], re.S)[0]
    cells = re.findall(r'<td class="field-valid_(?:from|until)[^"]*">(.*?)</td>', row)
    assert cells == ["mars 2009", "2009"]
