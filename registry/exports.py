"""Streamed exports that Swedish Excel opens: CSV in UTF-8 with a byte order mark (`;` on
request), XLSX written row by row to a temporary file, and JSON as a streamed array.
Nothing holds the whole list in memory (see data-hub's datahub/core/csv.py).

A reader sees words, not codes: `RowLabeller` is the one function that turns a row into
the cells of CSV and XLSX (a choice's label, Ja/Nej, names), in the request's language
(Swedish, English under /en/); the codes have their own columns, kept as text ("0114").
JSON keeps the values as they are stored, with the labels under their own keys. Every CSV of
the site, the statistics' too, is written by `csv_lines`.

Safe for spreadsheets (OWASP's CSV-injection rule): a text cell that a spreadsheet would read
as a formula (`=HYPERLINK(…)`, `+1`, `-2+3`, `@SUM(A1)`, a leading tab or carriage return) is
recognised by `starts_formula`; `csv_lines` writes it with a single quote in front
(`spreadsheet_safe`) and `xlsx_file` as a text cell with its text unchanged. Numbers stay
numbers. JSON is not a spreadsheet and keeps the text as it is."""

import csv
import datetime
import decimal
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext

EXPORT_FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
UTF8_BOM = "\ufeff"
DELIMITERS = (",", ";")

# What a column holds, and so how its cells are written.
VALUE = "value"  # as stored: text, a number or a date
CODE = "code"  # a code or a key (county code, slug), always text: "0114" stays "0114"
LABEL = "label"  # a choice, shown by its label (`choices`); the code is another column
BOOLEAN = "boolean"  # Ja / Nej

# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class NumberText(str):
    """A number already written as text (`-1,5` with a decimal comma for Swedish Excel): a
    spreadsheet reads it as the number it is, so it is not neutralised (like Django's
    SafeString, the type carries what the text is)."""


def starts_formula(value) -> bool:
    """The one rule: text (not a number) that a spreadsheet would read as a formula."""
    return (
        isinstance(value, str)
        and not isinstance(value, NumberText)
        and value.startswith(FORMULA_STARTS)
    )


def spreadsheet_safe(value):
    """A CSV cell as a spreadsheet should show it: text that would start a formula gets a
    single quote in front, which Excel and LibreOffice read as "this is text"; numbers and
    every other text are as they were."""
    return "'" + value if starts_formula(value) else value


@dataclass(frozen=True)
class Column:
    name: str  # key in JSON
    heading: str  # heading in CSV and XLSX (translated lazily)
    source: str  # key in the rows, a queryset values() path
    kind: str = VALUE
    choices: Mapping = field(default_factory=dict)  # for LABEL: code → Swedish label

    def __post_init__(self):
        object.__setattr__(self, "choices", dict(self.choices))


class RowLabeller:
    """The one function that turns a row into the cells a reader sees in CSV and XLSX, in the
    language active when it is made (labels are translated once per export, not per cell).
    `text[i]` says whether column i holds a code, to be kept as text in XLSX too."""

    def __init__(self, columns):
        yes, no = gettext("Ja"), gettext("Nej")
        self.text = [column.kind == CODE for column in columns]
        self.plan = []
        for column in columns:
            if column.kind == LABEL:
                labels = {code: gettext(label) for code, label in column.choices.items()}
            elif column.kind == BOOLEAN:
                labels = {True: yes, False: no}
            else:
                labels = None
            self.plan.append((column.source, column.kind == CODE, labels))

    def __call__(self, row: dict) -> list:
        cells = []
        for source, code, labels in self.plan:
            value = row.get(source)
            if value is None:
                value = ""
            elif labels is not None:
                value = labels.get(value, value)
            elif code:
                value = str(value)
            elif isinstance(value, datetime.datetime):
                value = value.isoformat(timespec="seconds")
            elif isinstance(value, (list, tuple)):
                value = ", ".join(str(v) for v in value if v is not None)
            cells.append(value)
        return cells


def headings(columns) -> list[str]:
    return [str(column.heading) for column in columns]


class _LineBuffer:
    """csv.writer writes into this and hands the line straight back."""

    def write(self, value):
        return value


def csv_lines(*, header: list[str], rows: Iterable[list], delimiter: str = ",") -> Iterator[str]:
    """The one CSV writer: a byte order mark, the header, then each row's cells, every cell
    through `spreadsheet_safe`."""
    writer = csv.writer(_LineBuffer(), delimiter=delimiter, lineterminator="\r\n")
    yield UTF8_BOM + writer.writerow([spreadsheet_safe(cell) for cell in header])
    for cells in rows:
        yield writer.writerow([spreadsheet_safe(cell) for cell in cells])


def _json_default(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(type(value))


def json_chunks(*, rows: Iterable[dict], columns) -> Iterator[str]:
    labels = {
        column.name: {code: gettext(label) for code, label in column.choices.items()}
        for column in columns
        if column.kind == LABEL
    }
    yield "["
    for index, row in enumerate(rows):
        item = {}
        for column in columns:
            value = row.get(column.source)
            if column.name in labels and value is not None:
                value = labels[column.name].get(value, value)
            item[column.name] = value
        yield ("," if index else "") + json.dumps(item, ensure_ascii=False, default=_json_default)
    yield "]\n"


def xlsx_file(*, rows: Iterable[dict], columns):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    def text_cell(value):
        """A text cell, whatever the text: openpyxl would make "=…" a formula and "#N/A" an
        error; the text format keeps it text when it is edited in Excel too."""
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.number_format = "@"
        return cell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Data")
    sheet.append(headings(columns))
    labeller = RowLabeller(columns)
    for row in rows:
        values = labeller(row)
        for index, (value, text) in enumerate(zip(values, labeller.text, strict=True)):
            if text or starts_formula(value) or (isinstance(value, str) and value in ERROR_CODES):
                values[index] = text_cell(value)
        sheet.append(values)
    # FileResponse closes the file once it has streamed it.
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(target)
    target.seek(0)
    return target


def _csv_rows(rows, columns) -> Iterator[list]:
    labeller = RowLabeller(columns)  # made when the body is written, in the request's language
    for row in rows:
        yield labeller(row)


def _in_language(language: str, chunks: Iterator[str]) -> Iterator[str]:
    """A streamed body is written after the view has returned: keep the request's language."""
    with translation.override(language):
        yield from chunks


def export_response(*, rows, columns, file_format: str, filename: str, delimiter: str = ","):
    attachment = f'attachment; filename="{filename}.{file_format}"'
    language = translation.get_language()
    if file_format == "xlsx":
        response = FileResponse(
            xlsx_file(rows=rows, columns=columns), content_type=CONTENT_TYPES["xlsx"]
        )
    elif file_format == "csv":
        lines = csv_lines(
            header=headings(columns), rows=_csv_rows(rows, columns), delimiter=delimiter
        )
        response = StreamingHttpResponse(
            _in_language(language, lines), content_type=CONTENT_TYPES["csv"]
        )
    else:
        response = StreamingHttpResponse(
            _in_language(language, json_chunks(rows=rows, columns=columns)),
            content_type=CONTENT_TYPES["json"],
        )
    response["Content-Disposition"] = attachment
    response["Content-Language"] = language
    return response
