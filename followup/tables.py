"""The statistics as tables: one definition that the page, the CSV download and the JSON
endpoint all render, so that the three always show the same figures."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from actors.boundaries import Boundaries
from actors.models import County
from agreements.models import Level
from followup import statistics as stats
from followup.formatting import local_date as _date
from followup.models import AssessmentStatus


@dataclass(frozen=True)
class Link:
    text: str
    url: str

    def __str__(self):
        return self.text


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # text, int, number (one decimal), percent (a ratio 0–1), date, partial_date (a date as
    # written: "2004", "mars 2009"; registry/partial_dates.py), links
    kind: str = "text"


@dataclass
class Chart:
    """How to draw a table: `kind` is "bars" (horizontal, one bar per row and series),
    "columns" (vertical, grouped by row) or "stacked" (horizontal, each row split into its
    series, 100 %). Series are column keys."""

    kind: str
    series: list[str]
    label_column: str
    percent: bool = False
    title: str = ""


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list]
    description: str = ""
    total: list | None = None  # the summing row, shown last
    chart: Chart | None = None
    empty: str = gettext_lazy("Det finns inga uppgifter för det här urvalet.")

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)

    def index(self, key: str) -> int:
        return [column.key for column in self.columns].index(key)

    def all_rows(self) -> list[list]:
        return [*self.rows, self.total] if self.total else list(self.rows)


@dataclass(frozen=True)
class Params:
    on: datetime.date
    county: County | None
    year: int
    selection: str
    boundaries: str = Boundaries.TODAY
    organisations: str = stats.Organisations.THEN

    @property
    def county_name(self) -> str:
        return self.county.name if self.county else _("hela landet")

    def as_query(self) -> dict[str, str]:
        query = {"date": self.on.isoformat(), "year": str(self.year), "selection": self.selection}
        if self.county:
            query["county"] = self.county.slug
        if self.boundaries != Boundaries.TODAY:
            query["boundaries"] = self.boundaries
        if self.organisations != stats.Organisations.THEN:
            query["organisations"] = self.organisations
        return query

    def as_json(self) -> dict:
        return {
            "date": self.on.isoformat(),
            "county": self.county.code if self.county else None,
            "county_name": self.county.name if self.county else None,
            "year": self.year,
            "selection": self.selection,
            "boundaries": self.boundaries,
            "organisations": self.organisations,
        }


@dataclass
class Section:
    """A page of the statistics. Its texts are marked for translation when the module loads
    and read in the request's language."""

    slug: str
    title_text: str
    summary_text: str
    fields: list[str]
    build: Callable[[Params], list[Table]]
    rules_text: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.title_text)

    @property
    def summary(self) -> str:
        return str(self.summary_text)

    @property
    def rules(self) -> list[str]:
        return [str(rule) for rule in self.rules_text]


def level_label(level: str) -> str:
    """ "Central", "Regional", "Lokal" in the page's language (agreements/labels.py)."""
    return _(Level(level).label)


IN_FORCE_BY_LEVEL = {
    Level.CENTRAL: gettext_lazy("Centrala överenskommelser som gäller"),
    Level.REGIONAL: gettext_lazy("Regionala överenskommelser som gäller"),
    Level.LOCAL: gettext_lazy("Lokala överenskommelser som gäller"),
}


def _part_of(part: int, whole: int) -> str:
    """ "3 av 5" (a table cell)."""
    return _("%(part)s av %(whole)s") % {"part": part, "whole": whole}


def agreement_link(agreement) -> Link:
    label = agreement.title
    if agreement.version_label:
        label = f"{label} ({agreement.version_label})"
    return Link(label, agreement.get_absolute_url())


def _yes_no(value: bool) -> str:
    return _("Ja") if value else _("Nej")


# --------------------------------------------------------------------------------------------
# Overview


