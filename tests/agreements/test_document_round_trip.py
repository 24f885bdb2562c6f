"""Every field of every part of the agreement document (agreements/document.py) arrives
through every write path, and nothing else changes. The cases are generated from the
document's definition: a field added to a part is covered without a new test.

Paths: the document service (fixture reload), the API's PUT and PATCH, the admin's agreement
page, the bulk import, restore, and export_registry → import_registry; revise in
test_workflow.py."""

import copy
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from reversion.models import Version

from actors.document import ContactKey
from agreements import importing
from agreements.api import API_KEPT
from agreements.document import AGREEMENT, ROWS, AgreementLink, agreement_document_dump
from agreements.history import history_record
from agreements.models import Agreement
from agreements.services import (
    RESTORE_DATES,
    RESTORE_KEEPS,
    agreement_create,
    agreement_document_load,
    agreement_restore,
)
from registry.documents import NaturalKey, Part, SiblingKey
from tests.agreements.helpers import (
    change_url,
    form_data,
    inline_index,
    party_page_data,
    party_url,
)
from tests.agreements.test_registry_io import _empty_the_registry
from tests.api.conftest import client_with_token

pytestmark = pytest.mark.django_db

CONTACT = {
    "organisation": "kiruna-kommun",
    "name": "Karin Kontakt",
    "title": "Integrationssamordnare",
    "email": "karin.kontakt@kiruna.se",
    "phone": "0980-700 00",
    "is_public": True,
}
BASE = {
    "lineage": "lok-kiruna-rundtur",
    "version_number": 1,
    "title": "Lokal överenskommelse om etablering i Kiruna",
    "alias": "LÖK Kiruna",
    "registration_number": "25-100-2026",
    "version_label": "Antagen januari 2026",
    "level": "local",
    "kind": "agreement",
    "county": "25",
    "municipalities": ["2584"],
    "parent": None,
    "annex_to": None,
    "based_on": None,
    "publication": "draft",
    "signed_on": "2025-12-15",
    "valid_from": "2026-01-01",
    "valid_until": "2027-12-31",
    "background": "Bakgrund.",
    "purpose": "Syfte.",
    "target_group": "Målgrupp.",
    "organisation": "Styrgrupp.",
    "followup_routine": "Årligen.",
    "revision_routine": "Vid behov.",
    "disagreement_handling": "Samråd.",
    "communication": "Kontaktlista.",
    "themes": ["arbete"],
    "target_groups": ["nyanlanda"],
    "perspectives": ["jamstalldhet"],
    "legal_references": ["2010:197"],
    "followup_frequency": "yearly",
    "followup_responsible": None,
    "is_good_example": False,
    "good_example_note": "",
    "contacts": [CONTACT],
    "extra_sections": [{"heading": "Förord", "text": "Inledning."}],
    "parties": [
        {
            "organisation": "kiruna-kommun",
            "role": "signatory",
            "is_convener": True,
            "signatory_name": "Kommunstyrelsens ordförande",
            "signatory_title": "Ordförande",
            "signed_on": "2025-12-15",
        },
        {
            "organisation": "arbetsformedlingen",
            "role": "participant",
            "is_convener": False,
            "signatory_name": "",
            "signatory_title": "",
            "signed_on": None,
        },
    ],
    "goals": [
        {
            "text": "Fler i arbete.",
            "party": "kiruna-kommun",
            "indicator": "Andel i arbete",
            "unit": "%",
            "baseline_value": "20.00",
            "baseline_year": 2025,
            "target_value": "35.00",
            "target_year": 2027,
        }
    ],
    "commitments": [
        {
            "party": "kiruna-kommun",
            "heading": "Sfi",
            "text": "Erbjuda sfi inom en månad.",
            "themes": ["sfi"],
            "target_groups": ["nyanlanda"],
            "phase": "establishment",
            "responsible_contact": CONTACT,
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "deadline": "2026-06-30",
            "activity_how": "Kvällskurser.",
            "activity_when": "Varje termin.",
            "activity_followup": "Antal deltagare.",
        },
        {
            "party": "arbetsformedlingen",
            "heading": "Matchning",
            "text": "Matcha mot lediga jobb.",
            "themes": ["arbete"],
            "target_groups": [],
            "phase": "",
            "responsible_contact": None,
            "period_start": None,
            "period_end": None,
            "deadline": None,
            "activity_how": "",
            "activity_when": "",
            "activity_followup": "",
        },
    ],
    "reception_figures": [
        {"municipality": "2584", "year": 2026, "agreed_number": 20, "assigned_number": 10}
    ],
}

