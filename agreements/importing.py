"""Bulk import of agreements with their parties and commitments from CSV or Excel (.xlsx).

One row per commitment (or per party without commitments). Rows with the same `adressnamn`
belong to the same agreement; the agreement's columns need only be filled on one of its rows,
the party's on one row per party. Everything is checked before anything is saved, and the
errors name the row and the column as the spreadsheet shows them (the header is row 1).
"""

import csv
import datetime
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field

import openpyxl
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from actors.models import County, Municipality, Organisation, Scope
from agreements.history import history_record
from agreements.models import (
    Agreement,
    AgreementLineage,
    Kind,
    Level,
    Party,
    PartyRole,
    Publication,
    validate_municipalities,
)
from commitments.models import Commitment, Phase, TargetGroup, Theme

MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    level: str  # "agreement", "party" or "commitment"
    help: str
    required: bool = False
    model_field: str = ""


COLUMNS = [
    Column(
        "slug",
        "adressnamn",
        "agreement",
        "Överenskommelsens namn i adressen, samma på alla dess rader. Bara a–z, 0–9 och "
        "bindestreck, till exempel lok-lulea-2026. Får inte redan finnas i registret.",
        required=True,
    ),
    Column("title", "titel", "agreement", "Överenskommelsens titel.", True, "title"),
    Column("level", "nivå", "agreement", "lokal, regional eller central.", True, "level"),
    Column(
        "kind",
        "typ",
        "agreement",
        "Överenskommelse (om tomt), Hängavtal, Intern kommunal överenskommelse, "
        "Tilläggsöverenskommelse, Avsiktsförklaring eller Överenskommelse om flyktingmottagande.",
        model_field="kind",
    ),
    Column(
        "county",
        "län",
        "agreement",
        "Länets namn, kod eller bokstav: Norrbottens län, 25 eller BD. Tomt för central.",
        model_field="county",
    ),
    Column(
        "municipalities",
        "kommuner",
        "agreement",
        "Lokala överenskommelser: kommunernas namn eller koder, åtskilda med komma.",
        model_field="municipalities",
    ),
    Column("alias", "kortnamn", "agreement", "Till exempel LÖK Luleå.", model_field="alias"),
    Column(
        "registration_number",
        "diarienummer",
        "agreement",
        "Länsstyrelsens eller partens diarienummer.",
        model_field="registration_number",
    ),
    Column(
        "version_label",
        "versionsbeteckning",
        "agreement",
        "Som dokumentet skriver det, till exempel Reviderad mars 2009.",
        model_field="version_label",
    ),
    Column("signed_on", "undertecknad", "agreement", "Datum, ÅÅÅÅ-MM-DD.", model_field="signed_on"),
    Column(
        "valid_from", "gäller från", "agreement", "Datum, ÅÅÅÅ-MM-DD.", model_field="valid_from"
    ),
    Column(
        "valid_until",
        "gäller till",
        "agreement",
        "Datum, ÅÅÅÅ-MM-DD. Tomt betyder tills vidare.",
        model_field="valid_until",
    ),
    Column("purpose", "syfte", "agreement", "Text.", model_field="purpose"),
    Column("background", "bakgrund", "agreement", "Text.", model_field="background"),
    Column("target_group", "målgrupp", "agreement", "Text.", model_field="target_group"),
    Column(
        "organisation",
        "organisation",
        "agreement",
        "Hur samverkan är organiserad.",
        model_field="organisation",
    ),
    Column(
        "followup_routine",
        "rutin för uppföljning",
        "agreement",
        "Text.",
        model_field="followup_routine",
    ),
    Column(
        "themes",
        "teman",
        "agreement",
        "Överenskommelsens teman, åtskilda med komma, till exempel arbete, sfi.",
        model_field="themes",
    ),
    Column(
        "party",
        "part",
        "party",
        "Organisationens namn som i registret, till exempel Arbetsförmedlingen eller Luleå "
        "kommun. Krävs på rader med ett åtagande.",
    ),
    Column(
        "role",
        "roll",
        "party",
        "Undertecknare (om tomt), Deltar utan att underteckna eller Adjungerad.",
        model_field="role",
    ),
    Column("is_convener", "sammankallande", "party", "ja eller nej.", model_field="is_convener"),
    Column(
        "signatory_name",
        "undertecknad av",
        "party",
        "Namnet på den som skrev under för parten. Krävs för en undertecknare.",
        model_field="signatory_name",
    ),
    Column(
        "signatory_title",
        "undertecknarens titel",
        "party",
        "Till exempel kommunstyrelsens ordförande.",
        model_field="signatory_title",
    ),
    Column(
        "party_signed_on",
        "parten undertecknade",
        "party",
        "Datum, ÅÅÅÅ-MM-DD.",
        model_field="signed_on",
    ),
    Column(
        "heading",
        "åtagandets rubrik",
        "commitment",
        "Rubriken dokumentet använder.",
        model_field="heading",
    ),
    Column("text", "åtagande", "commitment", "Vad parten åtar sig.", model_field="text"),
    Column(
        "commitment_themes",
        "åtagandets teman",
        "commitment",
        "Teman åtskilda med komma.",
        model_field="themes",
    ),
    Column(
        "commitment_target_groups",
        "åtagandets målgrupper",
        "commitment",
        "Målgrupper åtskilda med komma, till exempel asylsökande.",
        model_field="target_groups",
    ),
    Column(
        "phase",
        "fas",
        "commitment",
        "Asyltiden, Introduktion/etablering eller Båda.",
        model_field="phase",
    ),
]
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
AGREEMENT_TEXT = [
    "title",
    "alias",
    "registration_number",
    "version_label",
    "purpose",
    "background",
    "target_group",
    "organisation",
    "followup_routine",
]