def overview_tables(params: Params) -> list[Table]:
    on, county = params.on, params.county
    if county is None:
        _rows, coverage = stats.coverage_by_county(on=on, boundaries=params.boundaries)
    else:
        municipalities = stats.coverage_of_county(
            county=county, on=on, boundaries=params.boundaries
        )
        coverage = stats.CoverageRow(
            county,
            len(municipalities),
            sum(m.is_covered for m in municipalities),
            sum(m.validity_unknown for m in municipalities),
        )
    regional = stats.regional_agreements_in_force(
        on=on, county=county, boundaries=params.boundaries
    )
    with_regional = sum(row.has_agreement for row in regional)
    in_force = stats.agreements_selected(on=on, county=county)
    by_level = {level: 0 for level in stats.LEVELS}
    for level in in_force.values_list("level", flat=True):
        by_level[level] += 1
    multi = stats.multi_municipality_agreements(on=on, county=county)
    _rows, followed = stats.followup_share(
        year=params.year, county=county, boundaries=params.boundaries
    )
    figures = [
        [
            _("Kommuner som omfattas av en lokal överenskommelse"),
            coverage.covered,
            coverage.municipalities,
            coverage.share,
        ],
        [
            _("Kommuner med en lokal överenskommelse med okänd giltighet"),
            coverage.validity_unknown,
            coverage.municipalities,
            stats.share(coverage.validity_unknown, coverage.municipalities),
        ],
        [
            _("Län med en regional överenskommelse"),
            with_regional,
            len(regional),
            stats.share(with_regional, len(regional)),
        ],
        *[
            [str(IN_FORCE_BY_LEVEL[level]), by_level[level], None, None]
            for level in stats.LEVELS
            if county is None or level != Level.CENTRAL
        ],
        [_("Lokala överenskommelser som gäller i flera kommuner"), len(multi), None, None],
        [
            _("Överenskommelser som gällde %(year)s och är uppföljda för %(year)s")
            % {"year": params.year},
            followed.followed_up,
            followed.in_force,
            followed.share,
        ],
    ]
    date_text = _date(on)
    return [
        Table(
            key="nyckeltal",
            title=_("Nyckeltal för %(place)s den %(date)s")
            % {"place": params.county_name, "date": date_text},
            columns=[
                Column("figure", _("Mått")),
                Column("count", _("Antal"), "int"),
                Column("of", pgettext("antal av", "Av"), "int"),
                Column("share", _("Andel"), "percent"),
            ],
            rows=figures,
        )
    ]


# --------------------------------------------------------------------------------------------
# Coverage


