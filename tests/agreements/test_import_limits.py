"""The bulk import refuses, in its preview and by row and column, what the database cannot
hold: a NUL character, a cell longer than a cell holds, a CSV line the csv module cannot read.
The preview and the save agree: nothing that passes the preview fails when it is saved."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agreements.importing import MAX_CELL_CHARS, agreements_import, import_preview
from agreements.models import Agreement
from tests.agreements.test_import import IMPORT, VALID_ROWS, csv_bytes

pytestmark = pytest.mark.django_db

TITLE, COMMITMENT = 1, 10  # columns of VALID_ROWS


def rows_with(column: int, value: str, row: int = 0) -> list[list[str]]:
    rows = [list(r) for r in VALID_ROWS]
    rows[row][column] = value
    return rows


def test_a_nul_character_is_named_by_row_and_column(norrbotten_staff):
    rows = rows_with(COMMITMENT, "Ordna bostad\x00 inom en månad.", row=1)
    plan = import_preview(content=csv_bytes(rows), filename="nul.csv", user=norrbotten_staff)
    assert [str(e) for e in plan.errors] == [
        "Rad 3, kolumn ”åtagande”: Cellen innehåller ett otillåtet tecken (NUL). Ta bort det."
    ]
    assert not plan.is_valid


def test_a_cell_longer_than_excel_holds_is_refused(norrbotten_staff):
    rows = rows_with(COMMITMENT, "ord " * (MAX_CELL_CHARS // 4 + 1))
    plan = import_preview(content=csv_bytes(rows), filename="lang.csv", user=norrbotten_staff)
    assert [str(e) for e in plan.errors] == [
        "Rad 2, kolumn ”åtagande”: Cellen har 32 768 tecken; högst 32 767 får plats."
    ]


def test_a_cell_over_the_csv_readers_limit_names_its_line(norrbotten_staff):
    rows = rows_with(TITLE, "x" * 140_000, row=3)
    plan = import_preview(content=csv_bytes(rows), filename="stor.csv", user=norrbotten_staff)
    assert [str(e) for e in plan.errors] == [
        "Filen: Rad 5 kan inte läsas: en cell har mer än 131 072 tecken."
    ]


def test_the_admin_previews_bad_cells_with_their_row_and_saves_nothing(client, norrbotten_staff):
    client.force_login(norrbotten_staff)
    for content in (
        csv_bytes(rows_with(COMMITMENT, "a\x00b")),
        csv_bytes(rows_with(COMMITMENT, "x" * 200_000)),
    ):
        page = client.post(IMPORT, {"file": SimpleUploadedFile("fel.csv", content)})
        assert page.status_code == 200
        text = page.content.decode()
        assert "Ingenting har sparats." in text
        assert 'name="confirm"' not in text
    assert not Agreement.objects.filter(lineage__slug__startswith="lok-").exists()


def test_what_the_preview_accepts_is_saved(norrbotten_staff):
    """Cells at the limit: the preview's trial save and the real save meet the same
    database (the search index included)."""
    text = ("Samverkan kring nyanländas etablering. " * 1000)[:MAX_CELL_CHARS]
    rows = [list(VALID_ROWS[0])] + [
        ["lok-lulea-2026", "", "", "", "", "", "Luleå kommun", "", "", f"Del {n}", text, ""]
        for n in range(3)
    ]
    plan = import_preview(content=csv_bytes(rows), filename="stor.csv", user=norrbotten_staff)
    assert plan.errors == []
    (created,) = agreements_import(plan=plan, user=norrbotten_staff)
    assert created.commitments.filter(text=text).count() == 3
