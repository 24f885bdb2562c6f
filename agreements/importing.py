"""Bulk import of agreements with their parties and commitments from CSV or Excel (.xlsx).

One row per commitment (or per party without commitments). Rows with the same `adressnamn`
belong to the same agreement; the agreement's columns need only be filled on one of its rows,
the party's on one row per party. The columns are the agreement document's fields
(agreements/document.py); each agreement becomes a document written by the same service as
every other path, first as a trial that is rolled back (the preview), then for real. Errors
name the row and the column as the spreadsheet shows them (the header is row 1).

A text cell that is plainly a spreadsheet formula (`=HYPERLINK(…)`, `@SUM(A1)`, `+1`, `-2+3`)
is refused with a message naming row and column; a text that merely begins with a dash, such
as a list (`- punkt`), is kept as written. The exports write every such text so that no
spreadsheet runs it (registry/exports.py).
"""

import csv
import datetime
import functools
import hashlib
import io
import math
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import openpyxl
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import DataError, models, transaction
from django.utils import translation
from django.utils.text import slugify
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from actors.boundaries import agreement_day, county_from_key
from actors.document import CONTACT, ORGANISATION, ContactKey
from actors.models import County, Municipality, Organisation, OrganisationKind
from agreements import jobs, policy
from agreements.document import AGREEMENT, PARTY, AgreementLink
from agreements.models import (
    AGREEMENT_LINKS,
    PARTIAL_DATE_FIELDS,
    AgreementLineage,
    ImportJob,
    ImportStatus,
    JobAction,
    PartyRole,
    Publication,
    validate_municipalities,
)
from agreements.services import agreement_publication_problems, agreements_documents_create
from agreements.signals import agreement_changes
from commitments.document import COMMITMENT
from registry import partial_dates
from registry.documents import DocumentError, NaturalKey, Part, PartialDateKey
from registry.exports import csv_lines

MAX_BYTES = 5 * 1024 * 1024
# Files with more agreements than this are saved by a background job (agreements/tasks.py).
JOB_THRESHOLD = 20
# The most a cell may hold: Excel's own limit, so that a CSV file is read as its workbook would be.
MAX_CELL_CHARS = 32_767


@dataclass(frozen=True)
class Column:
    key: str  # "agreement.title", "party.role", "commitment.text"
    header: str
    level: str  # "agreement", "party" or "commitment"
    help: str
    required: bool = False
    field: str = ""  # the document's field of that part


# Not imported: a file brings drafts, and contact people's personal data is entered by hand.
NOT_IMPORTED = {"agreement": {"publication", "contacts"}, "commitment": {"party"}}
# Where the model's help text does not say how to write the cell.
HELP = {
    "agreement.level": "lokal, regional eller central.",
    "agreement.county": "Länets namn, kod eller bokstav: Norrbottens län, 25 eller BD. Tomt "
    "för central. Ett län som inte finns längre skrivs med sitt namn, till exempel Malmöhus län "
    "för en överenskommelse från 1996.",
    "agreement.municipalities": "Lokala överenskommelser: kommunernas namn eller koder, "
    "åtskilda med komma.",
    "agreement.parent": "Adressnamnet på den överenskommelse den hör under, i registret "
    "eller i samma fil.",
    "agreement.annex_to": "Adressnamnet på den överenskommelse hängavtalet hör till, i "
    "registret eller i samma fil.",
    "agreement.based_on": "Adressnamnet på den överenskommelse vars text har följts, i "
    "registret eller i samma fil.",
    "agreement.themes": "Temanas namn eller kortnamn åtskilda med komma, till exempel arbete, sfi.",
    "agreement.target_groups": "Målgruppernas namn eller kortnamn åtskilda med komma.",
    "party.organisation": "Organisationens namn, kortnamn eller förkortning som i registret, "
    "till exempel Arbetsförmedlingen, AMS eller Luleå kommun. Krävs på rader med ett "
    "åtagande. En organisation som inte finns i registret skapas när importen sparas om ”ny "
    "organisation, typ” är ifylld.",
    "party.signatory_name": "Namnet på den som skrev under, om det är känt.",
    "commitment.responsible_contact": "Namn och e-post, till exempel Anna Andersson "
    "<anna.andersson@lulea.se>. Kontaktpersonen hör till partens organisation och visas inte "
    "publikt förrän den markeras som publik.",
}
PARTS = (("agreement", AGREEMENT), ("party", PARTY), ("commitment", COMMITMENT))
# The agreement's links to other agreements: an agreement in the registry or a row of the file.
LINKS = AGREEMENT_LINKS


def _help(key: str, part: Part, name: str) -> str:
    if key in HELP:
        return HELP[key]
    model_field = part.model_field(name)
    if model_field.choices:
        choices = ", ".join(str(label) for value, label in model_field.choices if value)
        hint = f"En av: {choices}."
    elif isinstance(part.keys.get(name), PartialDateKey):
        hint = f"Datum: {partial_dates.HELP}"
    elif isinstance(model_field, models.DateField):
        hint = "Datum, ÅÅÅÅ-MM-DD."
    elif isinstance(model_field, models.BooleanField):
        hint = "ja eller nej."
    elif part.keys.get(name) is not None and part.is_many(name):
        hint = "Namn eller kortnamn åtskilda med komma."
    else:
        hint = ""
    return " ".join(filter(None, [str(model_field.help_text), hint])) or "Text."