def _normal(text) -> str:
    return " ".join(str(text or "").replace("*", " ").split()).casefold()


COLUMN_BY_HEADER = {_normal(column.header): column for column in COLUMNS}


class ImportFileError(Exception):
    """The file as a whole cannot be read."""


@dataclass
class RowError:
    row: int | None
    column: str
    message: str

    def __str__(self):
        where = f"Rad {self.row}" if self.row else "Filen"
        column = f", kolumn ”{self.column}”" if self.column else ""
        return f"{where}{column}: {self.message}"


@dataclass
class PlannedParty:
    organisation: Organisation
    row: int
    values: dict = field(default_factory=dict)
    order: int = 0


@dataclass
class PlannedCommitment:
    party_key: int  # organisation pk
    row: int
    values: dict
    themes: list
    target_groups: list


@dataclass
class PlannedAgreement:
    slug: str
    rows: list[int] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    value_rows: dict = field(default_factory=dict)
    municipalities: list = field(default_factory=list)
    themes: list = field(default_factory=list)
    parties: dict[int, PlannedParty] = field(default_factory=dict)
    commitments: list[PlannedCommitment] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.values.get("title", "")

    @property
    def row_span(self) -> str:
        return f"{min(self.rows)}–{max(self.rows)}" if len(self.rows) > 1 else str(self.rows[0])


@dataclass
class ImportPlan:
    filename: str
    token: str
    agreements: list[PlannedAgreement] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.agreements)

    def error(self, row, column_key_or_header, message):
        column = COLUMN_BY_KEY.get(column_key_or_header)
        self.errors.append(
            RowError(row, column.header if column else column_key_or_header, message)
        )


# Reading the file ------------------------------------------------------------------------


def _read_csv(content: bytes) -> list[list]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "Filen är inte sparad som UTF-8. Spara den i Excel som ”CSV UTF-8 "
            "(kommaavgränsad)” eller som Excel-arbetsbok (.xlsx) och försök igen."
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _read_xlsx(content: bytes) -> list[list]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise ImportFileError(
            "Filen kan inte läsas som en Excel-arbetsbok (.xlsx). Spara den på nytt i Excel "
            "eller använd CSV."
        ) from None
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def read_table(*, content: bytes, filename: str) -> list[list]:
    if filename.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return _read_xlsx(content)
    return _read_csv(content)


# Values ------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _split(value) -> list[str]:
    return [part.strip() for part in re.split(r"[,;|\n]", _text(value)) if part.strip()]


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-11-23.") from None


def _choice(value, choices, default, what) -> str:
    text = _normal(value)
    if not text:
        return default
    for key, label in choices:
        if text in (_normal(key), _normal(label)):
            return key
    allowed = ", ".join(str(label) for key, label in choices if key)
    raise ValueError(f"”{_text(value)}” är ingen {what}. Välj en av: {allowed}.")