def coverage_tables(params: Params) -> list[Table]:
    on, county = params.on, params.county
    tables = []
    if county is None:
        rows, total = stats.coverage_by_county(on=on, boundaries=params.boundaries)
        tables.append(
            Table(
                key="per-lan",
                title=_("Kommuner med en lokal överenskommelse, per län"),
                description=_(
                    "Kommuner som omfattas av minst en publicerad lokal överenskommelse som "
                    "gäller den %(date)s. Med okänd giltighet: kommuner som inte omfattas av "
                    "någon som gäller men av en överenskommelse utan start- och "
                    "undertecknandedatum."
                )
                % {"date": _date(on)},
                columns=[
                    Column("county", _("Län")),
                    Column("municipalities", _("Kommuner"), "int"),
                    Column("covered", _("Med lokal överenskommelse"), "int"),
                    Column("share", _("Andel"), "percent"),
                    Column("validity_unknown", _("Med okänd giltighet"), "int"),
                ],
                rows=[
                    [r.county.name, r.municipalities, r.covered, r.share, r.validity_unknown]
                    for r in rows
                ],
                total=[
                    _("Hela landet"),
                    total.municipalities,
                    total.covered,
                    total.share,
                    total.validity_unknown,
                ],
                chart=Chart("bars", ["share"], "county", percent=True),
            )
        )
    else:
        rows = stats.coverage_of_county(county=county, on=on, boundaries=params.boundaries)
        covered = sum(r.is_covered for r in rows)
        unknown = sum(r.validity_unknown for r in rows)
        tables.append(
            Table(
                key="per-kommun",
                title=_("Kommuner i %(county)s och deras lokala överenskommelser")
                % {"county": county.name},
                description=ngettext(
                    "%(covered)s av %(total)s kommun omfattas av en publicerad lokal "
                    "överenskommelse som gäller den %(date)s.",
                    "%(covered)s av %(total)s kommuner omfattas av en publicerad lokal "
                    "överenskommelse som gäller den %(date)s.",
                    len(rows),
                )
                % {"covered": covered, "total": len(rows), "date": _date(on)}
                + (
                    " "
                    + ngettext(
                        "%(unknown)s har en lokal överenskommelse med okänd giltighet.",
                        "%(unknown)s har en lokal överenskommelse med okänd giltighet.",
                        unknown,
                    )
                    % {"unknown": unknown}
                    if unknown
                    else ""
                ),
                columns=[
                    Column("municipality", _("Kommun")),
                    Column("code", _("Kommunkod")),
                    Column("covered", _("Omfattas")),
                    Column("agreements", _("Lokala överenskommelser som gäller"), "links"),
                    Column("since", _("Omfattas sedan"), "partial_date"),
                ],
                rows=[
                    [
                        r.municipality.name,
                        r.municipality.counted_code,
                        _("Giltighet okänd") if r.validity_unknown else _yes_no(r.is_covered),
                        [agreement_link(a) for a in r.agreements],
                        r.in_force_since,
                    ]
                    for r in rows
                ],
                total=[
                    _("Hela %(county)s") % {"county": county.name},
                    "",
                    _part_of(covered, len(rows)),
                    [],
                    None,
                ],
            )
        )
    regional = stats.regional_agreements_in_force(
        on=on, county=county, boundaries=params.boundaries
    )
    with_agreement = sum(r.has_agreement for r in regional)
    tables.append(
        Table(
            key="regionala",
            title=_("Län med en regional överenskommelse"),
            description=ngettext(
                "%(with)s av %(total)s län har en publicerad regional överenskommelse som "
                "gäller den %(date)s.",
                "%(with)s av %(total)s län har en publicerad regional överenskommelse som "
                "gäller den %(date)s.",
                len(regional),
            )
            % {"with": with_agreement, "total": len(regional), "date": _date(on)},
            columns=[
                Column("county", _("Län")),
                Column("has_agreement", _("Regional överenskommelse gäller")),
                Column("agreements", _("Överenskommelser"), "links"),
            ],
            rows=[
                [r.county.name, _yes_no(r.has_agreement), [agreement_link(a) for a in r.agreements]]
                for r in regional
            ],
            total=[_("Antal län"), _part_of(with_agreement, len(regional)), []],
        )
    )
    multi = stats.multi_municipality_agreements(on=on, county=county)
    tables.append(
        Table(
            key="flera-kommuner",
            title=_("Lokala överenskommelser som gäller i flera kommuner"),
            description=ngettext(
                "%(count)s publicerad lokal överenskommelse som gäller den %(date)s omfattar "
                "två eller fler kommuner.",
                "%(count)s publicerade lokala överenskommelser som gäller den %(date)s omfattar "
                "två eller fler kommuner.",
                len(multi),
            )
            % {"count": len(multi), "date": _date(on)},
            columns=[
                Column("agreement", _("Överenskommelse"), "links"),
                Column("county", _("Län")),
                Column("count", _("Antal kommuner"), "int"),
                Column("municipalities", _("Kommuner")),
            ],
            rows=[
                [
                    [agreement_link(r.agreement)],
                    r.agreement.county.name,
                    len(r.municipalities),
                    ", ".join(m.name for m in r.municipalities),
                ]
                for r in multi
            ],
        )
    )
    return tables


# --------------------------------------------------------------------------------------------
# Stock over time

STOCK_MAX_YEARS = 40


def stock_tables(params: Params) -> list[Table]:
    last = params.on.year
    counted = {"county": params.county, "boundaries": params.boundaries, "on": params.on}
    first = stats.stock_first_year(**counted) or last
    first = max(min(first, last), last - STOCK_MAX_YEARS + 1)
    years, unknown = stats.stock_by_year(first_year=first, last_year=last, **counted)
    columns = _by_level_columns(Column("year", _("År")))
    county = params.county.name if params.county else None

    def table(key, title, description, attribute):
        rows = []
        for stock in [*years, unknown]:
            counts = getattr(stock, attribute)
            rows.append(
                [
                    str(stock.year) if stock.year else _("okänt"),
                    *[counts[level] for level in stats.LEVELS],
                    sum(counts.values()),
                ]
            )
        return Table(
            key=key,
            title=title,
            description=description,
            columns=columns,
            rows=rows,
            chart=Chart("columns", list(stats.LEVELS), "year"),
        )

    return [
        table(
            "gallande",
            _("Överenskommelser som gällde under året, i %(county)s") % {"county": county}
            if county
            else _("Överenskommelser som gällde under året, i hela landet"),
            _(
                "Publicerade överenskommelser som gällde någon gång under året. En "
                "överenskommelse räknas en gång per år även om flera av dess versioner gällde "
                "det året. Raden ”okänt”: överenskommelser vars senaste version saknar start- "
                "och undertecknandedatum, så att registret inte vet vilka år de gällde."
            ),
            "in_force",
        ),
        table(
            "tecknade",
            _("Tecknade överenskommelser per år, i %(county)s") % {"county": county}
            if county
            else _("Tecknade överenskommelser per år, i hela landet"),
            _(
                "Första versionen av en överenskommelse, efter året den undertecknades, som "
                "katalogens ”Undertecknad år”. Raden ”okänt”: undertecknandedatumet är inte känt."
            ),
            "signed",
        ),
        table(
            "reviderade",
            _("Reviderade överenskommelser per år, i %(county)s") % {"county": county}
            if county
            else _("Reviderade överenskommelser per år, i hela landet"),
            _(
                "Nya versioner (version 2 och senare) efter året de undertecknades. Raden "
                "”okänt”: undertecknandedatumet är inte känt."
            ),
            "revised",
        ),
    ]