def _columns() -> list[Column]:
    columns = [
        Column(
            "agreement.lineage",
            "adressnamn",
            "agreement",
            "Överenskommelsens namn i adressen, samma på alla dess rader. Bara a–z, 0–9 och "
            "bindestreck, till exempel lok-lulea-2026. Får inte redan finnas i registret.",
            required=True,
        )
    ]
    for level, part in PARTS:
        for name in part.fields:
            if name in NOT_IMPORTED.get(level, ()):
                continue
            key = f"{level}.{name}"
            model_field = part.model_field(name)
            required = (
                level == "agreement" and not model_field.blank and not model_field.has_default()
            )
            columns.append(
                Column(key, part.column_header(name), level, _help(key, part, name), required, name)
            )
    kinds = ", ".join(str(label) for label in OrganisationKind.labels)
    columns += [
        Column(
            "organisation.kind",
            "ny organisation, typ",
            "organisation",
            "Bara för en organisation som inte finns i registret: dess typ, en av: "
            f"{kinds}. Organisationen skapas med namnet i ”part” när importen sparas.",
            field="kind",
        ),
        Column(
            "organisation.county",
            "ny organisation, län",
            "organisation",
            "Bara för en ny organisation: länet där den verkar. Tomt för en rikstäckande.",
            field="county",
        ),
    ]
    return columns


COLUMNS = _columns()
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
# A row's cells by level, in the template's order (the agreement's without its slug).
AGREEMENT_COLUMNS = [c for c in COLUMNS if c.level == "agreement" and c.key != "agreement.lineage"]
PARTY_COLUMNS = [c for c in COLUMNS if c.level == "party"]
COMMITMENT_COLUMNS = [c for c in COLUMNS if c.level == "commitment"]


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
class PlannedOrganisation:
    """An organisation the file declares (name, kind, county), created when the import is
    saved."""

    organisation: Organisation
    row: int


@dataclass
class PlannedParty:
    organisation: Organisation
    row: int
    values: dict = field(default_factory=dict)
    value_rows: dict = field(default_factory=dict)

    @property
    def is_new(self) -> bool:
        return self.organisation.pk is None

    @property
    def role_label(self) -> str:
        return PartyRole(self.values.get("role") or PARTY.model_field("role").get_default()).label

    def __str__(self) -> str:
        """As the preview lists it: "Luleå kommun – undertecknare, Anna Andersson"."""
        signatory = self.values.get("signatory_name")
        return f"{self.organisation.name} – {str(self.role_label).lower()}" + (
            f", {signatory}" if signatory else ""
        )


@dataclass
class PlannedCommitment:
    party: PlannedParty
    row: int
    values: dict


@functools.lru_cache(maxsize=1024)
def _date_as_written(written: str, end: bool, language: str) -> str:
    """A date of the preview as written in the language. A file's dates repeat (a few years,
    the first of a month), and Django's date_format of each of 1,000 agreements' dates was a
    fifth of the preview page's rendering."""
    return str(partial_dates.parse(written, end=end))


@dataclass
class PlannedAgreement:
    slug: str
    rows: list[int] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    value_rows: dict = field(default_factory=dict)
    county_name: str = ""
    municipality_names: list[str] = field(default_factory=list)
    parties: dict[str, PlannedParty] = field(default_factory=dict)
    commitments: list[PlannedCommitment] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    # What the saved draft would lack to be published (known after a trial save).
    publication_problems: list[str] = field(default_factory=list)

    def _first_day(self, name: str) -> datetime.date | None:
        """The date as it will be stored: a date known to the year or month as its first day."""
        written = self.values.get(name)
        return partial_dates.parse(written).day if written else None

    @property
    def signed_on(self) -> datetime.date | None:
        return self._first_day("signed_on")

    @property
    def valid_from(self) -> datetime.date | None:
        return self._first_day("valid_from")

    @property
    def day(self) -> datetime.date | None:
        """The day the agreement is about (actors.boundaries.agreement_day); None when the
        file gives neither its signing nor its start date."""
        return agreement_day(self) if self.signed_on or self.valid_from else None

    def _as_written(self, name: str) -> str:
        """A date as the pages show it ("mars 2009", "2004"); empty: unknown."""
        written = self.values.get(name)
        if not written:
            return ""
        return _date_as_written(written, PARTIAL_DATE_FIELDS[name], translation.get_language())

    @property
    def signed_as_written(self) -> str:
        """The signing date as the preview shows it: "12 maj 2003", or "okänt"."""
        return self._as_written("signed_on") or "okänt"

    @property
    def validity_as_written(self) -> str:
        """The period of validity as the preview shows it: "2004 – tills vidare", or "okänt"."""
        start, end = self._as_written("valid_from"), self._as_written("valid_until")
        if not start and not end:
            return "okänt"
        return f"{start or 'okänt'} – {end or 'tills vidare'}"

    @property
    def links(self) -> list[tuple[str, str]]:
        """The links to other agreements the file writes, as (column header, slug)."""
        return [
            (COLUMN_BY_KEY[f"agreement.{name}"].header, self.values[name])
            for name in LINKS
            if self.values.get(name)
        ]

    def links_within(self, slugs) -> list[str]:
        """The slugs of the file's other agreements this one links to."""
        return [self.values[name] for name in LINKS if self.values.get(name) in slugs]

    @property
    def title(self) -> str:
        return self.values.get("title", "")

    @property
    def row_span(self) -> str:
        return f"{min(self.rows)}–{max(self.rows)}" if len(self.rows) > 1 else str(self.rows[0])

    def document(self) -> dict:
        """The agreement as an agreement document (agreements/document.py)."""
        parties = list(self.parties.values())
        return {
            "lineage": self.slug,
            "publication": Publication.DRAFT,
            **self.values,
            "parties": [
                {"organisation": party.organisation.slug, **party.values} for party in parties
            ],
            "commitments": [
                {"party": commitment.party.organisation.slug, **commitment.values}
                for commitment in self.commitments
            ],
        }

    def place(self, path: str) -> tuple[int, str]:
        """The row and column key of a document error's path ("commitments[2].text")."""
        list_name, index, name = re.fullmatch(r"(?:(\w+)\[(\d+)\]\.?)?(\w*)", path).groups()
        if list_name == "parties":
            party = list(self.parties.values())[int(index)]
            return party.value_rows.get(name, party.row), f"party.{name}"
        if list_name == "commitments":
            return self.commitments[int(index)].row, f"commitment.{name}"
        key = f"agreement.{name}"
        return self.value_rows.get(key, self.rows[0]), key


