"""The whole registry as one JSON document, and back (export_registry / import_registry).

Every row of the registry's own models — counties and municipalities with their geometry,
organisations and contacts, vocabularies, agreements in all versions with their parts,
follow-ups and reception figures — with its primary key, every field and the attached PDFs.
Importing into an empty database and exporting again gives the identical document.
Users, their scopes and the change history are not registry data and are left out.
"""

import base64
import datetime
import decimal
import json

from django.apps import apps
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, models, transaction

from agreements.search import agreement_search_refresh_all

FORMAT = "samverkansregistret"
FORMAT_VERSION = 1
REGISTRY_APPS = ("actors", "agreements", "commitments", "followup")
NOT_REGISTRY_DATA = {
    "actors.staffscope",
    "agreements.cataloguestate",  # a cache marker, moved by every write
    "agreements.cataloguechange",  # the cache's notes of what changed, kept a day
    "agreements.searchdocument",  # derived from the agreements, written again on import
    "agreements.catalogueentry",  # derived too
}
# Derived columns the agreements carried until migration 0013; older exports still hold them.
RETIRED_FIELDS = {
    "agreements.agreement": {
        "search_text",
        "search_terms",
        "facet_municipalities",
        "facet_organisations",
        "facet_organisation_kinds",
        "facet_themes",
        "facet_target_groups",
    },
}


class RegistryImportError(Exception):
    pass


def registry_models() -> list[type[models.Model]]:
    """The registry's models, each after the models it refers to."""
    app_list = [(apps.get_app_config(label), None) for label in REGISTRY_APPS]
    return [
        model
        for model in serializers.sort_dependencies(app_list, allow_cycles=True)
        if model._meta.label_lower not in NOT_REGISTRY_DATA
    ]


def _plain(value):
    """JSON values that keep every digit: full microseconds, exact decimals."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def registry_export() -> dict:
    blocks = []
    files = {}
    for model in registry_models():
        m2m = {field.name for field in model._meta.many_to_many}
        rows = []
        for row in serializers.serialize("python", model._base_manager.order_by("pk")):
            fields = {
                name: sorted(value) if name in m2m else value
                for name, value in row["fields"].items()
            }
            rows.append({"pk": row["pk"], "fields": _plain(fields)})
        blocks.append({"model": model._meta.label_lower, "rows": rows})
        for field in model._meta.fields:
            if isinstance(field, models.FileField):
                for name in model._base_manager.values_list(field.attname, flat=True):
                    if name and default_storage.exists(name):
                        with default_storage.open(name, "rb") as handle:
                            files[name] = base64.b64encode(handle.read()).decode("ascii")
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "models": blocks,
        "files": dict(sorted(files.items())),
    }


def registry_dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


@transaction.atomic
def registry_import(*, data: dict) -> dict[str, int]:
    """Load an export into a database whose registry tables are empty. All or nothing."""
    if data.get("format") != FORMAT:
        raise RegistryImportError("Filen är ingen export av Samverkansregistret.")
    if data.get("format_version") != FORMAT_VERSION:
        raise RegistryImportError(
            f"Exporten har formatversion {data.get('format_version')}; det här registret läser "
            f"version {FORMAT_VERSION}."
        )
    known = {model._meta.label_lower: model for model in registry_models()}
    occupied = [label for label, model in known.items() if model._base_manager.exists()]
    if occupied:
        raise RegistryImportError(
            "Databasen har redan innehåll i registret (" + ", ".join(occupied[:5]) + "). "
            "Importera till en tom databas: kör bara migrate först, inte setup_registry."
        )
    counts = {}
    for block in data["models"]:
        if block["model"] not in known:
            raise RegistryImportError(f"Okänd modell i exporten: {block['model']}.")
        label = block["model"]
        retired = RETIRED_FIELDS.get(label, set())
        objects = serializers.deserialize(
            "python",
            (
                {
                    "model": label,
                    "pk": row["pk"],
                    "fields": {k: v for k, v in row["fields"].items() if k not in retired},
                }
                for row in block["rows"]
            ),
        )
        for deserialized in objects:
            deserialized.save()
        counts[block["model"]] = len(block["rows"])
    for name, content in data.get("files", {}).items():
        raw = base64.b64decode(content)
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as handle:
                if handle.read() == raw:
                    continue
            raise RegistryImportError(f"Filen {name} finns redan med annat innehåll.")
        saved = default_storage.save(name, ContentFile(raw))
        if saved != name:
            raise RegistryImportError(f"Filen {name} kunde inte sparas under samma namn.")
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(known.values())):
            cursor.execute(statement)
    # The search documents and catalogue entries are derived from the imported rows.
    agreement_search_refresh_all()
    return counts