# --------------------------------------------------------------------------------------------
# Participation


def _selection_text(params: Params, count: int) -> str:
    values = {"count": count, "date": _date(params.on)}
    if params.county:
        values["county"] = params.county.name
        if params.selection == stats.Selection.ALL:
            text = ngettext(
                "Urval: %(count)s publicerad överenskommelse i %(county)s (senaste versionen "
                "av varje), oavsett giltighet.",
                "Urval: %(count)s publicerade överenskommelser i %(county)s (senaste versionen "
                "av varje), oavsett giltighet.",
                count,
            )
        else:
            text = ngettext(
                "Urval: %(count)s publicerad överenskommelse i %(county)s som gäller den %(date)s.",
                "Urval: %(count)s publicerade överenskommelser i %(county)s som gäller den "
                "%(date)s.",
                count,
            )
    elif params.selection == stats.Selection.ALL:
        text = ngettext(
            "Urval: %(count)s publicerad överenskommelse i hela landet (senaste versionen av "
            "varje), oavsett giltighet.",
            "Urval: %(count)s publicerade överenskommelser i hela landet (senaste versionen av "
            "varje), oavsett giltighet.",
            count,
        )
    else:
        text = ngettext(
            "Urval: %(count)s publicerad överenskommelse i hela landet som gäller den %(date)s.",
            "Urval: %(count)s publicerade överenskommelser i hela landet som gäller den %(date)s.",
            count,
        )
    return text % values


def _by_level_columns(first: Column) -> list[Column]:
    return [
        first,
        *[Column(level, level_label(level), "int") for level in stats.LEVELS],
        Column("total", _("Totalt"), "int"),
    ]


def participation_tables(params: Params) -> list[Table]:
    agreements = stats.agreements_selected(
        on=params.on, county=params.county, selection=params.selection
    )
    data = stats.participation_data(agreements, organisations=params.organisations)
    selection = _selection_text(params, len(data.levels))
    if params.organisations == stats.Organisations.TODAY:
        selection = " ".join(
            [
                selection,
                _(
                    "Organisationer som inte längre finns räknas som sin efterträdare i dag "
                    "(till exempel AMS och länsarbetsnämnderna som Arbetsförmedlingen)."
                ),
            ]
        )
    by_kind = stats.participation_by_kind(data)
    by_agency = stats.participation_by_agency(data)
    combinations = stats.participation_combinations(data)
    party_counts = stats.parties_per_agreement(data)

    def level_rows(rows):
        return [
            [r.category.label, *[r.counts[level] for level in stats.LEVELS], r.total] for r in rows
        ]

    return [
        Table(
            key="organisationstyper",
            title=_("Antal överenskommelser där varje typ av organisation är part"),
            description=" ".join(
                [
                    selection,
                    _(
                        "En enhet räknas som den organisation den ingår i. En överenskommelse "
                        "räknas en gång per typ, även med flera parter av samma typ."
                    ),
                ]
            ),
            columns=_by_level_columns(Column("kind", _("Typ av organisation"))),
            rows=level_rows(by_kind),
            chart=Chart("bars", ["total"], "kind"),
        ),
        Table(
            key="myndigheter",
            title=_("Antal överenskommelser där varje statlig myndighet är part"),
            description=selection,
            columns=_by_level_columns(Column("agency", _("Myndighet"))),
            rows=level_rows(by_agency),
            chart=Chart("bars", ["total"], "agency"),
        ),
        Table(
            key="kombinationer",
            title=_("Vilka som sluter överenskommelser: kombinationer av parter"),
            description=" ".join(
                [
                    selection,
                    _("Statliga myndigheter anges med namn, andra parter med typ."),
                    _("Vanligast först."),
                ]
            ),
            columns=[
                Column("combination", _("Kombination")),
                Column("count", _("Antal överenskommelser"), "int"),
                Column("share", _("Andel"), "percent"),
                Column("rank", _("Plats"), "int"),
            ],
            rows=[
                [c.label, c.count, stats.share(c.count, len(data.levels)), rank]
                for rank, c in enumerate(combinations, start=1)
            ],
            chart=Chart("bars", ["count"], "combination", title=_("De tio vanligaste")),
        ),
        Table(
            key="parter-per-overenskommelse",
            title=_("Antal parter per överenskommelse"),
            description=selection,
            columns=[
                Column("level", _("Nivå")),
                Column("agreements", _("Överenskommelser"), "int"),
                Column("min", _("Minst"), "int"),
                Column("median", _("Median"), "number"),
                Column("max", _("Flest"), "int"),
            ],
            rows=[
                [
                    level_label(s.level) if s.level else _("Alla nivåer"),
                    s.agreements,
                    s.minimum,
                    s.median,
                    s.maximum,
                ]
                for s in party_counts
            ],
        ),
    ]


