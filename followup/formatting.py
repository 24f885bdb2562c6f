"""Values as the statistics show them: in the page's language on the page (Swedish, English
under /en/), plain in CSV and JSON."""

import datetime
from decimal import Decimal

from django.utils import formats
from django.utils.html import format_html_join
from django.utils.translation import pgettext

from registry.exports import NumberText

NO_VALUE = "–"


def local_date(day: datetime.date) -> str:
    """ "1 mars 2009" on a Swedish page, "1 March 2009" on an English one."""
    return formats.date_format(day, "j F Y")


def local_number(value, decimals: int = 0) -> str:
    """ "1 234,5" on a Swedish page, "1,234.5" on an English one."""
    return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def local_percent(ratio: float) -> str:
    """A ratio 0–1 as a percentage with one decimal: "12,5 %" (Swedish), "12.5%" (English)."""
    number = local_number(round(ratio * 100, 1), 1)
    return (pgettext("procent", "%(number)s %%") % {"number": number}).replace(" %", "\xa0%")


def percent(ratio: float | None) -> float | None:
    return None if ratio is None else round(ratio * 100, 1)


def html_cell(value, kind: str):
    if kind == "links":
        if not value:
            return NO_VALUE
        # Agreements' titles are Swedish whatever the page's language, as on every page.
        return format_html_join(
            ", ", '<a href="{}" lang="sv">{}</a>', ((v.url, v.text) for v in value)
        )
    if value is None or value == "":
        return NO_VALUE if kind != "text" or value is None else ""
    if kind == "int":
        return local_number(value)
    if kind == "number":
        return local_number(value, 0 if float(value).is_integer() else 1)
    if kind == "percent":
        return local_percent(value)
    if kind == "date":
        return local_date(value)
    return str(value)  # a partial date as written, in the page's language


def _plain_number(value, decimal_comma: bool) -> NumberText:
    """A number as text; marked as a number, so that a negative one is not neutralised as
    text that would start a formula (registry/exports.py)."""
    text = f"{value:.1f}" if isinstance(value, float | Decimal) else str(value)
    if text.endswith(".0"):
        text = text[:-2]
    return NumberText(text.replace(".", ",") if decimal_comma else text)


def csv_cell(value, kind: str, *, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if kind == "links":
        return "; ".join(link.text for link in value)
    if kind == "percent":
        return _plain_number(percent(value), decimal_comma)
    if kind in ("int", "number"):
        return _plain_number(value, decimal_comma)
    if kind == "date":
        return value.isoformat()
    if kind == "partial_date":
        return value.iso()
    return str(value)


def json_cell(value, kind: str):
    if value is None:
        return None
    if kind == "links":
        return [{"title": link.text, "url": link.url} for link in value]
    if kind == "percent":
        return percent(value)
    if kind == "number":
        return float(value)
    if kind == "date":
        return value.isoformat()
    if kind == "partial_date":
        return value.iso()
    return value
