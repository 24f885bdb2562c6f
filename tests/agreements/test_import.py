"""Bulk import from CSV and Excel: preview with per-row errors, all or nothing, scope."""

import csv
import io

import openpyxl
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agreements.importing import COLUMNS, agreements_import, import_preview
from agreements.models import Agreement, Publication

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:agreements_agreement_import")
HEADER = [
    "adressnamn *",
    "titel *",
    "nivå *",
    "län",
    "kommuner",
    "gäller från",
    "part",
    "roll",
    "undertecknad av",
    "åtagandets rubrik",
    "åtagande",
    "åtagandets teman",
]
LULEA = "Lokal överenskommelse om nyanländas etablering i Luleå"
BODEN = "Lokal överenskommelse om nyanländas etablering i Boden"
VALID_ROWS = [
    [
        "lok-lulea-2026",
        LULEA,
        "lokal",
        "Norrbottens län",
        "Luleå",
        "2026-01-01",
        "Luleå kommun",
        "Undertecknare",
        "Anna Andersson",
        "Boende",
        "Ordna bostad inom en månad.",
        "boende",
    ],
    [
        "lok-lulea-2026",
        "",
        "",
        "",
        "",
        "",
        "Luleå kommun",
        "",
        "",
        "Sfi",
        "Erbjuda sfi inom en månad.",
        "sfi",
    ],
    [
        "lok-lulea-2026",
        "",
        "",
        "",
        "",
        "",
        "Arbetsförmedlingen",
        "",
        "Bo Berg",
        "Arbete",
        "Erbjuda praktik.",
        "arbete",
    ],
    [
        "lok-boden-2026",
        BODEN,
        "lokal",
        "25",
        "Boden",
        "2026-02-01",
        "Bodens kommun",
        "",
        "Cecilia Ceder",
        "",
        "",
        "",
    ],
    [
        "lok-boden-2026",
        "",
        "",
        "",
        "",
        "",
        "Arbetsförmedlingen",
        "Deltar utan att underteckna",
        "",
        "Arbete",
        "Erbjuda praktik i Boden.",
        "",
    ],
]


