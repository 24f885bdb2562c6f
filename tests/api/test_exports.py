"""Exports of filtered lists open as an analyst expects: CSV with BOM (and `;` for Swedish
Excel), XLSX, JSON. Drafts never appear."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from agreements.models import Agreement
from tests.agreements import pdf_support
from tests.factories import AgreementFactory, CommitmentFactory, PartyFactory
from tests.revisions import revision_create

pytestmark = pytest.mark.django_db

pdf_cache = pdf_support.pdf_cache


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def draft_commitment(norrbotten):
    draft = AgreementFactory(county=norrbotten, draft=True, title="Utkast om kvastfenor")
    return CommitmentFactory(party=PartyFactory(agreement=draft), text="Hemliga kvastfenor")


def csv_dicts(response, delimiter=",") -> list[dict]:
    """The CSV as LibreOffice reads it: UTF-8 after the byte order mark, the delimiter given."""
    raw = body(response)
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=delimiter))


def xlsx_rows(response) -> tuple[tuple, list[tuple], object]:
    workbook = load_workbook(io.BytesIO(body(response)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    return rows[0], rows[1:], sheet


def test_commitments_csv_with_semicolon_and_bom_for_swedish_excel(api, draft_commitment):
    response = api.get("/api/v1/commitments/export.csv?county=25&delimiter=;")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="ataganden.csv"' in response["Content-Disposition"]
    rows = csv_dicts(response, ";")
    assert len(rows) == 51  # every commitment of Norrbotten's published agreement
    assert {row["län"] for row in rows} == {"Norrbottens län"}
    assert {row["länskod"] for row in rows} == {"25"}
    assert "Hemliga kvastfenor" not in {row["åtagande"] for row in rows}
    kyrkan = [row for row in rows if row["part"] == "Svenska kyrkan, Luleå stift"]
    assert len(kyrkan) == 11
    assert "Luleå stift kommer att kartlägga församlingarnas" in " ".join(
        row["åtagande"] for row in kyrkan
    )
    # Words for the reader, codes in their own columns.
    association = next(row for row in rows if row["part"] == "Kommunförbundet Norrbotten")
    assert association["partens typ"] == "Kommunförbund"
    assert association["partens typkod"] == "municipal_association"
    assert "Samordning och samverkan" in association["teman"]
    assert "samordning" in association["temakoder"]
    assert {row["fas"] for row in rows} <= {
        "Anges inte",
        "Asyltiden",
        "Introduktion/etablering",
        "Båda",
    }
    assert association["överenskommelsens kortnamn i webbadressen"] == "norrbotten-rok"


def test_agreements_csv_default_comma_with_labels(api):
    rows = csv_dicts(api.get("/api/v1/agreements/export.csv?level=local"))
    slugs = {row["kortnamn i webbadressen"] for row in rows}
    assert slugs >= {"sodertalje-lok", "lidingo-hangavtal"}
    assert {row["nivå"] for row in rows} == {"Lokal"}
    assert {row["nivåkod"] for row in rows} == {"local"}
    lidingo = next(row for row in rows if row["kortnamn i webbadressen"] == "lidingo-hangavtal")
    assert lidingo["typ"] == "Hängavtal"
    assert lidingo["typkod"] == "annex"
    assert lidingo["kommuner"] == "Lidingö"
    assert lidingo["kommunkoder"] == "0186"
    assert lidingo["län"] == "Stockholms län"
    assert lidingo["länskod"] == "01"
    assert lidingo["gott exempel"] in {"Ja", "Nej"}
    assert lidingo["status"] == "Giltighet okänd"
    assert lidingo["statuskod"] == "unknown"


def test_parties_xlsx_opens_in_openpyxl_with_labels(api):
    response = api.get("/api/v1/parties/export.xlsx?county=norrbottens-lan")
    assert response.status_code == 200
    header, data, _ = xlsx_rows(response)
    assert header[:3] == ("id", "överenskommelse", "överenskommelsens kortnamn i webbadressen")
    column = {name: index for index, name in enumerate(header)}
    signatories = {row[column["undertecknad av"]] for row in data}
    assert {"Per-Ola Eriksson", "Ylva Löwenborg", "Caroline Henjered"} <= signatories
    assert len(data) == 10
    assert {row[column["roll"]] for row in data} <= {
        "Undertecknare",
        "Deltar utan att underteckna",
        "Adjungerad",
    }
    assert {row[column["sammankallande"]] for row in data} <= {"Ja", "Nej"}
    assert {row[column["typ"]] for row in data} >= {"Länsstyrelse", "Kommunförbund"}


def test_xlsx_keeps_codes_as_text(api):
    response = api.get("/api/v1/agreements/export.xlsx?county=01&level=local")
    header, data, sheet = xlsx_rows(response)
    column = header.index("kommunkoder")
    lidingo = next(index for index, row in enumerate(data) if row[column] == "0186")
    cell = sheet.cell(row=lidingo + 2, column=column + 1)
    assert cell.value == "0186" and cell.data_type == "s" and cell.number_format == "@"
    county = sheet.cell(row=lidingo + 2, column=header.index("länskod") + 1)
    assert county.value == "01" and county.number_format == "@"
    assert data[lidingo][header.index("län")] == "Stockholms län"
    assert data[lidingo][header.index("nivå")] == "Lokal"


def test_english_labels_under_en(api):
    rows = csv_dicts(api.get("/en/api/v1/agreements/export.csv?level=local"))
    assert {row["level"] for row in rows} == {"Local"}
    assert {row["level code"] for row in rows} == {"local"}
    lidingo = next(row for row in rows if row["slug in the web address"] == "lidingo-hangavtal")
    assert lidingo["municipality codes"] == "0186"
    assert lidingo["good example"] in {"Yes", "No"}
    header, data, _ = xlsx_rows(api.get("/en/api/v1/commitments/export.xlsx?county=25"))
    assert "party's type" in header and "themes" in header
    kinds = {row[header.index("party's type")] for row in data}
    assert "Association of municipalities" in kinds
    response = api.get("/en/api/v1/commitments/?county=atlantis")
    assert response.status_code == 400
    assert "There is no county called “atlantis”" in response.json()["county"][0]


def test_followups_and_agreements_json(api, draft_commitment):
    agreements = json.loads(body(api.get("/api/v1/agreements/export.json")))
    assert {a["slug"] for a in agreements} >= {"cok", "norrbotten-rok"}
    assert "Utkast om kvastfenor" not in {a["title"] for a in agreements}
    norrbotten = next(a for a in agreements if a["slug"] == "norrbotten-rok")
    # JSON keeps the stored values, with the words beside them.
    assert norrbotten["level"] == "regional" and norrbotten["level_label"] == "Regional"
    assert norrbotten["county"] == "25" and norrbotten["county_name"] == "Norrbottens län"
    assert norrbotten["is_good_example"] in (True, False)
    assert json.loads(body(api.get("/api/v1/followups/export.json"))) == []


def test_staff_export_their_own_drafts_only(norrbotten_api, stockholm_api, draft_commitment):
    assert (
        "Hemliga kvastfenor" in body(norrbotten_api.get("/api/v1/commitments/export.csv")).decode()
    )
    assert (
        "Hemliga kvastfenor"
        not in body(stockholm_api.get("/api/v1/commitments/export.csv")).decode()
    )


def test_unknown_export_format_is_404(api):
    assert api.get("/api/v1/commitments/export.pdf").status_code == 404


def test_export_is_streamed(api):
    response = api.get("/api/v1/commitments/export.csv")
    assert response.streaming


def _page_commitments(html: str) -> int:
    """The commitments an agreement's page lists (each in a list of class commitments)."""
    lists = re.findall(r'<ul class="commitments">(.*?)</ul>', html, re.S)
    return sum(len(re.findall(r"<li>", items)) for items in lists)