# --------------------------------------------------------------------------------------------
# Target groups and themes


def target_group_and_theme_tables(params: Params) -> list[Table]:
    agreements = stats.agreements_selected(
        on=params.on, county=params.county, selection=params.selection
    )
    count, by_target_group, by_theme = stats.agreements_by_target_group_and_theme(agreements)
    selection = _selection_text(params, count)

    def level_rows(rows):
        return [
            [str(r.category.label), *[r.counts[level] for level in stats.LEVELS], r.total]
            for r in rows
        ]

    return [
        Table(
            key="malgrupper",
            title=_("Överenskommelser per målgrupp"),
            description=" ".join(
                [
                    selection,
                    _(
                        "Målgrupperna som överenskommelsen anger. En överenskommelse räknas under "
                        "var och en av sina målgrupper; ”okänt”: ingen målgrupp angiven."
                    ),
                ]
            ),
            columns=_by_level_columns(Column("target_group", _("Målgrupp"))),
            rows=level_rows(by_target_group),
            chart=Chart("bars", ["total"], "target_group"),
        ),
        Table(
            key="teman",
            title=_("Överenskommelser per tema"),
            description=" ".join(
                [
                    selection,
                    _(
                        "Temana för överenskommelsen och dess åtaganden, som katalogens filter "
                        "Tema. En överenskommelse räknas under vart och ett av sina teman; "
                        "”okänt”: inget tema angivet."
                    ),
                ]
            ),
            columns=_by_level_columns(Column("theme", _("Tema"))),
            rows=level_rows(by_theme),
            chart=Chart("bars", ["total"], "theme"),
        ),
    ]


# --------------------------------------------------------------------------------------------
# Content


def content_tables(params: Params) -> list[Table]:
    agreements = stats.agreements_selected(
        on=params.on, county=params.county, selection=params.selection
    )
    rows = stats.content_quality(agreements)
    total = rows[0].total if rows else 0
    totals = rows[0].totals if rows else {}
    per_level = [Column("criterion", _("Innehåll"))]
    for level in stats.LEVELS:
        label = {"level": level_label(level)}
        per_level.append(Column(f"{level}_count", _("%(level)s, antal") % label, "int"))
        per_level.append(Column(f"{level}_share", _("%(level)s, andel") % label, "percent"))
    return [
        Table(
            key="kriterier",
            title=_("Vad överenskommelserna innehåller"),
            description=" ".join(
                [
                    _selection_text(params, total),
                    _("Samma kriterier visas som checklista på varje överenskommelses sida."),
                ]
            ),
            columns=[
                Column("criterion", _("Innehåll")),
                Column("count", _("Antal"), "int"),
                Column("share", _("Andel"), "percent"),
            ],
            rows=[[str(r.label), r.count, r.share] for r in rows],
            total=[_("Antal överenskommelser"), total, None],
            chart=Chart("bars", ["share"], "criterion", percent=True),
        ),
        Table(
            key="kriterier-per-niva",
            title=_("Vad överenskommelserna innehåller, per nivå"),
            description=_(
                "%(central)s centrala, %(regional)s regionala, %(local)s lokala "
                "överenskommelser i urvalet."
            )
            % {
                "central": totals.get(Level.CENTRAL, 0),
                "regional": totals.get(Level.REGIONAL, 0),
                "local": totals.get(Level.LOCAL, 0),
            },
            columns=per_level,
            rows=[
                [
                    str(r.label),
                    *[
                        value
                        for level in stats.LEVELS
                        for value in (r.counts[level], r.share_of(level))
                    ],
                ]
                for r in rows
            ],
            total=[
                _("Antal överenskommelser"),
                *[value for level in stats.LEVELS for value in (totals.get(level, 0), None)],
            ],
        ),
    ]


