"""export_registry → import_registry into an empty database → export_registry: identical."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from agreements.models import Agreement, Attachment
from agreements.registry_io import registry_models
from tests.agreements.helpers import pdf_bytes
from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db


def _export() -> str:
    out = io.StringIO()
    call_command("export_registry", stdout=out)
    return out.getvalue()


def _empty_the_registry():
    tables = ", ".join(model._meta.db_table for model in registry_models())
    with connection.cursor() as cursor:
        # Settle the test's deferred foreign-key checks first; TRUNCATE refuses otherwise.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {tables} CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_the_registry_round_trips_losslessly(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    draft = AgreementFactory(draft=True, title="Utkast med bilaga och ö")
    from django.core.files.base import ContentFile

    attachment = Attachment(agreement=draft, title="Original", extracted_text="Text")
    attachment.file.save("original.pdf", ContentFile(pdf_bytes()), save=True)
    first = _export()
    data = json.loads(first)
    labels = [block["model"] for block in data["models"]]
    assert {
        "actors.county",
        "actors.municipality",
        "agreements.agreement",
        "commitments.commitment",
        "followup.receptionfigure",
    } <= set(labels)
    assert "actors.staffscope" not in labels
    assert "agreements.catalogueentry" not in labels  # derived, written again on import
    assert attachment.file.name in data["files"]

    path = tmp_path / "registret.json"
    path.write_text(first, encoding="utf-8")
    _empty_the_registry()
    (settings.MEDIA_ROOT / attachment.file.name).unlink()
    assert Agreement.objects.count() == 0

    call_command("import_registry", str(path), stdout=io.StringIO())

    assert _export() == first
    restored = Agreement.objects.get(title="Utkast med bilaga och ö")
    assert restored.commitments.count() == draft.commitments.count()
    assert (settings.MEDIA_ROOT / attachment.file.name).read_bytes() == pdf_bytes()
    assert Agreement.objects.get(lineage__slug="norrbotten-rok").commitments.count() == 51
    # New rows get fresh ids after the imported ones.
    assert AgreementFactory().pk > max(
        a["pk"] for b in data["models"] if b["model"] == "agreements.agreement" for a in b["rows"]
    )


def test_an_export_from_before_the_catalogue_entries_imports(tmp_path):
    """Exports made before migration 0013 carry the search and facet columns on each
    agreement; the import leaves them and derives the catalogue entries again."""
    AgreementFactory(title="Överenskommelse om praktik i Kiruna")
    current = _export()
    data = json.loads(current)
    for block in data["models"]:
        if block["model"] == "agreements.agreement":
            for row in block["rows"]:
                row["fields"].update(
                    search_text="gammal", search_terms="gammal", facet_themes=[1, 4, 7]
                )
    path = tmp_path / "registret.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    _empty_the_registry()

    call_command("import_registry", str(path), stdout=io.StringIO())

    assert _export() == current
    assert Agreement.objects.search("Kiruna praktik").filter(title__contains="Kiruna").exists()


def test_import_refuses_a_database_that_already_has_a_registry(tmp_path):
    path = tmp_path / "registret.json"
    path.write_text(_export(), encoding="utf-8")
    with pytest.raises(CommandError, match="Databasen har redan innehåll"):
        call_command("import_registry", str(path))


def test_import_refuses_a_file_that_is_not_an_export(tmp_path):
    path = tmp_path / "annat.json"
    path.write_text('{"hej": 1}', encoding="utf-8")
    with pytest.raises(CommandError, match="ingen export av Samverkansregistret"):
        call_command("import_registry", str(path))
