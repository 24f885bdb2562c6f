from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from actors.forms import Counting, CountingForm
from followup.charts import table_chart
from followup.formatting import csv_cell, html_cell, json_cell
from followup.forms import StatisticsForm
from followup.statistics import Organisations, Selection
from followup.tables import SECTIONS, Section, Table, section_url
from registry.exports import DELIMITERS, csv_lines


def _section(slug: str) -> Section:
    try:
        return SECTIONS[slug]
    except KeyError:
        raise Http404("Det finns ingen sådan statistik.") from None


def _form(request) -> StatisticsForm:
    """The choices from the query string, with the defaults filled in for what is left out so
    that the form shows what the page computes with."""
    data = request.GET.copy()
    for name, value in (
        ("date", timezone.localdate().isoformat()),
        ("selection", Selection.IN_FORCE),
        ("organisations", Organisations.THEN),
    ):
        if not data.get(name):
            data[name] = value
    form = StatisticsForm(data)
    form.is_valid()
    county = form.cleaned_data.get("county")
    if county is not None:
        data["county"] = county.slug  # the list shows the county named by its code too
    if not data.get("year"):
        data["year"] = str(form.params().year)  # shown only; the default follows the date
    return form


def _counting_asked(request) -> Counting:
    """The day and boundaries as the query gives them, without _form's defaults."""
    form = CountingForm(request.GET)
    form.is_valid()
    return form.choice()


NUMERIC = {"int", "number", "percent"}


def _cells(row: list, kinds: list[str]) -> list[dict]:
    return [
        {"value": html_cell(value, kind), "numeric": kind in NUMERIC}
        for value, kind in zip(row, kinds, strict=True)
    ]


def _rendered(table: Table, *, index: int, query: str, section: Section) -> dict:
    kinds = [column.kind for column in table.columns]
    csv_url = reverse("statistics:csv", kwargs={"section": section.slug, "table": table.key})
    return {
        "table": table,
        "id": f"tabell-{table.key}",
        "chart": table_chart(table, chart_id=f"diagram-{index}"),
        "headers": [{"label": c.label, "numeric": c.kind in NUMERIC} for c in table.columns],
        "rows": [_cells(row, kinds) for row in table.rows],
        "total": _cells(table.total, kinds) if table.total else None,
        "csv_url": f"{csv_url}?{query}",
        "csv_semicolon_url": f"{csv_url}?{query}&{urlencode({'delimiter': ';'})}",
    }


def statistics_section(request, section: str = "oversikt"):
    section = _section(section)
    form = _form(request)
    params = form.params()
    query = urlencode(params.as_query())
    tables = section.build(params)
    return render(
        request,
        "statistics/section.html",
        {
            "section": section,
            "sections": [(s, section_url(s.slug)) for s in SECTIONS.values()],
            "form": form,
            "params": params,
            "tables": [
                _rendered(table, index=i, query=query, section=section)
                for i, table in enumerate(tables, start=1)
            ],
            "json_url": reverse("statistics:json", kwargs={"section": section.slug}) + f"?{query}",
            # The reports for the day and boundaries asked for; none asked: today's.
            "report_query": urlencode(_counting_asked(request).as_query()),
        },
        status=400 if form.errors else 200,
    )


def _bad_request(form: StatisticsForm) -> JsonResponse:
    return JsonResponse(
        {"errors": form.error_messages_flat()},
        status=400,
        json_dumps_params={"ensure_ascii": False},
    )


def statistics_json(request, section: str):
    section = _section(section)
    form = _form(request)
    if form.errors:
        return _bad_request(form)
    params = form.params()
    tables = section.build(params)
    payload = {
        "section": section.slug,
        "title": section.title,
        "parameters": params.as_json(),
        "rules": section.rules,
        "tables": [
            {
                "key": table.key,
                "title": table.title,
                "description": table.description,
                "columns": [
                    {"key": c.key, "label": c.label, "type": c.kind} for c in table.columns
                ],
                "rows": [
                    {c.key: json_cell(v, c.kind) for c, v in zip(table.columns, row, strict=True)}
                    for row in table.rows
                ],
                "total": {
                    c.key: json_cell(v, c.kind)
                    for c, v in zip(table.columns, table.total, strict=True)
                }
                if table.total
                else None,
            }
            for table in tables
        ],
    }
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def statistics_csv(request, section: str, table: str):
    section = _section(section)
    form = _form(request)
    delimiter = request.GET.get("delimiter") or ","
    errors = form.error_messages_flat() if form.errors else []
    if delimiter not in DELIMITERS:
        errors.append(_("Avgränsare: ange , eller ; (semikolon för svensk Excel)."))
    if errors:
        return HttpResponse(
            "\n".join(errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    params = form.params()
    found = next((t for t in section.build(params) if t.key == table), None)
    if found is None:
        raise Http404("Tabellen finns inte i den här statistiken (för det här urvalet).")
    lines = csv_lines(
        header=[str(column.label) for column in found.columns],
        rows=(
            [
                csv_cell(value, column.kind, decimal_comma=delimiter == ";")
                for value, column in zip(row, found.columns, strict=True)
            ]
            for row in found.all_rows()
        ),
        delimiter=delimiter,
    )
    where = params.county.slug if params.county else "sverige"
    filename = f"{section.slug}-{found.key}-{where}-{params.on.isoformat()}.csv"
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