# --------------------------------------------------------------------------------------------
# Follow-up

STATUS_COLUMNS = [s for s in AssessmentStatus if s != AssessmentStatus.NOT_ASSESSED]


def _status_columns(first: Column) -> list[Column]:
    return [
        first,
        *[Column(status.value, _(status.label), "int") for status in STATUS_COLUMNS],
        Column("total", _("Bedömda åtaganden"), "int"),
        Column("rate", _("Andel uppfyllda av de aktuella"), "percent"),
    ]


def _status_row(label: str, fulfilment) -> list:
    return [
        label,
        *[fulfilment.counts[status] for status in STATUS_COLUMNS],
        fulfilment.total,
        fulfilment.rate,
    ]


def followup_tables(params: Params) -> list[Table]:
    year, county = params.year, params.county
    rows, total = stats.followup_share(year=year, county=county, boundaries=params.boundaries)
    totals = stats.assessment_totals(year=year, county=county)
    by_theme = stats.commitment_status_by_theme(year=year, county=county)
    by_kind = stats.commitment_status_by_organisation_kind(year=year, county=county)
    total_label = _("Alla bedömda åtaganden")
    return [
        Table(
            key="andel-uppfoljda",
            title=_("Överenskommelser som är uppföljda för %(year)s") % {"year": year},
            description=_(
                "Publicerade överenskommelser som gällde någon gång under %(year)s, och hur "
                "många av dem som har en avslutad uppföljning för %(year)s."
            )
            % {"year": year},
            columns=[
                Column("county", _("Län")),
                Column("in_force", _("Gällde under %(year)s") % {"year": year}, "int"),
                Column("followed_up", _("Uppföljda"), "int"),
                Column("share", _("Andel"), "percent"),
            ],
            rows=[
                [
                    r.county.name if r.county else _("Centrala (utan län)"),
                    r.in_force,
                    r.followed_up,
                    r.share,
                ]
                for r in rows
            ],
            total=[
                _("Hela landet") if county is None else county.name,
                total.in_force,
                total.followed_up,
                total.share,
            ],
            chart=Chart("bars", ["share"], "county", percent=True),
        ),
        Table(
            key="status-per-tema",
            title=_("Åtagandenas status per tema, uppföljningar %(year)s") % {"year": year},
            description=_(
                "Åtaganden i avslutade uppföljningar av publicerade överenskommelser. Ett "
                "åtagande med flera teman räknas under vart och ett; summaraden räknar varje "
                "åtagande en gång. Andelen uppfyllda räknas på de åtaganden som var aktuella "
                "(”Ej aktuellt” räknas inte)."
            ),
            columns=_status_columns(Column("theme", _("Tema"))),
            rows=[_status_row(r.label, r.fulfilment) for r in by_theme],
            total=_status_row(total_label, totals) if by_theme else None,
            chart=Chart("stacked", [s.value for s in STATUS_COLUMNS], "theme"),
        ),
        Table(
            key="status-per-organisationstyp",
            title=_("Åtagandenas status per typ av organisation, uppföljningar %(year)s")
            % {"year": year},
            description=_(
                "Typen hos den part som har åtagit sig åtagandet; en enhet räknas som den "
                "organisation den ingår i."
            ),
            columns=_status_columns(Column("kind", _("Typ av organisation"))),
            rows=[_status_row(r.label, r.fulfilment) for r in by_kind],
            total=_status_row(total_label, totals) if by_kind else None,
            chart=Chart("stacked", [s.value for s in STATUS_COLUMNS], "kind"),
        ),
    ]


# --------------------------------------------------------------------------------------------
# Reception figures