def _yes_no(value) -> bool:
    text = _normal(value)
    if text in ("", "nej", "n", "0", "false", "falskt"):
        return False
    if text in ("ja", "j", "x", "1", "true", "sant"):
        return True
    raise ValueError(f"Skriv ja eller nej, inte ”{_text(value)}”.")


class _Lookups:
    """Reference data read once per file."""

    def __init__(self):
        self.counties = {}
        for county in County.objects.all():
            for key in (county.code, county.letter_code, county.name, county.slug):
                self.counties[_normal(key)] = county
            self.counties[_normal(county.name.removesuffix(" län"))] = county
        self.municipalities = {}
        for municipality in Municipality.objects.select_related("county"):
            self.municipalities[_normal(municipality.code)] = municipality
            self.municipalities.setdefault(_normal(municipality.name), municipality)
        self.themes = self._terms(Theme)
        self.target_groups = self._terms(TargetGroup)
        self.organisations: dict[str, list[Organisation]] = {}
        for organisation in Organisation.objects.all():
            for key in {organisation.slug, organisation.name}:
                self.organisations.setdefault(_normal(key), []).append(organisation)

    @staticmethod
    def _terms(model):
        terms = {}
        for term in model.objects.all():
            terms[_normal(term.slug)] = term
            terms[_normal(term.name)] = term
        return terms

    def county(self, value) -> County:
        county = self.counties.get(_normal(value))
        if county is None:
            raise ValueError(
                f"Länet ”{_text(value)}” finns inte. Skriv länets namn (Norrbottens län), "
                "kod (25) eller bokstav (BD)."
            )
        return county

    def municipality(self, value) -> Municipality:
        municipality = self.municipalities.get(_normal(value))
        if municipality is None:
            raise ValueError(f"Kommunen ”{value}” finns inte. Skriv kommunens namn eller kod.")
        return municipality

    def terms(self, values, terms, what) -> list:
        found, missing = [], []
        for value in _split(values):
            term = terms.get(_normal(value))
            (found.append(term) if term else missing.append(value))
        if missing:
            raise ValueError(
                f"{what} finns inte: {', '.join(missing)}. Använd namnen i registrets lista."
            )
        return found

    def organisation(self, value) -> Organisation:
        matches = self.organisations.get(_normal(value), [])
        if not matches:
            raise ValueError(
                f"Organisationen ”{_text(value)}” finns inte i registret. Skriv namnet som det "
                "står under Organisationer, eller lägg först till organisationen där."
            )
        if len(matches) > 1:
            raise ValueError(
                f"Flera organisationer heter ”{_text(value)}”. Skriv deras kortnamn i "
                f"stället: {', '.join(o.slug for o in matches)}."
            )
        return matches[0]


# Building the plan -------------------------------------------------------------------------


def _header_map(header: list, plan: ImportPlan) -> dict[int, Column]:
    columns: dict[int, Column] = {}
    for index, name in enumerate(header):
        if not _text(name):
            continue
        column = COLUMN_BY_HEADER.get(_normal(name))
        if column is None:
            plan.error(1, _text(name), "Kolumnen känns inte igen. Använd rubrikerna i mallen.")
        elif column in columns.values():
            plan.error(1, column.header, "Kolumnen finns två gånger.")
        else:
            columns[index] = column
    missing = [c.header for c in COLUMNS if c.required and c not in columns.values()]
    for header_name in missing:
        plan.error(1, header_name, "Kolumnen saknas. Den krävs; se mallen.")
    return columns


def _set_once(target: dict, rows: dict, key: str, value, row: int, plan: ImportPlan, what: str):
    """Repeated columns must agree: the first non-empty value counts, a different one later
    is an error that names both rows."""
    if value in ("", None, []):
        return
    if key in target and target[key] != value:
        plan.error(
            row,
            key,
            f"Skiljer sig från rad {rows[key]} för samma {what}. Skriv samma värde eller "
            "lämna cellen tom.",
        )
        return
    if key not in target:
        target[key] = value
        rows[key] = row


def import_preview(*, content: bytes, filename: str, user) -> ImportPlan:
    """Read and check the whole file. Nothing is saved."""
    plan = _plan_file(content=content, filename=filename, user=user)
    if plan.agreements:
        _check_scope(plan, user)
    header_order = [column.header for column in COLUMNS]
    plan.errors.sort(
        key=lambda e: (
            e.row or 0,
            header_order.index(e.column) if e.column in header_order else len(header_order),
        )
    )
    return plan