@pytest.mark.usefixtures("pdf_cache")
def test_one_countys_commitments_count_the_same_in_the_api_csv_page_and_pdf(api, client):
    """Norrbotten revised and published: two versions of 51 commitments each. Every place
    counts the newest version's 51; versions=all gives both."""
    first = Agreement.objects.get(lineage__slug="norrbotten-rok")
    revision_create(agreement=first, version_label="Reviderad 2010")

    api_count = api.get("/api/v1/commitments/?county=25").json()["count"]
    csv_count = len(csv_dicts(api.get("/api/v1/commitments/export.csv?county=25&delimiter=;"), ";"))
    _, xlsx_data, _ = xlsx_rows(api.get("/api/v1/commitments/export.xlsx?county=norrbottens-lan"))
    json_count = len(json.loads(body(api.get("/api/v1/commitments/export.json?county=25"))))
    page = client.get(reverse("agreements:detail", kwargs={"slug": "norrbotten-rok"}))
    page_count = _page_commitments(page.content.decode())
    printed = client.get(reverse("agreements:pdf", kwargs={"slug": "norrbotten-rok"}))
    reader = pdf_support.read_pdf(printed.content).reader
    (document,) = [json.loads(data[0]) for data in reader.attachments.values()]
    assert document["version_number"] == 2
    pdf_count = len(document["commitments"])
    assert api_count == csv_count == len(xlsx_data) == json_count == page_count == pdf_count
    assert api_count == 51

    every = csv_dicts(api.get("/api/v1/commitments/export.csv?county=25&versions=all"))
    assert len(every) == 102
    assert {row["version"] for row in every} == {"1", "2"}
    agreements = csv_dicts(api.get("/api/v1/agreements/export.csv?county=25"))
    assert [row["version"] for row in agreements] == ["2"]