def csv_bytes(rows, delimiter=",", bom=False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_valid_csv_is_previewed_then_saved_as_drafts(client, norrbotten_staff):
    client.force_login(norrbotten_staff)
    upload = SimpleUploadedFile("lok.csv", csv_bytes(VALID_ROWS), "text/csv")

    preview = client.post(IMPORT, {"file": upload})

    page = preview.content.decode()
    assert "Inga fel. 2 överenskommelser sparas som utkast." in page
    assert not Agreement.objects.filter(lineage__slug="lok-lulea-2026").exists()  # not yet

    token = preview.context["plan"].token
    saved = client.post(IMPORT, {"confirm": "1", "token": token})

    assert saved.status_code == 302
    lulea = Agreement.objects.get(lineage__slug="lok-lulea-2026")
    assert lulea.title == LULEA
    assert lulea.publication == Publication.DRAFT
    assert [m.name for m in lulea.municipalities.all()] == ["Luleå"]
    assert lulea.parties.count() == 2
    assert lulea.commitments.count() == 3
    sfi = lulea.commitments.get(heading="Sfi")
    assert sfi.party.organisation.name == "Luleå kommun"
    assert [t.slug for t in sfi.themes.all()] == ["sfi"]
    boden = Agreement.objects.get(lineage__slug="lok-boden-2026")
    assert boden.parties.get(organisation__name="Arbetsförmedlingen").role == "participant"
    history = client.get(reverse("admin:agreements_agreement_history", args=[lulea.pk]))
    assert "Importerad från lok.csv, rad 2–4." in history.content.decode()


def test_a_preview_whose_file_is_gone_asks_for_the_file_again(client, norrbotten_staff):
    client.force_login(norrbotten_staff)
    upload = SimpleUploadedFile("lok.csv", csv_bytes(VALID_ROWS), "text/csv")
    token = client.post(IMPORT, {"file": upload}).context["plan"].token
    cache.clear()  # the waiting file expired, or the shared cache lost it

    saved = client.post(IMPORT, {"confirm": "1", "token": token}, follow=True)

    assert "Förhandsgranskningen har gått ut. Ladda upp filen igen." in saved.content.decode()
    assert not Agreement.objects.filter(lineage__slug__startswith="lok-").exists()


def test_the_preview_escapes_what_the_file_writes(client, norrbotten_staff):
    rows = [list(VALID_ROWS[0])]
    rows[0][8] = "Anna <b>Andersson</b> & Co"
    client.force_login(norrbotten_staff)

    page = client.post(IMPORT, {"file": SimpleUploadedFile("lok.csv", csv_bytes(rows))})

    assert (
        "<li>Luleå kommun – undertecknare, Anna &lt;b&gt;Andersson&lt;/b&gt; &amp; Co</li>"
        in page.content.decode()
    )


def test_errors_in_row_7_name_the_row_and_column_and_nothing_is_saved(norrbotten_staff):
    rows = [
        *VALID_ROWS,
        [
            "lok-pitea-2026",
            "LÖK Piteå",
            "lokal",
            "Västerbottens län",
            "",
            "början av 2026",
            "Okänd förening",
            "",
            "Dan Dahl",
            "Arbete",
            "Något.",
            "",
        ],
    ]
    plan = import_preview(content=csv_bytes(rows), filename="fel.csv", user=norrbotten_staff)

    messages = [str(error) for error in plan.errors]
    assert (
        "Rad 7, kolumn ”gäller från”: ”början av 2026” kan inte läsas som ett datum. Skriv "
        "datumet som ÅÅÅÅ-MM-DD, ÅÅÅÅ-MM eller ÅÅÅÅ, eller med månadens namn (”mars 2009”, "
        "”15 mars 2009”)." in messages
    )
    assert any(
        m.startswith("Rad 7, kolumn ”part”: Organisationen ”Okänd förening” finns inte")
        for m in messages
    )
    assert any(m.startswith("Rad 7, kolumn ”län”: Du får bara registrera") for m in messages)
    assert all(m.startswith("Rad 7") for m in messages), messages
    assert not plan.is_valid
    with pytest.raises(ValidationError):
        agreements_import(plan=plan, user=norrbotten_staff)
    assert not Agreement.objects.filter(lineage__slug__startswith="lok-").exists()


def test_errors_are_shown_in_the_preview_and_nothing_is_saved(client, norrbotten_staff):
    rows = [
        *VALID_ROWS,
        [
            "lok-kiruna",
            "LÖK Kiruna",
            "lokal",
            "Norrbottens län",
            "Kiruna",
            "2026-13-01",
            "Kiruna kommun",
            "",
            "Eva Ek",
            "",
            "",
            "",
        ],
    ]
    client.force_login(norrbotten_staff)
    page = client.post(IMPORT, {"file": SimpleUploadedFile("fel.csv", csv_bytes(rows))})
    text = page.content.decode()
    assert "Filen har 1 fel. Ingenting har sparats." in text
    assert "<td>7</td><td>gäller från</td>" in text
    assert 'name="confirm"' not in text
    assert client.post(IMPORT, {"confirm": "1", "token": "x"}).status_code == 302
    assert not Agreement.objects.filter(lineage__slug__startswith="lok-").exists()


def test_semicolons_with_a_byte_order_mark_from_excel(norrbotten_staff):
    content = csv_bytes(VALID_ROWS, delimiter=";", bom=True)
    assert content.startswith(b"\xef\xbb\xbf")
    plan = import_preview(content=content, filename="excel.csv", user=norrbotten_staff)
    assert plan.errors == []
    assert [a.slug for a in plan.agreements] == ["lok-lulea-2026", "lok-boden-2026"]
    assert plan.agreements[0].title == LULEA  # å, ä, ö intact


def test_an_excel_workbook(norrbotten_staff):
    plan = import_preview(
        content=xlsx_bytes(VALID_ROWS), filename="lok.xlsx", user=norrbotten_staff
    )
    assert plan.errors == []
    created = agreements_import(plan=plan, user=norrbotten_staff)
    assert {a.lineage.slug for a in created} == {"lok-lulea-2026", "lok-boden-2026"}


def test_rows_outside_the_scope_are_refused(stockholm_staff, unscoped_staff):
    plan = import_preview(content=csv_bytes(VALID_ROWS), filename="lok.csv", user=stockholm_staff)
    refused = [str(e) for e in plan.errors]
    assert (
        "Rad 2, kolumn ”län”: Du får bara registrera överenskommelser i ditt eget län, "
        "inte i Norrbottens län." in refused
    )
    assert any(e.startswith("Rad 5, kolumn ”län”") for e in refused)
    assert not plan.is_valid
    plan = import_preview(content=csv_bytes(VALID_ROWS), filename="lok.csv", user=unscoped_staff)
    assert not plan.is_valid


def test_unscoped_staff_cannot_open_the_importer(client, unscoped_staff):
    client.force_login(unscoped_staff)
    assert client.get(IMPORT).status_code == 403


def test_a_file_that_is_not_utf8_gets_a_clear_message(norrbotten_staff):
    content = csv_bytes(VALID_ROWS).decode("utf-8").encode("cp1252")
    plan = import_preview(content=content, filename="ansi.csv", user=norrbotten_staff)
    assert "Filen är inte sparad som UTF-8" in str(plan.errors[0])


def test_the_templates_download_with_every_column(client, norrbotten_staff):
    client.force_login(norrbotten_staff)
    csv_template = client.get(reverse("admin:agreements_agreement_import_template", args=["csv"]))
    assert csv_template.content.startswith(b"\xef\xbb\xbfadressnamn *;titel *;")
    xlsx = client.get(reverse("admin:agreements_agreement_import_template", args=["xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    header = [cell.value for cell in workbook["Överenskommelser"][1]]
    assert len(header) == len(COLUMNS)
    assert "Instruktioner" in workbook.sheetnames
    # The example sheet is itself a valid import (after the slug is free).
    example = io.BytesIO()
    sheet_workbook = openpyxl.Workbook()
    for row in workbook["Exempel"].iter_rows(values_only=True):
        sheet_workbook.active.append(row)
    sheet_workbook.save(example)
    plan = import_preview(
        content=example.getvalue(), filename="exempel.xlsx", user=norrbotten_staff
    )
    assert plan.errors == [], [str(e) for e in plan.errors]


def test_a_link_to_another_countys_draft_is_refused_like_one_that_does_not_exist(
    norrbotten_staff, stockholm
):
    from tests.factories import AgreementFactory

    draft = AgreementFactory(county=stockholm, draft=True, title="Stockholms hemliga utkast")
    slug = draft.lineage.slug

    def preview(based_on):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([*HEADER, "bygger på"])
        writer.writerow([*VALID_ROWS[0], based_on])
        writer.writerow([*VALID_ROWS[1], ""])
        content = buffer.getvalue().encode("utf-8")
        plan = import_preview(content=content, filename="l.csv", user=norrbotten_staff)
        return [str(error) for error in plan.errors]

    assert preview(slug) == [f"Rad 2, kolumn ”bygger på”: Överenskommelsen {slug} finns inte."]
    assert preview("finns-inte") == [
        "Rad 2, kolumn ”bygger på”: Överenskommelsen finns-inte finns inte."
    ]


def test_a_cell_that_is_a_spreadsheet_formula_is_refused_by_row_and_column(
    client, norrbotten_staff
):
    rows = [list(row) for row in VALID_ROWS]
    rows[0][1] = '=HYPERLINK("http://evil","x")'  # titel
    rows[0][8] = "+1"  # undertecknad av
    rows[1][9] = "@SUM(A1)"  # åtagandets rubrik
    rows[1][10] = "-2+3"  # åtagande
    rows[2][10] = "\t=1"  # åtagande, after a tab
    client.force_login(norrbotten_staff)

    page = client.post(IMPORT, {"file": SimpleUploadedFile("formler.csv", csv_bytes(rows))})

    def refused(row, column, text):
        return (
            f"Rad {row}, kolumn ”{column}”: ”{text}” är en kalkylformel (den börjar med "
            f"”{text[0]}”). Registret tar inte emot formler: skriv texten utan tecknet först. "
            "En punktlista skrivs ”- punkt”, med mellanslag efter strecket."
        )

    assert [str(error) for error in page.context["plan"].errors] == [
        refused(2, "titel", '=HYPERLINK("http://evil","x")'),
        refused(2, "undertecknad av", "+1"),
        refused(3, "åtagandets rubrik", "@SUM(A1)"),
        refused(3, "åtagande", "-2+3"),
        refused(4, "åtagande", "=1"),
    ]
    text = page.content.decode()
    assert "Filen har 5 fel. Ingenting har sparats." in text
    assert "<td>3</td><td>åtagande</td>" in text
    assert 'name="confirm"' not in text
    assert not Agreement.objects.filter(lineage__slug__startswith="lok-").exists()


def test_text_that_only_begins_with_a_dash_is_kept_and_exported_safely(client, norrbotten_staff):
    rows = [list(row) for row in VALID_ROWS]
    rows[0][10] = "- Ordna bostad inom en månad.\n- Följa upp efter ett halvår."
    rows[1][10] = "-sfi inom en månad (se bilaga)."
    plan = import_preview(content=csv_bytes(rows), filename="lista.csv", user=norrbotten_staff)
    assert plan.errors == [], [str(e) for e in plan.errors]
    agreements_import(plan=plan, user=norrbotten_staff)
    lulea = Agreement.objects.get(lineage__slug="lok-lulea-2026")
    texts = set(lulea.commitments.values_list("text", flat=True))
    assert "- Ordna bostad inom en månad.\n- Följa upp efter ett halvår." in texts
    assert "-sfi inom en månad (se bilaga)." in texts
    # Stored as written; the export quotes it, so that no spreadsheet reads it as a formula.
    Agreement.objects.filter(pk=lulea.pk).update(
        publication=Publication.PUBLISHED, published_at=timezone.now()
    )
    export = client.get("/api/v1/commitments/export.csv?versions=all&organisation=lulea-kommun")
    exported = {
        row["åtagande"]
        for row in csv.DictReader(
            io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))
        )
    }
    assert "'- Ordna bostad inom en månad.\n- Följa upp efter ett halvår." in exported
    assert "'-sfi inom en månad (se bilaga)." in exported