# Another valid value for a relation, where "one more" or "the other one" does not do.
OTHER = {
    "county": "24",
    "municipalities": "2582",
    "followup_responsible": "arbetsformedlingen",
    "parent": "norrbotten-rok",
    "annex_to": "cok",
    "based_on": "cok",
    "organisation": "forsakringskassan",
    "themes": "boende",
    "target_groups": "asylsokande",
    "perspectives": "barn",
    "legal_references": "2016:1363",
    "municipality": "2580",
}
# The row a list's field is changed in: the one where the change breaks no rule (only a
# signatory has signature data, so the role changes on the party that signed nothing).
ROW = {("parties", "role"): 1, ("commitments", "responsible_contact"): 1}


def normal(document: dict) -> dict:
    """JSON as the API would send it, with many-valued relations in a stable order."""
    data = json.loads(json.dumps(document, cls=DjangoJSONEncoder))

    def sort(part: Part, row: dict):
        for name, key in part.keys.items():
            if isinstance(key, NaturalKey) and part.is_many(name) and name in row:
                row[name] = sorted(row[name])
        for name in part.plain_fields:
            field = part.model_field(name)
            if isinstance(field, models.DecimalField) and row.get(name) is not None:
                row[name] = str(Decimal(row[name]).quantize(Decimal("0.01")))

    sort(AGREEMENT, data)
    for rows in ROWS:
        for row in data.get(rows.name, []):
            sort(rows.part, row)
    return data


def _changed_value(part: Part, name: str, value):
    key, field = part.keys.get(name), part.model_field(name)
    if isinstance(key, NaturalKey) and part.is_many(name):
        return [*value, OTHER[name]]
    if isinstance(key, NaturalKey | AgreementLink):
        return OTHER[name]
    if isinstance(key, SiblingKey):
        return "arbetsformedlingen" if value == "kiruna-kommun" else "kiruna-kommun"
    if isinstance(key, ContactKey):
        other = {**CONTACT, "name": "Olle Annan", "email": "olle@kiruna.se", "is_public": False}
        return [*value, other] if part.is_many(name) else other
    if field.choices:
        return next(choice for choice, _ in field.choices if choice and choice != value)
    if isinstance(field, models.BooleanField):
        return not value
    if isinstance(field, models.DateField):
        day = datetime.date.fromisoformat(value) if value else datetime.date(2026, 3, 1)
        return (day + datetime.timedelta(days=1)).isoformat()
    if isinstance(field, models.DecimalField):
        return str(Decimal(value) + 1)
    if isinstance(field, models.IntegerField):
        return value + 1
    return f"{value} ändrad".strip()


def _change(document: dict, list_name: str | None, name: str) -> dict:
    """The document with one field changed, and what else a rule makes change with it."""
    changed = copy.deepcopy(document)
    if list_name is None:
        changed[name] = _changed_value(AGREEMENT, name, changed[name])
        if name == "county":
            changed["municipalities"] = ["2480"]  # Umeå
        if name == "annex_to":
            changed["kind"] = "annex"
        if name == "level":
            changed["level"] = "regional"
        if name == "kind":
            changed["kind"] = "supplementary"
        return changed
    part = next(rows.part for rows in ROWS if rows.name == list_name)
    row = changed[list_name][ROW.get((list_name, name), 0)]
    old = row[name]
    row[name] = _changed_value(part, name, old)
    if (list_name, name) == ("parties", "organisation"):
        for referring in changed["goals"] + changed["commitments"]:
            if referring["party"] == old:
                referring["party"] = row[name]
    if (list_name, name) == ("parties", "role"):
        row[name] = "co_opted"
    return changed