@dataclass
class ImportPlan:
    filename: str
    token: str
    agreements: list[PlannedAgreement] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new_organisations: dict[str, PlannedOrganisation] = field(default_factory=dict)
    tried: bool = False  # saved as a trial and rolled back (see import_preview)
    # Cells refused as unstorable (row, column key): their one message is enough.
    refused: set[tuple[int, str]] = field(default_factory=set)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.agreements)

    @property
    def warnings(self) -> list[RowError]:
        return [warning for planned in self.agreements for warning in planned.warnings]

    @property
    def not_publishable(self) -> int:
        """How many of the agreements would be saved as drafts that cannot be published yet."""
        return sum(bool(planned.publication_problems) for planned in self.agreements)

    def has_error(self, rows, column_key) -> bool:
        """A cell of the column on one of the rows is already wrong (say, refused)."""
        header = COLUMN_BY_KEY[column_key].header
        return any(error.row in rows and error.column == header for error in self.errors)

    def error(self, row, column_key_or_header, message):
        if (row, column_key_or_header) in self.refused:
            return
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
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as error:  # a cell over the csv module's 128 kB, a broken quote
        too_long = "field larger than field limit" in str(error)
        raise ImportFileError(
            f"Rad {reader.line_num} kan inte läsas: "
            + (
                f"en cell har mer än {csv.field_size_limit():,} tecken.".replace(",", " ")
                if too_long
                else "raden följer inte CSV-formatet."
            )
        ) from None


def _read_xlsx(content: bytes) -> list[list]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    # openpyxl raises many kinds of errors on a damaged workbook (XML, zip, values).
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError):
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
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# `=` and `@` always begin a formula; `+` and `-` when a number, a bracket, another operator,
# a function call or a link to another program (`cmd|…`) follows at once. "- punkt" (a list)
# and "-ansvar" are text.
FORMULA = re.compile(r"[=@]|[+-](?:[\d(=+\-@]|[^\W\d]\w*(?:\.\w+)*[(|])")


def _free_text(value) -> str:
    """A text cell; one that a spreadsheet would run as a formula is refused."""
    text = _text(value)
    if FORMULA.match(text):
        shown = text if len(text) <= 40 else text[:39] + "…"
        raise ValueError(
            f"”{shown}” är en kalkylformel (den börjar med ”{text[0]}”). Registret tar inte "
            "emot formler: skriv texten utan tecknet först. En punktlista skrivs ”- punkt”, "
            "med mellanslag efter strecket."
        )
    return text


def _split(value) -> list[str]:
    return [part.strip() for part in re.split(r"[,;|\n]", _text(value)) if part.strip()]


def _date(value) -> str | None:
    """A date cell as the document writes it: "2009-03-15", or as much as is known ("2009-03",
    "2009" from "mars 2009", "2009"); registry/partial_dates.py reads it."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool) and value == int(value):
        value = str(int(value))  # a year that a spreadsheet read as a number
    written = partial_dates.parse(_text(value))
    return written.iso() if written else None


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


def _number(value):
    try:
        return Decimal(_text(value).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise ValueError(f"Skriv ett tal, inte ”{_text(value)}”.") from None


class _Lookups:
    """Reference data read once per file: every natural key a cell may name, by the ways
    people write it (code, name, letter, slug)."""

    def __init__(self):
        self.rows: dict = {}
        self.readers: dict = {}
        self.found: dict = {}

    def reader(self, part: Part, name: str):
        """How a cell of the part's field is read (see _cell), made once per file."""
        if (part.model, name) not in self.readers:
            self.readers[(part.model, name)] = _cell(part, name, self)
        return self.readers[(part.model, name)]

    def _index(self, model) -> dict[str, list]:
        if model not in self.rows:
            index: dict[str, list] = {}
            # Former counties too: an agreement is placed by the boundaries on its own date.
            # Without the maps, which the import never draws (their JSON took 0.1–0.2 s).
            counties = County.all_objects.defer("geometry")
            rows = counties if model is County else model.objects.all()
            if model is Organisation:  # for the warnings of absence_on
                rows = rows.select_related("successor").prefetch_related("predecessors")
            if model is Municipality:  # for the boundaries on each agreement's day
                rows = rows.defer("geometry").prefetch_related(
                    models.Prefetch("memberships__county", queryset=counties),
                    models.Prefetch("formed_from", queryset=Municipality.objects.defer("geometry")),
                )
            for row in rows:
                for key in _spellings(row):
                    index.setdefault(key, []).append(row)
            self.rows[model] = index
        return self.rows[model]

    def by(self, model, attribute: str) -> dict:
        """The model's rows by the exact value of an attribute (a code, a slug)."""
        if (model, attribute) not in self.rows:
            self.rows[(model, attribute)] = {
                getattr(row, attribute): row for rows in self._index(model).values() for row in rows
            }
        return self.rows[(model, attribute)]

    def by_key(self, key: NaturalKey) -> dict:
        """The key's rows by the value the document writes for them (a county's county_key)."""
        if key not in self.rows:
            self.rows[key] = {
                key.dump(row, many=False): row
                for rows in self._index(key.model).values()
                for row in rows
            }
        return self.rows[key]

    def exists(self, key: NaturalKey, value) -> bool:
        return bool(self._index(key.model).get(_normal(value)))

    def find(self, key: NaturalKey, value):
        """The row the cell names; remembered by the model and the cell's text, since a file
        names the same few rows (its parties, themes, counties) thousands of times."""
        if (key.model, value) not in self.found:
            self.found[(key.model, value)] = self._find(key, value)
        return self.found[(key.model, value)]

    def _find(self, key: NaturalKey, value):
        matches = self._index(key.model).get(_normal(value), [])
        if key.model is County:  # a code or letter both counties had: today's, as county_from_key
            matches = [county for county in matches if county.is_current] or matches
        if not matches:
            raise ValueError(
                f"{key.label} ”{_text(value)}” finns inte i registret. Skriv namnet som det står "
                "i registret."
            )
        if len(matches) > 1:
            raise ValueError(
                f"Flera heter ”{_text(value)}”. Skriv kortnamnet i stället: "
                f"{', '.join(getattr(row, key.attribute) for row in matches)}."
            )
        return matches[0]