def _plan_file(*, content: bytes, filename: str, user) -> ImportPlan:
    plan = ImportPlan(filename=filename, token=hashlib.sha256(content).hexdigest()[:32])
    try:
        table = read_table(content=content, filename=filename)
    except ImportFileError as error:
        plan.error(None, "", str(error))
        return plan
    if not table or not any(_text(v) for v in table[0]):
        plan.error(None, "", "Filen är tom. Första raden ska ha kolumnrubrikerna från mallen.")
        return plan
    columns = _header_map(table[0], plan)
    if plan.errors:
        return plan
    lookups = _Lookups()
    scope = Scope.of(user)
    agreements: dict[str, PlannedAgreement] = {}
    for row_number, cells in enumerate(table[1:], start=2):
        raw = {
            column.key: cells[index] if index < len(cells) else None
            for index, column in columns.items()
        }
        if not any(_text(value) for value in raw.values()):
            continue
        _plan_row(plan, agreements, lookups, scope, row_number, raw)
    for planned in agreements.values():
        _check_agreement(plan, planned)
    plan.agreements = list(agreements.values())
    if not plan.agreements and not plan.errors:
        plan.error(None, "", "Filen har inga rader med överenskommelser under rubrikraden.")
    return plan


def _plan_row(plan, agreements, lookups, scope, row, raw):
    def attempt(key, convert):
        try:
            return convert(raw.get(key))
        except ValueError as error:
            plan.error(row, key, str(error))
            return None

    slug = _text(raw.get("slug"))
    if not slug:
        plan.error(row, "slug", "Ange överenskommelsens adressnamn, samma på alla dess rader.")
        return
    try:
        validate_slug(slug)
    except ValidationError:
        plan.error(row, "slug", f"”{slug}” får bara innehålla a–z, 0–9, bindestreck och _.")
        return
    planned = agreements.get(slug)
    if planned is None:
        if AgreementLineage.objects.filter(slug=slug).exists():
            plan.error(
                row,
                "slug",
                f"”{slug}” finns redan i registret. Välj ett nytt adressnamn; en ny version "
                "av en befintlig överenskommelse skapas med Revidera.",
            )
            return
        planned = agreements[slug] = PlannedAgreement(slug=slug)
    planned.rows.append(row)
    values, rows = planned.values, planned.value_rows

    for key in AGREEMENT_TEXT:
        _set_once(values, rows, key, _text(raw.get(key)), row, plan, "överenskommelse")
    level = attempt("level", lambda v: _choice(v, Level.choices, "", "nivå"))
    _set_once(values, rows, "level", level, row, plan, "överenskommelse")
    kind = attempt("kind", lambda v: _choice(v, Kind.choices, "", "typ"))
    _set_once(values, rows, "kind", kind, row, plan, "överenskommelse")
    if _text(raw.get("county")):
        county = attempt("county", lookups.county)
        if county is not None and not scope.covers_county(county.pk):
            plan.error(
                row,
                "county",
                f"Du får bara registrera överenskommelser i ditt eget län, inte i {county}.",
            )
        _set_once(values, rows, "county", county, row, plan, "överenskommelse")
    for key in ("signed_on", "valid_from", "valid_until"):
        _set_once(values, rows, key, attempt(key, _date), row, plan, "överenskommelse")
    municipalities = attempt(
        "municipalities", lambda v: [lookups.municipality(name) for name in _split(v)]
    )
    if municipalities:
        _set_once(values, rows, "municipalities", municipalities, row, plan, "överenskommelse")
    themes = attempt("themes", lambda v: lookups.terms(v, lookups.themes, "Temana"))
    if themes:
        _set_once(values, rows, "themes", themes, row, plan, "överenskommelse")

    party = None
    if _text(raw.get("party")):
        organisation = attempt("party", lookups.organisation)
        if organisation is not None:
            party = planned.parties.get(organisation.pk)
            if party is None:
                party = planned.parties[organisation.pk] = PlannedParty(
                    organisation, row, order=len(planned.parties)
                )
            party_rows = {}
            role = attempt("role", lambda v: _choice(v, PartyRole.choices, "", "roll"))
            convener = attempt("is_convener", lambda v: _yes_no(v) if _text(v) else None)
            signed = attempt("party_signed_on", _date)
            for key, value in (
                ("role", role),
                ("is_convener", convener),
                ("signatory_name", _text(raw.get("signatory_name"))),
                ("signatory_title", _text(raw.get("signatory_title"))),
                ("party_signed_on", signed),
            ):
                _set_once(party.values, party_rows, key, value, row, plan, "part")
    elif any(_text(raw.get(k)) for k in ("role", "signatory_name", "signatory_title")):
        plan.error(row, "party", "Ange vilken organisation uppgifterna om parten gäller.")

    if _text(raw.get("text")) or _text(raw.get("heading")):
        if party is None:
            if not _text(raw.get("party")):
                plan.error(row, "party", "Ange vilken part åtagandet hör till.")
            return
        if not _text(raw.get("text")):
            plan.error(row, "text", "Skriv åtagandets text; rubriken räcker inte.")
            return
        phase = attempt("phase", lambda v: _choice(v, Phase.choices, "", "fas"))
        planned.commitments.append(
            PlannedCommitment(
                party_key=party.organisation.pk,
                row=row,
                values={
                    "heading": _text(raw.get("heading")),
                    "text": _text(raw.get("text")),
                    "phase": phase or "",
                },
                themes=attempt(
                    "commitment_themes", lambda v: lookups.terms(v, lookups.themes, "Temana")
                )
                or [],
                target_groups=attempt(
                    "commitment_target_groups",
                    lambda v: lookups.terms(v, lookups.target_groups, "Målgrupperna"),
                )
                or [],
            )
        )


