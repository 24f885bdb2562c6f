"""Exports of filtered lists open as an analyst expects: CSV with BOM (and `;` for Swedish
Excel), XLSX, JSON. Drafts never appear."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from tests.factories import AgreementFactory, CommitmentFactory, PartyFactory

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def draft_commitment(norrbotten):
    draft = AgreementFactory(county=norrbotten, draft=True, title="Utkast om kvastfenor")
    return CommitmentFactory(party=PartyFactory(agreement=draft), text="Hemliga kvastfenor")


def test_commitments_csv_with_semicolon_and_bom_for_swedish_excel(api, draft_commitment):
    response = api.get("/api/v1/commitments/export.csv?county=25&delimiter=;")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="ataganden.csv"' in response["Content-Disposition"]
    raw = body(response)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 51  # every commitment of Norrbotten's published agreement
    assert {row["län"] for row in rows} == {"25"}
    assert "Hemliga kvastfenor" not in raw.decode()
    kyrkan = [row for row in rows if row["part"] == "Svenska kyrkan, Luleå stift"]
    assert len(kyrkan) == 11
    assert "Luleå stift kommer att kartlägga församlingarnas" in " ".join(
        row["åtagande"] for row in kyrkan
    )


def test_agreements_csv_default_comma(api):
    raw = body(api.get("/api/v1/agreements/export.csv?level=local"))
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {row["kortnamn"] for row in rows} >= {"sodertalje-lok", "lidingo-hangavtal"}
    assert {row["nivå"] for row in rows} == {"local"}
    lidingo = next(row for row in rows if row["kortnamn"] == "lidingo-hangavtal")
    assert lidingo["kommuner"] == "0186"


def test_parties_xlsx_opens_in_openpyxl(api):
    response = api.get("/api/v1/parties/export.xlsx?county=25")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(body(response)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert header[:3] == ("id", "överenskommelse", "överenskommelsens kortnamn")
    signatories = {row[header.index("undertecknad av")] for row in data}
    assert {"Per-Ola Eriksson", "Ylva Löwenborg", "Caroline Henjered"} <= signatories
    assert len(data) == 10


def test_followups_and_agreements_json(api, draft_commitment):
    agreements = json.loads(body(api.get("/api/v1/agreements/export.json")))
    assert {a["slug"] for a in agreements} >= {"cok", "norrbotten-rok"}
    assert "Utkast om kvastfenor" not in {a["title"] for a in agreements}
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