def _spellings(row) -> set[str]:
    """Distinct spellings only, so that a row whose slug is its lower-cased name
    (Migrationsverket) is found once."""
    names = [
        getattr(row, attribute, "") for attribute in ("slug", "code", "sfs", "name", "abbreviation")
    ]
    if isinstance(row, County):
        names += [row.letter_code, row.name.removesuffix(" län")]
    return {_normal(name) for name in names if name}


def _cell(part: Part, name: str, lookups: _Lookups):
    """How a cell of the field is read into the document's value."""
    key, model_field = part.keys.get(name), part.model_field(name)
    if isinstance(key, NaturalKey):
        if part.is_many(name):
            read: dict = {}  # by the cell: a file writes the same few lists thousands of times

            def many(value) -> list:
                if value not in read:
                    read[value] = [
                        key.dump(lookups.find(key, item), many=False) for item in _split(value)
                    ]
                return list(read[value])

            return many
        return lambda v: key.dump(lookups.find(key, v), many=False)
    if isinstance(key, AgreementLink):
        return _text
    if isinstance(key, ContactKey):
        return _contact
    if model_field.choices:
        what = str(model_field.verbose_name)
        return lambda v: _choice(v, model_field.choices, "", what)
    if isinstance(model_field, models.DateField):
        return _date
    if isinstance(model_field, models.BooleanField):
        return _yes_no
    if isinstance(model_field, models.IntegerField):
        return lambda v: int(_number(v))
    if isinstance(model_field, models.DecimalField):
        return _number
    return _free_text


def _contact_of(organisation: Organisation, written: dict) -> dict:
    """The organisation's contact person the cell names (by e-mail, else by name) as they
    are, or a new one who is not public until staff say so."""
    if organisation.pk is None:  # a new organisation of the file
        return {**written, "organisation": organisation.slug}
    found = organisation.contacts.filter(
        **({"email__iexact": written["email"]} if written["email"] else {"name": written["name"]})
    ).first()
    if found is not None:
        return CONTACT.dump(found)
    return {**written, "organisation": organisation.slug}


def _contact(value) -> dict:
    text = _free_text(value)
    email = re.search(r"[^\s<>]+@[^\s<>]+", text)
    name = re.sub(r"[<>]", "", text.replace(email.group(0), "") if email else text).strip(" ,")
    return {"name": name, "email": email.group(0) if email else ""}


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


def import_preview(*, content: bytes, filename: str, user, trial: bool | None = None) -> ImportPlan:
    """Read and check the whole file. Nothing is saved. With `trial`, the agreements are saved
    as a trial that is rolled back, so that the preview finds exactly the errors that saving
    would. By default only a file small enough to be saved in the request is tried: a big
    file's trial would take as long as its save, which the background job does all or nothing,
    listing any error it meets by row and column."""
    plan = _plan_file(content=content, filename=filename, user=user)
    if plan.agreements:
        _check_scope(plan, user)
        plan.tried = len(plan.agreements) <= JOB_THRESHOLD if trial is None else trial
        if plan.tried:
            _trial(plan, user)
    _errors_sort(plan)
    return plan


def _errors_sort(plan: ImportPlan) -> None:
    """By row, and within a row by column as the template has them."""
    header_order = [column.header for column in COLUMNS]
    plan.errors.sort(
        key=lambda e: (
            e.row or 0,
            header_order.index(e.column) if e.column in header_order else len(header_order),
        )
    )


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
    agreements: dict[str, PlannedAgreement] = {}
    slug_index = next(
        (index for index, column in columns.items() if column.key == "agreement.lineage"), None
    )
    written_slugs = {_text(cells[slug_index]) for cells in table[1:] if slug_index < len(cells)}
    taken = set(
        AgreementLineage.objects.filter(slug__in=written_slugs).values_list("slug", flat=True)
    )
    # Each cell's column key by its position in the row; None for a column with no header.
    keys = [columns[index].key if index in columns else None for index in range(max(columns) + 1)]
    for row_number, cells in enumerate(table[1:], start=2):
        # Only the cells with something in them: most of a row is empty ("" in a CSV file,
        # None in a workbook), and that is tested before the cell is read as text.
        raw = {
            key: value
            for key, value in zip(keys, cells, strict=False)  # a row may be shorter or longer
            if key is not None and value not in ("", None) and _text(value)
        }
        if not raw:
            continue
        _refuse_unstorable_cells(plan, row_number, raw)
        _plan_row(plan, agreements, lookups, user, row_number, raw, taken)
    for planned in agreements.values():
        _check_agreement(plan, planned)
        _check_place(plan, planned, lookups)
        _warn_out_of_time(planned)
    plan.agreements = _linked_first(plan, list(agreements.values()))
    if not plan.agreements and not plan.errors:
        plan.error(None, "", "Filen har inga rader med överenskommelser under rubrikraden.")
    return plan