def reception_tables(params: Params) -> list[Table]:
    figures = stats.reception_figures(county=params.county)
    totals = stats.reception_totals(figures)
    years = sorted({row.year for row in figures})
    municipalities: dict[int, dict] = {}
    for row in figures:
        entry = municipalities.setdefault(
            row.municipality.pk, {"municipality": row.municipality, "years": {}}
        )
        entry["years"][row.year] = row
    columns = [Column("municipality", _("Kommun")), Column("code", _("Kommunkod"))]
    if params.county is None:
        columns.append(Column("county", _("Län")))
    for year in years:
        columns.append(Column(f"{year}_agreed", _("%(year)s: antal") % {"year": year}, "int"))
        columns.append(
            Column(f"{year}_assigned", _("%(year)s: varav för anvisning") % {"year": year}, "int")
        )
    municipality_rows = []
    for entry in municipalities.values():
        municipality = entry["municipality"]
        row = [municipality.name, municipality.code]
        if params.county is None:
            row.append(municipality.county.name)
        for year in years:
            figure = entry["years"].get(year)
            row += [figure.agreed if figure else None, figure.assigned if figure else None]
        municipality_rows.append(row)
    by_year: dict[int, list[int]] = {year: [0, 0, 0] for year in years}
    for total in totals:
        by_year[total.year][0] += total.municipalities
        by_year[total.year][1] += total.agreed
        by_year[total.year][2] += total.assigned
    total_row = [
        _("Hela %(county)s") % {"county": params.county.name}
        if params.county
        else _("Hela landet"),
        "",
    ]
    if params.county is None:
        total_row.append("")
    for year in years:
        total_row += [by_year[year][1], by_year[year][2]]
    rule = _(
        "Mottagandesiffror ur publicerade överenskommelser. ”Varav för anvisning” räknas som 0 "
        "för en kommun där källan inte anger det. Ger flera överenskommelser siffror för samma "
        "kommun och år räknas den nyaste."
    )
    empty = _("Inga mottagandesiffror är registrerade för det här urvalet.")
    return [
        Table(
            key="lan",
            title=_("Mottagande per län och år"),
            description=rule,
            columns=[
                Column("county", _("Län")),
                Column("year", _("År")),
                Column("municipalities", _("Kommuner med siffra"), "int"),
                Column("agreed", _("Antal enligt överenskommelse"), "int"),
                Column("assigned", _("Varav för anvisning"), "int"),
            ],
            rows=[
                [t.county.name, str(t.year), t.municipalities, t.agreed, t.assigned] for t in totals
            ],
            chart=Chart("columns", ["agreed", "assigned"], "year")
            if params.county is not None
            else None,
            empty=empty,
        ),
        Table(
            key="kommuner",
            title=_("Mottagande per kommun och år"),
            description=rule,
            columns=columns,
            rows=municipality_rows,
            total=total_row if municipality_rows else None,
            empty=empty,
        ),
    ]


# --------------------------------------------------------------------------------------------

COUNTING_RULES = [
    gettext_lazy("Bara publicerade överenskommelser räknas; utkast räknas aldrig."),
    gettext_lazy(
        "Bara den version som gäller på dagen räknas, så en ersatt version räknas aldrig två "
        "gånger."
    ),
    gettext_lazy("En överenskommelse som gällde till och med i går gäller inte i dag."),
    gettext_lazy(
        "En lokal överenskommelse för flera kommuner omfattar var och en av kommunerna, en gång."
    ),
    gettext_lazy("Ett hängavtal omfattar sin egen kommun."),
    gettext_lazy(
        "En överenskommelse utan start- och undertecknandedatum har okänd giltighet och räknas "
        "inte som gällande."
    ),
]

