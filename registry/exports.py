"""Streamed exports that Swedish Excel opens: CSV in UTF-8 with a byte order mark (`;` on
request), XLSX written row by row to a temporary file, and JSON as a streamed array.
Nothing holds the whole list in memory (see data-hub's datahub/core/csv.py)."""

import csv
import datetime
import decimal
import json
import tempfile
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from django.http import FileResponse, StreamingHttpResponse

EXPORT_FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
UTF8_BOM = "\ufeff"


class Column(NamedTuple):
    name: str  # key in JSON
    heading: str  # Swedish heading in CSV and XLSX
    source: str  # key in the rows, a queryset values() path


class _LineBuffer:
    """csv.writer writes into this and hands the line straight back."""

    def write(self, value):
        return value


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value if v is not None)
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    return value


def csv_lines(*, rows: Iterable[dict], columns, delimiter: str = ",") -> Iterator[str]:
    writer = csv.writer(_LineBuffer(), delimiter=delimiter)
    yield UTF8_BOM + writer.writerow([column.heading for column in columns])
    for row in rows:
        yield writer.writerow([_cell(row.get(column.source)) for column in columns])


def _json_default(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(type(value))


def json_chunks(*, rows: Iterable[dict], columns) -> Iterator[str]:
    yield "["
    for index, row in enumerate(rows):
        item = {column.name: row.get(column.source) for column in columns}
        yield ("," if index else "") + json.dumps(item, ensure_ascii=False, default=_json_default)
    yield "]\n"


def xlsx_file(*, rows: Iterable[dict], columns):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Data")
    sheet.append([column.heading for column in columns])
    for row in rows:
        sheet.append([_xlsx_cell(row.get(column.source)) for column in columns])
    # FileResponse closes the file once it has streamed it.
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(target)
    target.seek(0)
    return target


def _xlsx_cell(value):
    value = _cell(value)
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    return value


def export_response(*, rows, columns, file_format: str, filename: str, delimiter: str = ","):
    attachment = f'attachment; filename="{filename}.{file_format}"'
    if file_format == "xlsx":
        response = FileResponse(
            xlsx_file(rows=rows, columns=columns), content_type=CONTENT_TYPES["xlsx"]
        )
    elif file_format == "csv":
        response = StreamingHttpResponse(
            csv_lines(rows=rows, columns=columns, delimiter=delimiter),
            content_type=CONTENT_TYPES["csv"],
        )
    else:
        response = StreamingHttpResponse(
            json_chunks(rows=rows, columns=columns), content_type=CONTENT_TYPES["json"]
        )
    response["Content-Disposition"] = attachment
    return response