def _refuse_unstorable_cells(plan: ImportPlan, row: int, raw: dict) -> None:
    """Cells the database cannot hold, refused by row and column (and read as empty, so
    that the rest of the row is still checked): a NUL character, or more than a cell holds."""
    for key, value in list(raw.items()):
        text = value if isinstance(value, str) else ""
        if "\x00" in text:
            plan.error(row, key, "Cellen innehåller ett otillåtet tecken (NUL). Ta bort det.")
        elif len(text) > MAX_CELL_CHARS:
            plan.error(
                row,
                key,
                f"Cellen har {len(text):,} tecken; högst {MAX_CELL_CHARS:,} får plats.".replace(
                    ",", " "
                ),
            )
        else:
            continue
        plan.refused.add((row, key))
        del raw[key]


def _plan_row(plan, agreements, lookups, user, row, raw, taken):
    """One row into the plan. `raw` holds only the row's filled cells, by column key."""

    def read(column: Column, part: Part):
        """The filled cell's value for the document, or None when the cell is wrong."""
        try:
            return lookups.reader(part, column.field)(raw[column.key])
        except ValueError as error:
            plan.error(row, column.key, str(error))
            return None

    slug = _text(raw.get("agreement.lineage"))
    if not slug:
        plan.error(
            row, "agreement.lineage", "Ange överenskommelsens adressnamn, samma på alla dess rader."
        )
        return
    planned = agreements.get(slug)
    if planned is None:
        try:
            validate_slug(slug)
        except ValidationError:
            plan.error(
                row,
                "agreement.lineage",
                f"”{slug}” får bara innehålla a–z, 0–9, bindestreck och _.",
            )
            return
        if slug in taken:
            plan.error(
                row,
                "agreement.lineage",
                f"”{slug}” finns redan i registret. Välj ett nytt adressnamn; en ny version "
                "av en befintlig överenskommelse skapas med Revidera.",
            )
            return
        planned = agreements[slug] = PlannedAgreement(slug=slug)
    planned.rows.append(row)

    for column in AGREEMENT_COLUMNS:
        if column.key not in raw:
            continue
        value = read(column, AGREEMENT)
        if column.field == "county" and value is not None:
            county = lookups.by_key(COUNTY)[value]
            planned.county_name = county.name
            refusal = policy.refusal_to_register(user, county=county)
            if refusal:
                plan.error(row, column.key, refusal)
        if column.field == "municipalities" and value and not planned.municipality_names:
            by_code = lookups.by(Municipality, "code")
            planned.municipality_names = [by_code[code].name for code in value]
        _set_once(planned.values, planned.value_rows, column, value, row, plan, "överenskommelse")

    party = None
    organisation = _party_organisation(plan, lookups, user, row, raw)
    if organisation is not None:
        party = planned.parties.get(organisation.slug)
        if party is None:
            party = planned.parties[organisation.slug] = PlannedParty(organisation, row)
        for column in PARTY_COLUMNS:
            if column.key in raw and column.field != "organisation":
                value = read(column, PARTY)
                _set_once(party.values, party.value_rows, column, value, row, plan, "part")
    elif "party.organisation" not in raw and any(column.key in raw for column in PARTY_COLUMNS):
        plan.error(row, "party.organisation", "Ange vilken organisation uppgifterna gäller.")

    if not any(column.key in raw for column in COMMITMENT_COLUMNS):
        return
    if party is None:
        if "party.organisation" not in raw:
            plan.error(row, "party.organisation", "Ange vilken part åtagandet hör till.")
        return
    if "commitment.text" not in raw:
        plan.error(row, "commitment.text", "Skriv åtagandets text; rubriken räcker inte.")
        return
    values = {}
    for column in COMMITMENT_COLUMNS:
        if column.key in raw:
            value = read(column, COMMITMENT)
            if value is not None:
                values[column.field] = value
    if "responsible_contact" in values:
        values["responsible_contact"] = _contact_of(
            party.organisation, values["responsible_contact"]
        )
    planned.commitments.append(PlannedCommitment(party, row, values))


COUNTY = AGREEMENT.keys["county"]