FIELD_TO_COLUMN = {
    "title": "title",
    "level": "level",
    "kind": "kind",
    "county": "county",
    "municipalities": "municipalities",
    "valid_until": "valid_until",
    "valid_from": "valid_from",
    "signed_on": "signed_on",
    "alias": "alias",
    "registration_number": "registration_number",
    "version_label": "version_label",
}


def _agreement_instance(planned: PlannedAgreement) -> Agreement:
    values = planned.values
    agreement = Agreement(
        version_number=1,
        publication=Publication.DRAFT,
        level=values.get("level") or "",
        kind=values.get("kind") or Kind.AGREEMENT,
        county=values.get("county"),
        signed_on=values.get("signed_on"),
        valid_from=values.get("valid_from"),
        valid_until=values.get("valid_until"),
    )
    for key in AGREEMENT_TEXT:
        setattr(agreement, key, values.get(key, ""))
    return agreement


def _party_instance(planned_party: PlannedParty, agreement: Agreement) -> Party:
    values = planned_party.values
    return Party(
        agreement=agreement,
        organisation=planned_party.organisation,
        role=values.get("role") or PartyRole.SIGNATORY,
        is_convener=bool(values.get("is_convener")),
        signatory_name=values.get("signatory_name", ""),
        signatory_title=values.get("signatory_title", ""),
        signed_on=values.get("party_signed_on"),
        order=planned_party.order,
    )


def _check_agreement(plan: ImportPlan, planned: PlannedAgreement) -> None:
    first = planned.rows[0]

    def row_of(key):
        return planned.value_rows.get(key, first)

    if not planned.values.get("title"):
        plan.error(first, "title", "Ange överenskommelsens titel.")
    if not planned.values.get("level"):
        plan.error(first, "level", "Ange nivån: lokal, regional eller central.")
        return
    agreement = _agreement_instance(planned)
    try:
        agreement.full_clean(exclude=["lineage"])
    except ValidationError as error:
        for field_name, messages in error.message_dict.items():
            column = FIELD_TO_COLUMN.get(field_name, "")
            for message in messages:
                plan.error(row_of(column) if column else first, column, message)
    try:
        validate_municipalities(
            level=agreement.level,
            county=agreement.county,
            municipalities=planned.values.get("municipalities", []),
        )
    except ValidationError as error:
        for message in error.messages:
            plan.error(row_of("municipalities"), "municipalities", message)
    if not planned.parties:
        plan.error(first, "party", "Överenskommelsen har ingen part. Ange minst en part.")
    for party in planned.parties.values():
        instance = _party_instance(party, agreement)
        if instance.role == PartyRole.SIGNATORY and not instance.signatory_name:
            plan.error(
                party.row,
                "signatory_name",
                f"Ange vem som undertecknade för {party.organisation}, eller skriv rollen "
                "”Deltar utan att underteckna”.",
            )
        if instance.role != PartyRole.SIGNATORY and (
            instance.signatory_name or instance.signatory_title or instance.signed_on
        ):
            plan.error(
                party.row,
                "role",
                "Bara en undertecknare har undertecknare och datum. Töm de cellerna eller "
                "skriv rollen Undertecknare.",
            )