def _change_all(document: dict, list_name: str | None, names) -> dict:
    for name in names:
        document = _change(document, list_name, name)
    return document


# Fields whose change needs others to change with it; each has its own case above.
TOGETHER = {"county", "municipalities", "level", "kind", "annex_to", "parent"}


def part_cases(lists=None, skip=()) -> list:
    return list(_part_cases(lists, skip))


def _part_cases(lists, skip):
    """(list name or None, every field of that part but `skip` and TOGETHER): one write
    changes all of a part's fields, for the paths that are slow to drive."""
    parts = [(None, AGREEMENT.fields)] + [
        (rows.name, rows.part.fields) for rows in ROWS if lists is None or rows.name in lists
    ]
    for list_name, names in parts:
        prefix = f"{list_name}." if list_name else ""
        kept = tuple(
            name for name in names if f"{prefix}{name}" not in skip and name not in TOGETHER
        )
        yield pytest.param(list_name, kept, id=list_name or "agreement")


def cases(lists=None, skip=()) -> list:
    return list(_cases(lists, skip))


def _cases(lists, skip):
    """(list name or None, field) for every field of every part."""
    for name in AGREEMENT.fields:
        if name not in skip:
            yield pytest.param(None, name, id=name)
    for rows in ROWS:
        if lists is None or rows.name in lists:
            for name in rows.part.fields:
                if f"{rows.name}.{name}" not in skip:
                    yield pytest.param(rows.name, name, id=f"{rows.name}.{name}")


@pytest.fixture
def agreement():
    return agreement_create(document=BASE)


def dump(agreement) -> dict:
    return normal(agreement_document_dump(agreement=Agreement.objects.get(pk=agreement.pk)))


def test_the_base_document_round_trips(agreement):
    assert dump(agreement) == normal(BASE)


@pytest.mark.parametrize(("list_name", "name"), cases())
def test_a_reloaded_fixture_changes_exactly_its_field(agreement, list_name, name):
    changed = _change(BASE, list_name, name)
    assert normal(changed) != normal(BASE)
    agreement_document_load(document=changed, update=True, source="test")
    assert dump(agreement) == normal(changed)


API_LISTS = [rows.name for rows in ROWS if rows.name not in API_KEPT]


def _api_write(agreement, user, method: str, changed: dict):
    api = client_with_token(user)
    url = f"/api/v1/agreements/{agreement.pk}/"
    if method == "put":
        body = {key: value for key, value in changed.items() if key not in API_KEPT}
    else:
        body = {key: value for key, value in changed.items() if value != normal(BASE)[key]}
    response = getattr(api, method)(url, body, format="json", HTTP_IF_MATCH=api.get(url)["ETag"])
    assert response.status_code == 200, response.json()
    assert dump(agreement) == changed


@pytest.mark.parametrize(("list_name", "name"), cases(API_LISTS, skip=API_KEPT))
def test_an_api_patch_changes_exactly_its_field(agreement, national_editor, list_name, name):
    _api_write(agreement, national_editor, "patch", normal(_change(BASE, list_name, name)))


@pytest.mark.parametrize(("list_name", "names"), part_cases(API_LISTS, skip=API_KEPT))
def test_an_api_put_changes_exactly_its_fields(agreement, national_editor, list_name, names):
    _api_write(agreement, national_editor, "put", normal(_change_all(BASE, list_name, names)))


def _post_value(part: Part, name: str, value, agreement):
    key, field = part.keys.get(name), part.model_field(name)
    if isinstance(key, NaturalKey):
        rows = key.load_many(value, name) if part.is_many(name) else [key.load_one(value, name)]
        pks = [str(row.pk) for row in rows if row is not None]
        return pks if part.is_many(name) else (pks[0] if pks else "")
    if isinstance(key, AgreementLink):
        linked = key.load_one(value, name)
        return str(linked.pk) if linked else ""
    if isinstance(key, SiblingKey):
        return str(agreement.parties.get(organisation__slug=value).pk) if value else ""
    if isinstance(key, ContactKey):
        if part.is_many(name):
            return [str(contact.pk) for contact in key.load_many(value, name)]
        return str(key.load_one(value, name).pk) if value else ""
    if isinstance(field, models.BooleanField):
        return "on" if value else None
    return "" if value is None else str(value)