def _party_organisation(plan, lookups, user, row, raw) -> Organisation | None:
    """The row's party: an organisation in the registry, or one the file declares with
    ”ny organisation, typ” (and county), not saved until the import is."""
    name = _text(raw.get("party.organisation"))
    kind_cell, county_cell = raw.get("organisation.kind"), raw.get("organisation.county")
    declared = bool(_text(kind_cell) or _text(county_cell))
    if not name:
        if declared:
            plan.error(row, "party.organisation", "Skriv den nya organisationens namn här.")
        return None
    new = plan.new_organisations.get(_normal(name)) if plan.new_organisations else None
    if not declared:
        if new is not None:
            return new.organisation
        try:
            return lookups.find(ORGANISATION, name)
        except ValueError as error:
            message = str(error)
            if not lookups.exists(ORGANISATION, name):
                message += " Är den ny: fyll i ”ny organisation, typ” så skapas den."
            plan.error(row, "party.organisation", message)
            return None
    if lookups.exists(ORGANISATION, name):
        plan.error(
            row,
            "organisation.kind",
            f"”{name}” finns redan i registret. Lämna ”ny organisation, typ” och ”ny "
            "organisation, län” tomma.",
        )
        return None
    try:
        kind = _choice(kind_cell, OrganisationKind.choices, "", "organisationstyp")
    except ValueError as error:
        plan.error(row, "organisation.kind", str(error))
        return None
    try:
        county = lookups.find(COUNTY, county_cell) if _text(county_cell) else None
    except ValueError as error:
        plan.error(row, "organisation.county", str(error))
        return None
    if new is not None:
        if (kind or new.organisation.kind, county or new.organisation.county) != (
            new.organisation.kind,
            new.organisation.county,
        ):
            plan.error(
                row,
                "organisation.kind",
                f"Skiljer sig från rad {new.row} för samma nya organisation. Skriv samma typ "
                "och län eller lämna cellerna tomma.",
            )
        return new.organisation
    if not kind:
        plan.error(row, "organisation.kind", "Ange den nya organisationens typ.")
        return None
    organisation = Organisation(
        name=name, slug=_free_organisation_slug(plan, lookups, name), kind=kind, county=county
    )
    try:
        organisation.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        plan.error(row, "organisation.kind", " ".join(error.messages))
        return None
    refusal = policy.refusal_to_change_organisation(user, organisation)
    if refusal:
        plan.error(row, "organisation.county", refusal)
        return None
    plan.new_organisations[_normal(name)] = PlannedOrganisation(organisation, row)
    return organisation


def _free_organisation_slug(plan, lookups, name: str) -> str:
    taken = set(lookups.by(Organisation, "slug")) | {
        new.organisation.slug for new in plan.new_organisations.values()
    }
    base = slugify(name)[:190] or "organisation"
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _set_once(target: dict, rows: dict, column: Column, value, row: int, plan, what: str):
    """Repeated columns must agree: the first non-empty value counts, a different one later
    is an error that names both rows."""
    if value in ("", None, []):
        return
    name = column.field
    if name in target and target[name] != value:
        plan.error(
            row,
            column.key,
            f"Skiljer sig från rad {rows[column.key]} för samma {what}. Skriv samma värde eller "
            "lämna cellen tom.",
        )
        return
    if name not in target:
        target[name] = value
        rows[column.key] = row


def _check_agreement(plan: ImportPlan, planned: PlannedAgreement) -> None:
    first = planned.rows[0]
    if not planned.values.get("title") and not plan.has_error(planned.rows, "agreement.title"):
        plan.error(first, "agreement.title", "Ange överenskommelsens titel.")
    if not planned.values.get("level") and not plan.has_error(planned.rows, "agreement.level"):
        plan.error(first, "agreement.level", "Ange nivån: lokal, regional eller central.")
    if not planned.parties:
        plan.error(first, "party.organisation", "Överenskommelsen har ingen part. Ange minst en.")
    for name in LINKS:
        if planned.values.get(name) == planned.slug:
            row = planned.value_rows[f"agreement.{name}"]
            plan.error(
                row, f"agreement.{name}", "En överenskommelse kan inte länka till sig själv."
            )


# The cells the place of an agreement is judged from: when one of them is wrong, so would be
# the judgement.
PLACE_COLUMNS = (
    "agreement.level",
    "agreement.county",
    "agreement.municipalities",
    "agreement.signed_on",
    "agreement.valid_from",
)


def _check_place(plan: ImportPlan, planned: PlannedAgreement, lookups: _Lookups) -> None:
    """The county and municipalities against the boundaries on the agreement's day, by the
    rule the save applies (validate_municipalities): every agreement of a file of any size
    is judged, before any trial save, from the reference data the file was read with."""
    if any(plan.has_error(planned.rows, key) for key in PLACE_COLUMNS):
        return
    county = planned.values.get("county")
    by_code = lookups.by(Municipality, "code")
    try:
        validate_municipalities(
            level=planned.values.get("level"),
            county=lookups.by_key(COUNTY)[county] if county else None,
            municipalities=[by_code[code] for code in planned.values.get("municipalities", [])],
            day=agreement_day(planned),
        )
    except ValidationError as error:
        _place_errors(plan, planned, error.message_dict)


def _warn_out_of_time(planned: PlannedAgreement) -> None:
    """A warning, not an error: the documents of the time are what they are, but a party that
    did not exist on the agreement's day is more often a mistake in the file."""
    day = planned.day
    for party in planned.parties.values():
        if party.is_new:
            continue
        absence = party.organisation.absence_on(day)
        if absence:
            planned.warnings.append(
                RowError(party.row, COLUMN_BY_KEY["party.organisation"].header, absence)
            )


def _linked_first(plan: ImportPlan, agreements: list[PlannedAgreement]) -> list:
    """The agreements in an order where one that another links to (umbrella, annex, based on)
    comes before it, so that the link finds it saved; a circle of links is an error."""
    by_slug = {planned.slug: planned for planned in agreements}
    ordered: list[PlannedAgreement] = []
    state: dict[str, str] = {}

    def visit(planned: PlannedAgreement, path: list[str]):
        if state.get(planned.slug) == "done":
            return
        if state.get(planned.slug) == "visiting":
            row = planned.rows[0]
            circle = " → ".join([*path[path.index(planned.slug) :], planned.slug])
            plan.error(row, "", f"Överenskommelserna länkar till varandra i en cirkel: {circle}.")
            return
        state[planned.slug] = "visiting"
        for slug in planned.links_within(by_slug):
            visit(by_slug[slug], [*path, planned.slug])
        state[planned.slug] = "done"
        ordered.append(planned)

    for planned in agreements:
        visit(planned, [])
    return ordered


