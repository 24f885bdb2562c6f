"""Dates known only to the year or the month ("2004", "mars 2009"), as the documents of the
2000s give them. An agreement stores such a date as a day and its precision beside it: a start
or a signing date as the first day of the year or month, an end date as the last, so that the
registry's rules about days (in force on a day, expired) read a partial date the generous way.

This module is the one codec: it reads what people write (the import's cells, the document's
text: "2009", "2009-03", "mars 2009", "2009-03-15") and writes a date as it was written, in the
page's language with its own formats ("2004", "mars 2009", "15 mars 2009"; "March 2009",
"March 15, 2009" under /en/), or as the document's text ("2009", "2009-03", "2009-03-15")."""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.db import models
from django.db.models import Case, CharField, F, Func, Value, When
from django.utils import formats


class DatePrecision(models.TextChoices):
    YEAR = "year", "år"
    MONTH = "month", "månad"
    DAY = "day", "dag"


MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("januari", "january", "jan"),
            ("februari", "february", "feb"),
            ("mars", "march", "mar"),
            ("april", "apr"),
            ("maj", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("augusti", "august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

ISO = re.compile(r"(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?")
WRITTEN = re.compile(r"(?:(?P<day>\d{1,2})\.?\s+)?(?P<month>[^\W\d_]+)\.?\s+(?P<year>\d{4})")

FORMAT_HELP = (
    "Skriv datumet som ÅÅÅÅ-MM-DD, ÅÅÅÅ-MM eller ÅÅÅÅ, eller med månadens namn "
    "(”mars 2009”, ”15 mars 2009”)."
)


# How a partial date is written, for the forms and the import's template.
HELP = "ÅÅÅÅ-MM-DD, eller så mycket som är känt: ÅÅÅÅ-MM, ÅÅÅÅ eller ”mars 2009”."


@dataclass(frozen=True)
class PartialDate:
    """A day and how much of it is known. `day` is the stored day: for a partial start the
    first day of its year or month, for a partial end the last."""

    day: datetime.date
    precision: str = DatePrecision.DAY

    @property
    def year(self) -> int:
        return self.day.year

    def iso(self) -> str:
        """ "2009", "2009-03" or "2009-03-15": the document's form."""
        if self.precision == DatePrecision.YEAR:
            return f"{self.day.year:04d}"
        if self.precision == DatePrecision.MONTH:
            return f"{self.day.year:04d}-{self.day.month:02d}"
        return self.day.isoformat()

    def __str__(self) -> str:
        """As written, in the active language: "2004", "mars 2009", "15 mars 2009"."""
        if self.precision == DatePrecision.YEAR:
            return str(self.day.year)
        if self.precision == DatePrecision.MONTH:
            return formats.date_format(self.day, "YEAR_MONTH_FORMAT")
        return formats.date_format(self.day, "DATE_FORMAT")


def _build(year: int, month: int | None, day: int | None, *, end: bool) -> PartialDate:
    if month is None:
        return PartialDate(
            datetime.date(year, 12, 31) if end else datetime.date(year, 1, 1), DatePrecision.YEAR
        )
    if day is None:
        last = calendar.monthrange(year, month)[1]
        return PartialDate(datetime.date(year, month, last if end else 1), DatePrecision.MONTH)
    return PartialDate(datetime.date(year, month, day), DatePrecision.DAY)


def parse(text: str, *, end: bool = False) -> PartialDate | None:
    """What a person wrote, as a partial date; None for nothing written. `end`: the date ends
    a period, so a year or month stands for its last day. Raises ValueError with a Swedish
    message that says how to write it."""
    text = " ".join(str(text or "").split()).lower()
    if not text:
        return None
    iso = ISO.fullmatch(text)
    written = None if iso else WRITTEN.fullmatch(text)
    try:
        if iso:
            return _build(
                int(iso["year"]),
                int(iso["month"]) if iso["month"] else None,
                int(iso["day"]) if iso["day"] else None,
                end=end,
            )
        if written and written["month"] in MONTHS:
            return _build(
                int(written["year"]),
                MONTHS[written["month"]],
                int(written["day"]) if written["day"] else None,
                end=end,
            )
    except ValueError:
        raise ValueError(f"”{text}” är inget datum som finns. {FORMAT_HELP}") from None
    raise ValueError(f"”{text}” kan inte läsas som ett datum. {FORMAT_HELP}")


def of(day: datetime.date | None, precision: str | None) -> PartialDate | None:
    """A stored day and its precision as a partial date (None: no date)."""
    if day is None:
        return None
    return PartialDate(day, precision or DatePrecision.DAY)


def iso_expression(name: str):
    """The database's PartialDate.iso() of a model's `name` and `name_precision`, for exports
    read straight from a queryset's values."""

    def written(pattern: str):
        return Func(F(name), Value(pattern), function="to_char", output_field=CharField())

    return Case(
        When(**{f"{name}_precision": DatePrecision.YEAR}, then=written("YYYY")),
        When(**{f"{name}_precision": DatePrecision.MONTH}, then=written("YYYY-MM")),
        default=written("YYYY-MM-DD"),
        output_field=CharField(),
    )