ADMIN_SKIP = ("publication", "parties.organisation")


@pytest.mark.parametrize(
    ("list_name", "names"),
    part_cases([rows.name for rows in ROWS if rows.name != "reception_figures"], ADMIN_SKIP),
)
def test_the_admin_page_changes_exactly_its_fields(
    client, national_editor, agreement, list_name, names
):
    """The head page for the agreement's fields and sections; a party's page for the party,
    its goals and commitments (agreements/admin_parts.py)."""
    client.force_login(national_editor)
    changed = _change_all(BASE, list_name, names)
    if list_name in PART_PAGE_PREFIXES:
        _post_part_pages(client, agreement, list_name, names, changed)
        assert dump(agreement) == normal(changed)
        return
    page = client.get(change_url(agreement))
    data = form_data(page)
    if list_name is None:
        keys = {key for key in changed if changed[key] != BASE[key]}
        targets = [(AGREEMENT, key, changed[key], key) for key in keys]
    else:
        rows = next(rows for rows in ROWS if rows.name == list_name)
        targets = []
        for name in names:
            index = ROW.get((list_name, name), 0)
            position = inline_index(
                page, rows.related_name, lambda row, index=index: row.order == index
            )
            value = changed[list_name][index][name]
            targets.append((rows.part, name, value, f"{rows.related_name}-{position}-{name}"))
    _set_values(data, targets, agreement)
    response = client.post(change_url(agreement), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert dump(agreement) == normal(changed)


# The form prefix of each list on a party's page.
PART_PAGE_PREFIXES = {"parties": "part", "goals": "mal", "commitments": "atagande"}


def _set_values(data: dict, targets, agreement) -> None:
    for part, field, value, key in targets:
        post = _post_value(part, field, value, agreement)
        if post is None:
            data.pop(key, None)
        else:
            data[key] = post


def _post_part_pages(client, agreement, list_name, names, changed) -> None:
    """Each changed row on its party's page (the party of the row as BASE has it): one save
    per page, as staff would."""
    rows = next(rows for rows in ROWS if rows.name == list_name)
    by_party: dict[str, list] = {}
    for name in names:
        index = ROW.get((list_name, name), 0)
        base_row = BASE[list_name][index]
        slug = base_row["organisation"] if list_name == "parties" else base_row["party"]
        by_party.setdefault(slug, []).append((name, index))
    prefix = PART_PAGE_PREFIXES[list_name]
    for slug, fields in by_party.items():
        party = agreement.parties.get(organisation__slug=slug)
        # The row's place on the page among the party's rows now (an earlier page may have
        # moved one here).
        orders = (
            []
            if list_name == "parties"
            else list(
                getattr(agreement, rows.related_name)
                .filter(party=party)
                .order_by("order", "id")
                .values_list("order", flat=True)
            )
        )
        targets = [
            (
                rows.part,
                name,
                changed[list_name][index][name],
                f"{prefix}-{name}"
                if list_name == "parties"
                else f"{prefix}-{orders.index(index)}-{name}",
            )
            for name, index in fields
        ]
        url = party_url(agreement, party)
        data = party_page_data(client.get(url))
        _set_values(data, targets, agreement)
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[-3000:]


def _import_rows(document: dict) -> list[list[str]]:
    """The document as the import template's rows: one per commitment."""

    def cell(part: Part, name: str, value) -> str:
        key = part.keys.get(name)
        if value in (None, ""):
            return ""
        if isinstance(key, ContactKey):
            return f"{value['name']} <{value['email']}>"
        if isinstance(value, list):
            return ", ".join(value)
        if isinstance(value, bool):
            return "ja" if value else "nej"
        return str(value)

    parts = {"agreement": AGREEMENT, "party": ROWS[1].part, "commitment": ROWS[3].part}
    parties = {party["organisation"]: party for party in document["parties"]}
    rows = []
    for commitment in document["commitments"]:
        sources = {"agreement": document, "party": parties[commitment["party"]]}
        sources["commitment"] = commitment
        row = []
        for column in importing.COLUMNS:
            if column.key == "agreement.lineage":
                row.append(document["lineage"])
            elif column.level == "organisation":  # only for organisations new to the registry
                row.append("")
            else:
                source = sources[column.level]
                row.append(cell(parts[column.level], column.field, source.get(column.field)))
        rows.append(row)
    return rows


IMPORTED = {column.field for column in importing.COLUMNS if column.level == "agreement"}


@pytest.mark.parametrize(
    ("list_name", "names"),
    part_cases(
        ["parties", "commitments"],
        skip=[
            *(name for name in AGREEMENT.fields if name not in IMPORTED),
            "parties.organisation",
            "commitments.party",
            "commitments.responsible_contact",
        ],
    ),
)
def test_the_bulk_import_brings_exactly_its_fields(national_editor, list_name, names):
    ContactKey().load_one(CONTACT, "contact")  # a cell names a person already registered
    base = {**BASE, "goals": [], "extra_sections": [], "contacts": [], "reception_figures": []}
    changed = normal(_change_all(base, list_name, names))
    content = "\ufeff" + "\n".join(
        ";".join(f'"{cell}"' for cell in row)
        for row in [importing.template_headers(), *_import_rows(changed)]
    )
    plan = importing.import_preview(
        content=content.encode(), filename="rundtur.csv", user=national_editor
    )
    assert plan.errors == [], [str(error) for error in plan.errors]
    (imported,) = importing.agreements_import(plan=plan, user=national_editor)
    assert dump(imported) == {**changed, "publication": "draft"}


def test_a_registry_export_and_import_keeps_every_field(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    everything = BASE
    for list_name, names in (case.values for case in part_cases(skip=["parties.organisation"])):
        everything = _change_all(everything, list_name, names)
    agreement = agreement_create(document=everything)
    before = dump(agreement)
    out = io.StringIO()
    call_command("export_registry", stdout=out)
    path = tmp_path / "registret.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    _empty_the_registry()
    call_command("import_registry", str(path), stdout=io.StringIO())
    assert dump(Agreement.objects.get(lineage__slug=BASE["lineage"])) == before


def test_the_import_template_has_a_column_for_every_new_commitment_field(client, norrbotten_staff):
    client.force_login(norrbotten_staff)
    response = client.get(reverse("admin:agreements_agreement_import_template", args=["csv"]))
    header = response.content.decode("utf-8-sig").splitlines()[0].split(";")
    for label in ("åtagandets period från", "åtagandets period till", "åtagandets hur"):
        assert label in header
    assert "åtagandets ansvarig kontaktperson" in header


@pytest.mark.parametrize(
    ("list_name", "names"),
    part_cases([rows.name for rows in ROWS if rows.name != "reception_figures"]),
)
def test_a_restore_brings_back_every_field(agreement, national_editor, list_name, names):
    """Reception figures are not part of an agreement's history: they are the county's
    figures, kept when an agreement is restored. Restore keeps the workflow's fields and, the
    version being published by then, its dates (services.RESTORE_KEEPS, RESTORE_DATES)."""
    history_record(agreement=agreement, user=national_editor, comment="Före ändringen.")
    before = Version.objects.get_for_object(agreement).latest("revision__date_created").revision
    changed = _change_all(BASE, list_name, names)
    agreement_document_load(document=changed, update=True, source="test")
    assert dump(agreement) == normal(changed)

    agreement_restore(agreement=agreement, revision_id=before.pk, user=national_editor)

    kept = [name for name in (*RESTORE_KEEPS, *RESTORE_DATES) if name in BASE]
    assert dump(agreement) == normal(BASE) | {name: normal(changed)[name] for name in kept}
