"""Charts as SVG drawn on the server: no JavaScript, nothing fetched, and every chart is a
picture of a table that the page shows right under it (the text alternative).

Written by hand rather than with a charting library: the charts are plain bars, and this way
the markup is accessible (role="img", title, desc) and styled by the site's CSS."""

import math

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from followup.formatting import NO_VALUE, local_number, local_percent

WIDTH = 640
FONT = 13
SERIES_COLOURS = ["#0b4f6c", "#b4530a", "#4d7a1f", "#6b3e8f", "#5c5c5c"]
STATUS_COLOURS = {
    "fulfilled": "#1d6b2f",
    "in_progress": "#0b4f6c",
    "not_started": "#8a5100",
    "not_fulfilled": "#a4262c",
    "not_applicable": "#6e6e6e",
    "": "#bdbdbd",
}
CHART_ROW_LIMIT = 25


def _colour(key: str, index: int) -> str:
    return STATUS_COLOURS.get(key) or SERIES_COLOURS[index % len(SERIES_COLOURS)]


def _value_text(value, percent: bool) -> str:
    if value is None:
        return NO_VALUE
    if percent:
        return local_percent(value)
    return local_number(value)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _count_ticks(value: float, count: int = 4) -> list[int]:
    """Whole-number ticks from 0 with a round step (1, 2, 5, 10, 20, 25, 50 …) that reach
    at least `value`."""
    step, magnitude = 1, 1
    while True:
        for base in (1, 2, 2.5, 5):
            candidate = base * magnitude
            if candidate == int(candidate) and candidate * count >= value:
                step = int(candidate)
                ticks = math.ceil(max(value, 1) / step)
                return [step * i for i in range(ticks + 1)]
        magnitude *= 10