SECTIONS = {
    section.slug: section
    for section in [
        Section(
            "oversikt",
            gettext_lazy("Statistik"),
            gettext_lazy("Nyckeltal för landet eller ett län på en vald dag."),
            ["date", "county", "year", "boundaries"],
            overview_tables,
            COUNTING_RULES,
        ),
        Section(
            "tackning",
            gettext_lazy("Täckning"),
            gettext_lazy(
                "Kommuner med en lokal överenskommelse, län med en regional och överenskommelser "
                "för flera kommuner."
            ),
            ["date", "county", "boundaries"],
            coverage_tables,
            COUNTING_RULES,
        ),
        Section(
            "bestand",
            gettext_lazy("Bestånd över tid"),
            gettext_lazy("Tecknade, reviderade och gällande överenskommelser per år och nivå."),
            ["date", "county", "boundaries"],
            stock_tables,
            [
                gettext_lazy("Åren räknas fram till och med året för det valda datumet."),
                gettext_lazy("Bara publicerade överenskommelser räknas; utkast räknas aldrig."),
                gettext_lazy(
                    "Gällande: en överenskommelse räknas för varje år då någon av dess versioner "
                    "gällde minst en dag, en gång per år."
                ),
                gettext_lazy(
                    "Med ett valt län räknas bara länets regionala och lokala överenskommelser."
                ),
            ],
        ),
        Section(
            "deltagande",
            gettext_lazy("Deltagande"),
            gettext_lazy(
                "Vilka typer av organisationer som är parter, i vilka kombinationer och hur många."
            ),
            ["date", "county", "selection", "organisations"],
            participation_tables,
            [
                gettext_lazy("Bara publicerade överenskommelser räknas; utkast räknas aldrig."),
                gettext_lazy(
                    "En enhet (till exempel Arbetsförmedlingen Luleå) räknas som den organisation "
                    "den ingår i."
                ),
                gettext_lazy(
                    "Varje överenskommelse räknas en gång, med den version som gäller (eller den "
                    "senaste, med urvalet alla)."
                ),
                gettext_lazy(
                    "Med organisationer som i dag räknas en organisation som inte längre finns "
                    "som sin efterträdare (AMS och länsarbetsnämnderna som Arbetsförmedlingen)."
                ),
            ],
        ),
        Section(
            "malgrupper-teman",
            gettext_lazy("Målgrupper och teman"),
            gettext_lazy("Hur många överenskommelser som anger varje målgrupp och varje tema."),
            ["date", "county", "selection"],
            target_group_and_theme_tables,
            [
                gettext_lazy("Bara publicerade överenskommelser räknas; utkast räknas aldrig."),
                gettext_lazy(
                    "Varje överenskommelse räknas en gång, med den version som gäller (eller den "
                    "senaste, med urvalet alla)."
                ),
                gettext_lazy(
                    "Teman räknas som i katalogen: överenskommelsens egna och dess åtagandens."
                ),
                gettext_lazy("”okänt”: överenskommelser som inte anger någon målgrupp eller tema."),
            ],
        ),
        Section(
            "innehall",
            gettext_lazy("Innehåll"),
            gettext_lazy(
                "Hur stor andel av överenskommelserna som har syfte, mål, åtaganden, rutiner och "
                "perspektiv."
            ),
            ["date", "county", "selection"],
            content_tables,
            [
                gettext_lazy("Bara publicerade överenskommelser räknas; utkast räknas aldrig."),
                gettext_lazy("Ett mål är mätbart när det har en indikator och ett målvärde."),
                gettext_lazy("Målgrupp: en beskrivning eller minst en angiven målgrupp."),
                gettext_lazy("Åtaganden för varje part: varje part har minst ett åtagande."),
            ],
        ),
        Section(
            "uppfoljning",
            gettext_lazy("Uppföljning"),
            gettext_lazy("Andelen uppföljda överenskommelser och hur åtagandena har bedömts."),
            ["year", "county", "boundaries"],
            followup_tables,
            [
                gettext_lazy(
                    "Bara avslutade uppföljningar av publicerade överenskommelser räknas."
                ),
                gettext_lazy(
                    "En överenskommelse räknas som uppföljd för ett år när någon av dess versioner "
                    "har en avslutad uppföljning för året."
                ),
                gettext_lazy(
                    "Andel uppfyllda: uppfyllda åtaganden delat med bedömda åtaganden utom dem som "
                    "var ”Ej aktuellt”."
                ),
            ],
        ),
        Section(
            "mottagande",
            gettext_lazy("Mottagande"),
            gettext_lazy(
                "Hur många nyanlända kommunerna har kommit överens om att ta emot, per år."
            ),
            ["county"],
            reception_tables,
            [
                gettext_lazy(
                    "Siffrorna kommer ur publicerade överenskommelser; siffror ur utkast räknas "
                    "aldrig."
                ),
                gettext_lazy(
                    "Ger flera överenskommelser en siffra för samma kommun och år räknas den "
                    "nyaste källan."
                ),
            ],
        ),
    ]
}


def section_url(slug: str) -> str:
    if slug == "oversikt":
        return reverse("statistics:index")
    return reverse("statistics:section", kwargs={"section": slug})