class _Trial(Exception):
    """Rolls a trial save back."""


def _trial(plan: ImportPlan, user) -> None:
    """Save the whole file as a trial and roll it back: the preview finds exactly the errors
    that saving would (_save_all). Of each agreement saved the preview also learns what it
    would lack to be published (the rule that publishing applies,
    agreement_publication_problems): a notice, since a draft may be incomplete."""
    try:
        with agreement_changes():
            _organisations_create(plan)
            for planned, agreement in _save_all(plan, user, batch_size=len(plan.agreements)):
                planned.publication_problems = agreement_publication_problems(agreement, user=user)
            raise _Trial
    except _Trial:
        pass


def _save_all(plan: ImportPlan, user, *, batch_size: int, progress=None) -> list[tuple]:
    """The plan's agreements saved in batches of `batch_size`, as (planned, agreement). One
    that cannot be saved becomes an error by row and column in the plan and is left out, and
    so are those that link to it (with a message that says why); its batch is saved again
    without it and the save goes on, so that one pass finds every error saving meets.
    Agreements the plan has errors for are left out from the start. `progress(saved)` is
    called after each batch."""
    failed = {
        planned.slug
        for planned in plan.agreements
        if any(error.row in planned.rows for error in plan.errors)
    }
    pending = [planned for planned in plan.agreements if planned.slug not in failed]
    saved: list[tuple] = []
    while pending:
        batch = [p for p in pending[:batch_size] if not _link_broken(plan, p, failed)]
        rest = pending[batch_size:]
        try:
            agreements = _batch_save(plan, batch, user) if batch else []
        except _BatchFailed as failure:
            _save_errors(plan, failure.planned, failure.error)
            failed.add(failure.planned.slug)
            pending = [planned for planned in batch if planned is not failure.planned] + rest
            continue
        saved += zip(batch, agreements, strict=True)
        pending = rest
        if progress is not None:
            progress(len(saved))
    return saved


def _link_broken(plan: ImportPlan, planned: PlannedAgreement, failed: set) -> bool:
    """The agreement links to one of the file's agreements that cannot be saved: an error
    that says so, and it is left out too (`failed` grows)."""
    broken = [slug for slug in planned.links_within(failed) if slug != planned.slug]
    for name in LINKS:
        if planned.values.get(name) in broken:
            plan.error(
                planned.value_rows[f"agreement.{name}"],
                f"agreement.{name}",
                f"Överenskommelsen {planned.values[name]} i samma fil har fel. Rätta dem först.",
            )
    if broken:
        failed.add(planned.slug)
    return bool(broken)


def _save_errors(plan: ImportPlan, planned: PlannedAgreement, error: Exception) -> None:
    if isinstance(error, DataError):  # e.g. more text in all than the search index holds
        plan.error(
            planned.rows[0],
            "",
            "Överenskommelsen kan inte sparas: någon uppgift är för stor för registret (mycket "
            "långa texter tillsammans, eller ett mycket stort tal).",
        )
        return
    _place_errors(plan, planned, error.errors)


def _place_errors(plan: ImportPlan, planned: PlannedAgreement, errors: dict) -> None:
    """An agreement's errors by their document path, as errors by row and column."""
    for path, messages in errors.items():
        row, key = planned.place(path)
        for message in messages:
            plan.error(row, key if key in COLUMN_BY_KEY else "", message)


def _organisations_create(plan: ImportPlan) -> None:
    """The file's new organisations, written by slug into the documents."""
    Organisation.objects.bulk_create(
        Organisation(
            name=new.organisation.name,
            slug=new.organisation.slug,
            kind=new.organisation.kind,
            county=new.organisation.county,
        )
        for new in plan.new_organisations.values()
    )


class _BatchFailed(Exception):
    """An agreement of a batch could not be saved; the batch is rolled back."""

    def __init__(self, planned: PlannedAgreement, error: Exception):
        super().__init__(str(error))
        self.planned, self.error = planned, error


def _batch_save(plan: ImportPlan, batch: list[PlannedAgreement], user) -> list:
    """The agreements of the batch (linked ones first, see _linked_first: a link finds the
    agreement saved before it) in one write of the document service, as the importing user:
    links to other agreements and contact people as they may. All or nothing; a failure
    names its agreement."""
    try:
        return agreements_documents_create(
            documents=[planned.document() for planned in batch],
            user=user,
            comment=lambda index: f"Importerad från {plan.filename}, rad {batch[index].row_span}.",
        )
    except DocumentError as error:
        raise _BatchFailed(batch[error.document_index], error) from None
    except DataError as error:
        raise _BatchFailed(_too_big(plan, batch, user), error) from None


def _too_big(plan: ImportPlan, batch: list[PlannedAgreement], user) -> PlannedAgreement:
    """The agreement of the batch the database refused (a DataError does not say which):
    found by saving them one at a time as a trial that is rolled back."""
    culprit = batch[0]
    try:
        with transaction.atomic():
            for planned in batch:
                try:
                    _batch_save(plan, [planned], user)
                except _BatchFailed:
                    culprit = planned
                    break
            raise _Trial
    except _Trial:
        pass
    return culprit


def _check_scope(plan: ImportPlan, user) -> None:
    for planned in plan.agreements:
        if not planned.values.get("county"):
            refusal = policy.refusal_to_register(user, county=None)
            if refusal:
                row = planned.value_rows.get("agreement.level", planned.rows[0])
                plan.error(row, "agreement.level", refusal)


# Saving ------------------------------------------------------------------------------------


