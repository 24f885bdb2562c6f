"""Exports that are safe to open in a spreadsheet (OWASP's CSV-injection rule): text that
Excel or LibreOffice would run as a formula is written with a single quote in front in CSV
and as a text cell in XLSX; numbers stay numbers; JSON keeps the text as registered."""

import csv
import datetime
import io
import json
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from actors.models import OrganisationKind
from registry.exports import NumberText, csv_lines
from tests.factories import CommitmentFactory, OrganisationFactory, PartyFactory, local_agreement

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil","x")'
AGENCY = "@SUM(A1)"
SIGNATORY = "+1"
TEXT = "-2+3"
HEADING = "\t=1"
EVERY = {HYPERLINK, AGENCY, SIGNATORY, TEXT, HEADING}


@pytest.fixture
def hostile():
    """A published local agreement in Östersund (Jämtlands län has no seed agreements) whose
    texts all begin like formulas."""
    agreement = local_agreement(
        municipality_codes=["2380"], title=HYPERLINK, valid_from=datetime.date(2020, 1, 1)
    )
    agency = OrganisationFactory(name=AGENCY, kind=OrganisationKind.NATIONAL_AGENCY)
    party = PartyFactory(agreement=agreement, organisation=agency, signatory_name=SIGNATORY)
    CommitmentFactory(party=party, heading=HEADING, text=TEXT)
    return agreement


def body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_dicts(response, delimiter=",") -> list[dict]:
    text = body(response).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def test_every_csv_export_quotes_text_that_would_start_a_formula(api, hostile):
    [agreement] = csv_dicts(api.get("/api/v1/agreements/export.csv?county=23"))
    assert agreement["titel"] == "'" + HYPERLINK
    assert agreement["version"] == "1"  # a number, as it was
    [party] = csv_dicts(api.get("/api/v1/parties/export.csv?county=23"))
    assert party["organisation"] == "'" + AGENCY
    assert party["undertecknad av"] == "'" + SIGNATORY
    assert party["överenskommelse"] == "'" + HYPERLINK
    [commitment] = csv_dicts(api.get("/api/v1/commitments/export.csv?county=23&delimiter=;"), ";")
    assert commitment["åtagande"] == "'" + TEXT
    assert commitment["rubrik"] == "'" + HEADING
    assert commitment["part"] == "'" + AGENCY


def xlsx_cells(response) -> tuple[list, list]:
    """The header and the data rows' cells, after checking that the file holds no formula."""
    content = body(response)
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows())
    return [cell.value for cell in rows[0]], rows[1:]


@pytest.mark.parametrize(
    ("path", "columns"),
    [
        ("agreements", {"titel": HYPERLINK}),
        (
            "parties",
            {"organisation": AGENCY, "undertecknad av": SIGNATORY, "överenskommelse": HYPERLINK},
        ),
        ("commitments", {"part": AGENCY, "rubrik": HEADING, "åtagande": TEXT}),
    ],
)
def test_every_xlsx_export_writes_such_text_as_text_cells(api, hostile, path, columns):
    header, [row] = xlsx_cells(api.get(f"/api/v1/{path}/export.xlsx?county=23"))
    for name, text in columns.items():
        cell = row[header.index(name)]
        assert (cell.value, cell.data_type) == (text, "s"), name
    assert all(cell.data_type != "f" for cell in row)
    if path == "agreements":
        version = row[header.index("version")]
        assert (version.value, version.data_type) == (1, "n")


def test_json_is_not_a_spreadsheet_and_keeps_the_text(api, hostile):
    [agreement] = json.loads(body(api.get("/api/v1/agreements/export.json?county=23")))
    assert agreement["title"] == HYPERLINK
    [commitment] = json.loads(body(api.get("/api/v1/commitments/export.json?county=23")))
    assert (commitment["heading"], commitment["text"]) == (HEADING, TEXT)


def statistics_csv(client, section, table, **params) -> list[list[str]]:
    response = client.get(f"/statistik/{section}/{table}.csv", params)
    text = body(response).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=params.get("delimiter", ",")))


def test_statistics_csv_quotes_such_text_and_keeps_numbers(client, hostile):
    where = {"county": "jamtlands-lan", "date": "2026-06-01"}
    rows = statistics_csv(client, "tackning", "per-kommun", **where)
    ostersund = next(row for row in rows if row[0] == "Östersund")
    assert ostersund[3] == "'" + HYPERLINK
    rows = statistics_csv(client, "deltagande", "myndigheter", delimiter=";", **where)
    agency = next(row for row in rows if AGENCY in row[0])
    assert agency[0] == "'" + AGENCY
    assert agency[1:] == ["0", "0", "1", "1"]


def test_only_text_is_quoted_never_a_number():
    [_, line] = csv_lines(
        header=["a"],
        rows=[[-5, Decimal("-1.5"), NumberText("-1,5"), "-5", "- punkt", "Arbete", "", None]],
    )
    assert next(csv.reader([line])) == ["-5", "-1.5", "-1,5", "'-5", "'- punkt", "Arbete", "", ""]
    for text in EVERY | {"\r=1"}:
        [_, line] = csv_lines(header=["a"], rows=[[text]])
        assert next(csv.reader(io.StringIO(line))) == ["'" + text]