def _wrap(text: str, width: int) -> list[str]:
    """Split a label into lines of at most about `width` characters, at spaces."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


LABEL_CHARS = 88
SHORT_LABEL = 44


def _svg(chart_id: str, title: str, height: float, body: SafeString) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {} {}" '
        'role="img" aria-labelledby="{}-title {}-desc" focusable="false">'
        '<title id="{}-title">{}</title>'
        '<desc id="{}-desc">{}</desc>'
        "{}</svg>",
        WIDTH,
        math.ceil(height),
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        gettext("Diagram. Samma uppgifter står i tabellen under diagrammet."),
        body,
    )


def _legend(items: list[tuple[str, str]], y: float) -> tuple[SafeString, float]:
    """Colour keys with their labels, wrapped over as many lines as needed."""
    parts, x = [], 0.0
    for colour, label in items:
        width = 18 + len(label) * FONT * 0.56 + 16
        if x and x + width > WIDTH:
            x, y = 0.0, y + FONT + 8
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
                '<text x="{}" y="{}" class="chart-label">{}</text>',
                round(x, 1),
                round(y, 1),
                colour,
                round(x + 18, 1),
                round(y + 11, 1),
                label,
            )
        )
        x += width
    return mark_safe("".join(parts)), y + FONT + 12


def bars(
    chart_id: str,
    title: str,
    labels: list[str],
    series: list[tuple[str, str, list]],
    *,
    percent: bool,
) -> SafeString:
    """Horizontal bars: each label on its own line with its bars (one per series) under it,
    so long labels never need to be cut."""
    legend, y = (mark_safe(""), 0.0)
    if len(series) > 1:
        legend, y = _legend([(_colour(k, i), name) for i, (k, name, _) in enumerate(series)], 0)
    values = [v for _, _, column in series for v in column if v is not None]
    top = 1.0 if percent else _nice_max(max(values, default=0))
    top = max(top, max(values, default=0))
    parts = [legend]
    bar_height = 14
    if len(series) == 1 and max((len(label) for label in labels), default=0) <= SHORT_LABEL:
        # Short labels (county names, kinds): label and bar on one line.
        offset = 8 + max(len(label) for label in labels) * FONT * 0.56
        plot = WIDTH - offset - 64
        key, _name, column = series[0]
        for row, label in enumerate(labels):
            value = column[row]
            width = 0 if not value else max(plot * value / top, 1)
            if percent:  # the whole, 100 %, as a faint track behind the bar
                parts.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" class="chart-track"/>',
                        round(offset, 1),
                        round(y, 1),
                        round(plot, 1),
                        bar_height,
                    )
                )
            parts.append(
                format_html(
                    '<text x="{}" y="{}" class="chart-label" text-anchor="end">{}</text>'
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                    '<text x="{}" y="{}" class="chart-value">{}</text>',
                    round(offset - 8, 1),
                    round(y + bar_height - 2, 1),
                    label,
                    round(offset, 1),
                    round(y, 1),
                    round(width, 1),
                    bar_height,
                    _colour(key, 0),
                    round(offset + (plot if percent else width) + 6, 1),
                    round(y + bar_height - 2, 1),
                    _value_text(value, percent),
                )
            )
            y += bar_height + 8
        return _svg(chart_id, title, y, mark_safe("".join(parts)))
    plot = WIDTH - 80
    for row, label in enumerate(labels):
        for line in _wrap(label, LABEL_CHARS):
            parts.append(
                format_html(
                    '<text x="0" y="{}" class="chart-label">{}</text>', round(y + FONT, 1), line
                )
            )
            y += FONT + 4
        y += 1
        for index, (key, _name, column) in enumerate(series):
            value = column[row]
            width = 0 if not value else max(plot * value / top, 1)
            if percent:
                parts.append(
                    format_html(
                        '<rect x="0" y="{}" width="{}" height="{}" class="chart-track"/>',
                        round(y, 1),
                        plot,
                        bar_height,
                    )
                )
            parts.append(
                format_html(
                    '<rect x="0" y="{}" width="{}" height="{}" fill="{}"/>'
                    '<text x="{}" y="{}" class="chart-value">{}</text>',
                    round(y, 1),
                    round(width, 1),
                    bar_height,
                    _colour(key, index),
                    round((plot if percent else width) + 6, 1),
                    round(y + bar_height - 2, 1),
                    _value_text(value, percent),
                )
            )
            y += bar_height + 3
        y += 9
    return _svg(chart_id, title, y, mark_safe("".join(parts)))


def columns(
    chart_id: str,
    title: str,
    labels: list[str],
    series: list[tuple[str, str, list]],
) -> SafeString:
    """Vertical columns grouped by label (years), with a value axis."""
    legend, top_y = _legend([(_colour(k, i), name) for i, (k, name, _) in enumerate(series)], 0)
    values = [v or 0 for _, _, column in series for v in column]
    ticks = _count_ticks(max(values, default=0))
    top = ticks[-1]
    left, bottom, height = 44, 24, 220
    plot_w, plot_h = WIDTH - left - 4, height
    base = top_y + plot_h + 8
    parts = [legend]
    for value in ticks:
        y = base - plot_h * value / top
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" class="chart-grid"/>'
                '<text x="{}" y="{}" class="chart-axis" text-anchor="end">{}</text>',
                left,
                WIDTH,
                round(y, 1),
                round(y, 1),
                left - 6,
                round(y + 4, 1),
                local_number(value),
            )
        )
    group = plot_w / max(len(labels), 1)
    column_w = group * 0.8 / max(len(series), 1)
    every = max(1, math.ceil(len(labels) * 34 / plot_w))
    show_values = len(labels) * len(series) <= 30
    for row, label in enumerate(labels):
        x0 = left + group * row + group * 0.1
        for index, (key, _name, column) in enumerate(series):
            value = column[row] or 0
            h = plot_h * value / top
            x = x0 + column_w * index
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    round(x, 1),
                    round(base - h, 1),
                    round(max(column_w - 1, 1), 1),
                    round(h, 1),
                    _colour(key, index),
                )
            )
            if show_values and value:
                parts.append(
                    format_html(
                        '<text x="{}" y="{}" class="chart-value" text-anchor="middle">{}</text>',
                        round(x + column_w / 2, 1),
                        round(base - h - 4, 1),
                        local_number(value),
                    )
                )
        if row % every == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" class="chart-axis" text-anchor="middle">{}</text>',
                    round(left + group * row + group / 2, 1),
                    round(base + 16, 1),
                    label,
                )
            )
    return _svg(chart_id, title, base + bottom, mark_safe("".join(parts)))


def stacked(
    chart_id: str,
    title: str,
    labels: list[str],
    series: list[tuple[str, str, list]],
) -> SafeString:
    """One bar per label, split into its series as shares of the label's total."""
    legend, y = _legend([(_colour(k, i), name) for i, (k, name, _) in enumerate(series)], 0)
    parts = [legend]
    bar_height = 18
    for row, label in enumerate(labels):
        counts = [column[row] or 0 for _, _, column in series]
        total = sum(counts)
        for line in _wrap(f"{label} ({local_number(total)})", LABEL_CHARS):
            parts.append(
                format_html(
                    '<text x="0" y="{}" class="chart-label">{}</text>', round(y + FONT, 1), line
                )
            )
            y += FONT + 4
        y += 1
        x = 0.0
        for index, ((key, _name, _column), count) in enumerate(zip(series, counts, strict=True)):
            if not count:
                continue
            width = WIDTH * count / total
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    round(x, 1),
                    round(y, 1),
                    round(width, 1),
                    bar_height,
                    _colour(key, index),
                )
            )
            if width >= 26:
                parts.append(
                    format_html(
                        '<text x="{}" y="{}" class="chart-inside" text-anchor="middle">{}</text>',
                        round(x + width / 2, 1),
                        round(y + bar_height - 5, 1),
                        local_number(count),
                    )
                )
            x += width
        y += bar_height + 12
    return _svg(chart_id, title, y, mark_safe("".join(parts)))


def table_chart(table, *, chart_id: str) -> SafeString | None:
    """The chart a Table asks for, or None when it has nothing to draw."""
    chart = table.chart
    if chart is None or not table.rows:
        return None
    rows = table.rows
    if chart.kind == "bars" and chart.title:
        rows = rows[:10]
    # A row without any value (a share of nothing) has nothing to draw.
    rows = [row for row in rows if any(row[table.index(key)] is not None for key in chart.series)]
    rows = rows[:CHART_ROW_LIMIT]
    label_index = table.index(chart.label_column)
    labels = [str(row[label_index]) for row in rows]
    series = [
        (key, table.column(key).label, [row[table.index(key)] for row in rows])
        for key in chart.series
    ]
    if not any(v for _, _, column in series for v in column):
        return None
    title = f"{table.title} – {chart.title.lower()}" if chart.title else str(table.title)
    if chart.kind == "bars":
        return bars(chart_id, title, labels, series, percent=chart.percent)
    if chart.kind == "columns":
        return columns(chart_id, title, labels, series)
    if chart.kind == "stacked":
        return stacked(chart_id, title, labels, series)
    raise ValueError(f"Okänd diagramtyp {chart.kind}")