# A file's agreements are saved in this many batches at most, in one transaction: the rows
# they name are looked up once per batch, and the job's progress moves after each batch.
SAVE_BATCHES = 20


@agreement_changes()
def agreements_import(*, plan: ImportPlan, user, progress=None) -> list:
    """Save every agreement of a checked plan as a draft, with the file's new organisations,
    or nothing. An agreement that cannot be saved does not end the save: the others are still
    tried (_save_all), so that the ValidationError lists every error by row and column, as
    the plan's errors do then. `progress(saved)` is called after each batch of agreements."""
    if plan.is_valid:
        counties = {
            key: county_from_key(key)
            for key in {planned.values.get("county") for planned in plan.agreements}
            if key
        }
        for planned in plan.agreements:
            county = planned.values.get("county")
            refusal = policy.refusal_to_register(user, county=counties.get(county))
            if refusal:
                key = "agreement.county" if county else "agreement.level"
                plan.error(planned.value_rows.get(key, planned.rows[0]), key, refusal)
    if not plan.is_valid:
        raise ValidationError([str(error) for error in plan.errors])
    _organisations_create(plan)
    saved = _save_all(
        plan, user, batch_size=math.ceil(len(plan.agreements) / SAVE_BATCHES), progress=progress
    )
    if plan.errors:
        _errors_sort(plan)
        raise ValidationError([str(error) for error in plan.errors])
    return [agreement for _planned, agreement in saved]


# The previewed file -----------------------------------------------------------------------

# A file whose preview has no errors waits for its confirmation in the shared cache
# (CACHES["default"]), compressed (1.6 MB of CSV is 0.1 MB), by user and the file's token: not
# in the session, which every later request of the user would read (as hex, 3.2 MB). It is
# kept as long as a login lasts; when it is gone, the page asks for the file again.


def _previewed_key(user, token: str) -> str:
    return f"agreement-import:{user.pk}:{token}"


def previewed_file_keep(*, user, token: str, content: bytes) -> None:
    cache.set(_previewed_key(user, token), zlib.compress(content, 1), settings.SESSION_COOKIE_AGE)


def previewed_file(*, user, token: str) -> bytes | None:
    compressed = cache.get(_previewed_key(user, token))
    return None if compressed is None else zlib.decompress(compressed)


def previewed_file_forget(*, user, token: str) -> None:
    cache.delete(_previewed_key(user, token))


# The background job --------------------------------------------------------------------

JOB_FAILED = (
    "Något gick fel när filen sparades. Ingenting är sparat. Försök igen om en stund; händer "
    "det igen, kontakta registrets förvaltare."
)


def import_job_start(*, content: bytes, filename: str, user, total: int) -> ImportJob:
    """A job that saves the file in the background (agreements/tasks.py)."""
    from agreements.tasks import agreements_import_save

    return jobs.job_start(
        task=agreements_import_save, user=user, filename=filename, content=content, total=total
    )


def import_job_run(*, job_id: int) -> str:
    """Check the job's file again and save it in one transaction (agreements/jobs.py)."""

    def work(job: ImportJob, progress):
        plan = import_preview(
            content=bytes(job.content), filename=job.filename, user=job.user, trial=False
        )
        try:
            created = agreements_import(plan=plan, user=job.user, progress=progress)
        except ValidationError as error:
            return ImportStatus.FAILED, 0, error.messages
        return ImportStatus.DONE, len(created), []

    return jobs.job_run(job_id=job_id, action=JobAction.IMPORT, work=work, failed=JOB_FAILED)


# Templates ---------------------------------------------------------------------------------


def template_headers() -> list[str]:
    return [f"{c.header} *" if c.required else c.header for c in COLUMNS]


def template_csv() -> bytes:
    """Semicolons and a byte order mark: Swedish Excel opens it with å, ä and ö intact."""
    return "".join(csv_lines(header=template_headers(), rows=[], delimiter=";")).encode("utf-8")


EXAMPLE_ROWS = [
    {
        "agreement.lineage": "lok-exempelby-2026",
        "agreement.title": "Lokal överenskommelse om nyanländas etablering i Exempelby",
        "agreement.level": "lokal",
        "agreement.county": "Norrbottens län",
        "agreement.municipalities": "Luleå",
        "agreement.valid_from": "2026-01-01",
        "agreement.themes": "arbete, sfi",
        "party.organisation": "Arbetsförmedlingen",
        "party.signatory_name": "Anna Andersson",
        "commitment.heading": "Arbete",
        "commitment.text": "Erbjuda praktikplatser inom två månader.",
        "commitment.themes": "arbete",
        "commitment.period_start": "2026-01-01",
        "commitment.period_end": "2026-12-31",
    },
    {
        "agreement.lineage": "lok-exempelby-2026",
        "party.organisation": "Arbetsförmedlingen",
        "commitment.heading": "Arbete",
        "commitment.text": "Ordna ett gemensamt informationsmöte varje kvartal.",
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
    levels = {
        "agreement": "överenskommelsen",
        "party": "parten",
        "commitment": "åtagandet",
        "organisation": "ny organisation",
    }
    for column in COLUMNS:
        guide.append(
            [column.header, "ja" if column.required else "", levels[column.level], column.help]
        )
    guide.append([])
    guide.append(
        [
            "En rad per åtagande, eller per part utan åtaganden. Rader med samma adressnamn "
            "blir samma överenskommelse; dess uppgifter behöver bara stå på en av raderna. "
            "Bara det första bladet läses. Allt kontrolleras innan något sparas. En text "
            "som är en kalkylformel (börjar med = eller @, eller med + eller - direkt följt av "
            "en siffra) tas inte emot; en punktlista skrivs ”- punkt”."
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