def _check_scope(plan: ImportPlan, user) -> None:
    scope = Scope.of(user)
    for planned in plan.agreements:
        county = planned.values.get("county")
        if county is None and not scope.national:
            plan.error(
                planned.value_rows.get("level", planned.rows[0]),
                "level",
                "Bara nationella redaktörer får registrera centrala överenskommelser.",
            )


# Saving ------------------------------------------------------------------------------------


@transaction.atomic
def agreements_import(*, plan: ImportPlan, user) -> list[Agreement]:
    """Save every agreement of a checked plan as a draft, or nothing."""
    if not plan.is_valid:
        raise ValidationError([str(error) for error in plan.errors])
    scope = Scope.of(user)
    created = []
    for planned in plan.agreements:
        agreement = _agreement_instance(planned)
        if not scope.covers_county(agreement.county_id):
            raise ValidationError("Överenskommelsen ligger utanför din behörighet.")
        agreement.lineage = AgreementLineage.objects.create(slug=planned.slug)
        agreement.full_clean()
        agreement.save()
        agreement.municipalities.set(planned.values.get("municipalities", []))
        agreement.themes.set(planned.values.get("themes", []))
        parties = {}
        for key, planned_party in planned.parties.items():
            party = _party_instance(planned_party, agreement)
            party.full_clean()
            party.save()
            parties[key] = party
        for order, planned_commitment in enumerate(planned.commitments):
            commitment = Commitment(
                agreement=agreement,
                party=parties[planned_commitment.party_key],
                order=order,
                **planned_commitment.values,
            )
            commitment.full_clean()
            commitment.save()
            commitment.themes.set(planned_commitment.themes)
            commitment.target_groups.set(planned_commitment.target_groups)
        history_record(
            agreement=agreement,
            user=user,
            comment=f"Importerad från {plan.filename}, rad {planned.row_span}.",
        )
        created.append(agreement)
    return created


# Templates ---------------------------------------------------------------------------------


def template_headers() -> list[str]:
    return [f"{c.header} *" if c.required else c.header for c in COLUMNS]


def template_csv() -> bytes:
    """Semicolons and a byte order mark: Swedish Excel opens it with å, ä and ö intact."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerow(template_headers())
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


EXAMPLE_ROWS = [
    {
        "slug": "lok-exempelby-2026",
        "title": "Lokal överenskommelse om nyanländas etablering i Exempelby",
        "level": "lokal",
        "county": "Norrbottens län",
        "municipalities": "Luleå",
        "valid_from": "2026-01-01",
        "themes": "arbete, sfi",
        "party": "Arbetsförmedlingen",
        "signatory_name": "Anna Andersson",
        "heading": "Arbete",
        "text": "Erbjuda praktikplatser inom två månader.",
        "commitment_themes": "arbete",
    },
    {
        "slug": "lok-exempelby-2026",
        "party": "Arbetsförmedlingen",
        "heading": "Arbete",
        "text": "Ordna ett gemensamt informationsmöte varje kvartal.",
    },
]


def template_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Överenskommelser"
    sheet.append(template_headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = max(
            14, len(column.header) + 4
        )
    guide = workbook.create_sheet("Instruktioner")
    guide.append(["kolumn", "krävs", "gäller", "vad som skrivs"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    levels = {"agreement": "överenskommelsen", "party": "parten", "commitment": "åtagandet"}
    for column in COLUMNS:
        guide.append(
            [column.header, "ja" if column.required else "", levels[column.level], column.help]
        )
    guide.append([])
    guide.append(
        [
            "En rad per åtagande, eller per part utan åtaganden. Rader med samma adressnamn "
            "blir samma överenskommelse; dess uppgifter behöver bara stå på en av raderna. "
            "Bara det första bladet läses. Allt kontrolleras innan något sparas."
        ]
    )
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["D"].width = 90
    example = workbook.create_sheet("Exempel")
    example.append(template_headers())
    for row in EXAMPLE_ROWS:
        example.append([row.get(column.key, "") for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
