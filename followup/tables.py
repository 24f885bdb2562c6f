"""The statistics as tables: one definition that the page, the CSV download and the JSON
endpoint all render, so that the three always show the same figures."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

from actors.models import County
from agreements.models import Level
from followup import statistics as stats
from followup.formatting import swedish_date as _date
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
    kind: str = "text"  # text, int, number (one decimal), percent (a ratio 0–1), date, links


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
    empty: str = "Det finns inga uppgifter för det här urvalet."

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

    @property
    def county_name(self) -> str:
        return self.county.name if self.county else "hela landet"

    def as_query(self) -> dict[str, str]:
        query = {"date": self.on.isoformat(), "year": str(self.year), "selection": self.selection}
        if self.county:
            query["county"] = self.county.slug
        return query

    def as_json(self) -> dict:
        return {
            "date": self.on.isoformat(),
            "county": self.county.code if self.county else None,
            "county_name": self.county.name if self.county else None,
            "year": self.year,
            "selection": self.selection,
        }


@dataclass
class Section:
    slug: str
    title: str
    summary: str
    fields: list[str]
    build: Callable[[Params], list[Table]]
    rules: list[str] = field(default_factory=list)


LEVEL_LABELS = {Level.CENTRAL: "Central", Level.REGIONAL: "Regional", Level.LOCAL: "Lokal"}
LEVEL_PLURAL = {Level.CENTRAL: "centrala", Level.REGIONAL: "regionala", Level.LOCAL: "lokala"}


def agreement_link(agreement) -> Link:
    label = agreement.title
    if agreement.version_label:
        label = f"{label} ({agreement.version_label})"
    return Link(label, agreement.get_absolute_url())


def _yes_no(value: bool) -> str:
    return "Ja" if value else "Nej"


# --------------------------------------------------------------------------------------------
# Overview


def overview_tables(params: Params) -> list[Table]:
    on, county = params.on, params.county
    if county is None:
        _, coverage = stats.coverage_by_county(on=on)
    else:
        municipalities = stats.coverage_of_county(county=county, on=on)
        coverage = stats.CoverageRow(
            county, len(municipalities), sum(m.is_covered for m in municipalities)
        )
    regional = stats.regional_agreements_in_force(on=on, county=county)
    with_regional = sum(row.has_agreement for row in regional)
    in_force = stats.agreements_selected(on=on, county=county)
    by_level = {level: 0 for level in stats.LEVELS}
    for level in in_force.values_list("level", flat=True):
        by_level[level] += 1
    multi = stats.multi_municipality_agreements(on=on, county=county)
    _, followed = stats.followup_share(year=params.year, county=county)
    figures = [
        [
            "Kommuner som omfattas av en lokal överenskommelse",
            coverage.covered,
            coverage.municipalities,
            coverage.share,
        ],
        [
            "Län med en regional överenskommelse",
            with_regional,
            len(regional),
            stats.share(with_regional, len(regional)),
        ],
        *[
            [f"{LEVEL_LABELS[level]}a överenskommelser som gäller", by_level[level], None, None]
            for level in stats.LEVELS
            if county is None or level != Level.CENTRAL
        ],
        ["Lokala överenskommelser som gäller i flera kommuner", len(multi), None, None],
        [
            f"Överenskommelser som gällde {params.year} och är uppföljda för {params.year}",
            followed.followed_up,
            followed.in_force,
            followed.share,
        ],
    ]
    date_text = _date(on)
    return [
        Table(
            key="nyckeltal",
            title=f"Nyckeltal för {params.county_name} den {date_text}",
            columns=[
                Column("figure", "Mått"),
                Column("count", "Antal", "int"),
                Column("of", "Av", "int"),
                Column("share", "Andel", "percent"),
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
        rows, total = stats.coverage_by_county(on=on)
        tables.append(
            Table(
                key="per-lan",
                title="Kommuner med en lokal överenskommelse, per län",
                description=f"Kommuner som omfattas av minst en publicerad lokal "
                f"överenskommelse som gäller den {_date(on)}.",
                columns=[
                    Column("county", "Län"),
                    Column("municipalities", "Kommuner", "int"),
                    Column("covered", "Med lokal överenskommelse", "int"),
                    Column("share", "Andel", "percent"),
                ],
                rows=[[r.county.name, r.municipalities, r.covered, r.share] for r in rows],
                total=["Hela landet", total.municipalities, total.covered, total.share],
                chart=Chart("bars", ["share"], "county", percent=True),
            )
        )
    else:
        rows = stats.coverage_of_county(county=county, on=on)
        covered = sum(r.is_covered for r in rows)
        tables.append(
            Table(
                key="per-kommun",
                title=f"Kommuner i {county.name} och deras lokala överenskommelser",
                description=f"{covered} av {len(rows)} kommuner omfattas av en publicerad lokal "
                f"överenskommelse som gäller den {_date(on)}.",
                columns=[
                    Column("municipality", "Kommun"),
                    Column("code", "Kommunkod"),
                    Column("covered", "Omfattas"),
                    Column("agreements", "Lokala överenskommelser som gäller", "links"),
                    Column("since", "Omfattas sedan", "date"),
                ],
                rows=[
                    [
                        r.municipality.name,
                        r.municipality.code,
                        _yes_no(r.is_covered),
                        [agreement_link(a) for a in r.agreements],
                        r.in_force_since,
                    ]
                    for r in rows
                ],
                total=[
                    f"Hela {county.name}",
                    "",
                    f"{covered} av {len(rows)}",
                    [],
                    None,
                ],
            )
        )
    regional = stats.regional_agreements_in_force(on=on, county=county)
    with_agreement = sum(r.has_agreement for r in regional)
    tables.append(
        Table(
            key="regionala",
            title="Län med en regional överenskommelse",
            description=f"{with_agreement} av {len(regional)} län har en publicerad regional "
            f"överenskommelse som gäller den {_date(on)}.",
            columns=[
                Column("county", "Län"),
                Column("has_agreement", "Regional överenskommelse gäller"),
                Column("agreements", "Överenskommelser", "links"),
            ],
            rows=[
                [r.county.name, _yes_no(r.has_agreement), [agreement_link(a) for a in r.agreements]]
                for r in regional
            ],
            total=["Antal län", f"{with_agreement} av {len(regional)}", []],
        )
    )
    multi = stats.multi_municipality_agreements(on=on, county=county)
    tables.append(
        Table(
            key="flera-kommuner",
            title="Lokala överenskommelser som gäller i flera kommuner",
            description=f"{len(multi)} publicerade lokala överenskommelser som gäller den "
            f"{_date(on)} omfattar två eller fler kommuner.",
            columns=[
                Column("agreement", "Överenskommelse", "links"),
                Column("county", "Län"),
                Column("count", "Antal kommuner", "int"),
                Column("municipalities", "Kommuner"),
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
    first = stats.stock_first_year(county=params.county) or last
    first = max(min(first, last), last - STOCK_MAX_YEARS + 1)
    years = stats.stock_by_year(first_year=first, last_year=last, county=params.county)
    columns = [
        Column("year", "År"),
        *[Column(level, LEVEL_LABELS[level], "int") for level in stats.LEVELS],
        Column("total", "Totalt", "int"),
    ]
    scope = f"i {params.county.name}" if params.county else "i hela landet"

    def table(key, title, description, attribute):
        rows = []
        for stock in years:
            counts = getattr(stock, attribute)
            rows.append(
                [str(stock.year), *[counts[level] for level in stats.LEVELS], sum(counts.values())]
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
            f"Överenskommelser som gällde under året, {scope}",
            "Publicerade överenskommelser som gällde någon gång under året. En överenskommelse "
            "räknas en gång per år även om flera av dess versioner gällde det året.",
            "in_force",
        ),
        table(
            "tecknade",
            f"Tecknade överenskommelser per år, {scope}",
            "Första versionen av en överenskommelse, efter undertecknandedatum (eller "
            "startdatum när undertecknandet inte är känt).",
            "signed",
        ),
        table(
            "reviderade",
            f"Reviderade överenskommelser per år, {scope}",
            "Nya versioner (version 2 och senare) efter undertecknandedatum (eller startdatum).",
            "revised",
        ),
    ]


# --------------------------------------------------------------------------------------------
# Participation


def _selection_text(params: Params, count: int) -> str:
    where = f"i {params.county.name}" if params.county else "i hela landet"
    if params.selection == stats.Selection.ALL:
        return (
            f"Urval: {count} publicerade överenskommelser {where} (senaste versionen av "
            "varje), oavsett giltighet."
        )
    return f"Urval: {count} publicerade överenskommelser {where} som gäller den {_date(params.on)}."


def _by_level_columns(first: Column) -> list[Column]:
    return [
        first,
        *[Column(level, LEVEL_LABELS[level], "int") for level in stats.LEVELS],
        Column("total", "Totalt", "int"),
    ]


def participation_tables(params: Params) -> list[Table]:
    agreements = stats.agreements_selected(
        on=params.on, county=params.county, selection=params.selection
    )
    data = stats.participation_data(agreements)
    selection = _selection_text(params, len(data.levels))
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
            title="Antal överenskommelser där varje typ av organisation är part",
            description=f"{selection} En enhet räknas som den organisation den ingår i. "
            "En överenskommelse räknas en gång per typ, även med flera parter av samma typ.",
            columns=_by_level_columns(Column("kind", "Typ av organisation")),
            rows=level_rows(by_kind),
            chart=Chart("bars", ["total"], "kind"),
        ),
        Table(
            key="myndigheter",
            title="Antal överenskommelser där varje statlig myndighet är part",
            description=selection,
            columns=_by_level_columns(Column("agency", "Myndighet")),
            rows=level_rows(by_agency),
            chart=Chart("bars", ["total"], "agency"),
        ),
        Table(
            key="kombinationer",
            title="Vilka som sluter överenskommelser: kombinationer av parter",
            description=f"{selection} Statliga myndigheter anges med namn, andra parter med "
            "typ. Vanligast först.",
            columns=[
                Column("combination", "Kombination"),
                Column("count", "Antal överenskommelser", "int"),
                Column("share", "Andel", "percent"),
                Column("rank", "Plats", "int"),
            ],
            rows=[
                [c.label, c.count, stats.share(c.count, len(data.levels)), rank]
                for rank, c in enumerate(combinations, start=1)
            ],
            chart=Chart("bars", ["count"], "combination", title="De tio vanligaste"),
        ),
        Table(
            key="parter-per-overenskommelse",
            title="Antal parter per överenskommelse",
            description=selection,
            columns=[
                Column("level", "Nivå"),
                Column("agreements", "Överenskommelser", "int"),
                Column("min", "Minst", "int"),
                Column("median", "Median", "number"),
                Column("max", "Flest", "int"),
            ],
            rows=[
                [
                    LEVEL_LABELS[s.level] if s.level else "Alla nivåer",
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
# Content


def content_tables(params: Params) -> list[Table]:
    agreements = stats.agreements_selected(
        on=params.on, county=params.county, selection=params.selection
    )
    rows = stats.content_quality(agreements)
    total = rows[0].total if rows else 0
    totals = rows[0].totals if rows else {}
    per_level = [Column("criterion", "Innehåll")]
    for level in stats.LEVELS:
        per_level.append(Column(f"{level}_count", f"{LEVEL_LABELS[level]}, antal", "int"))
        per_level.append(Column(f"{level}_share", f"{LEVEL_LABELS[level]}, andel", "percent"))
    return [
        Table(
            key="kriterier",
            title="Vad överenskommelserna innehåller",
            description=_selection_text(params, total)
            + " Samma kriterier visas som checklista på varje överenskommelses sida.",
            columns=[
                Column("criterion", "Innehåll"),
                Column("count", "Antal", "int"),
                Column("share", "Andel", "percent"),
            ],
            rows=[[r.label, r.count, r.share] for r in rows],
            total=["Antal överenskommelser", total, None],
            chart=Chart("bars", ["share"], "criterion", percent=True),
        ),
        Table(
            key="kriterier-per-niva",
            title="Vad överenskommelserna innehåller, per nivå",
            description=", ".join(
                f"{totals.get(level, 0)} {LEVEL_PLURAL[level]}" for level in stats.LEVELS
            )
            + " överenskommelser i urvalet.",
            columns=per_level,
            rows=[
                [
                    r.label,
                    *[
                        value
                        for level in stats.LEVELS
                        for value in (r.counts[level], r.share_of(level))
                    ],
                ]
                for r in rows
            ],
            total=[
                "Antal överenskommelser",
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
        *[Column(status.value, status.label, "int") for status in STATUS_COLUMNS],
        Column("total", "Bedömda åtaganden", "int"),
        Column("rate", "Andel uppfyllda av de aktuella", "percent"),
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
    rows, total = stats.followup_share(year=year, county=county)
    totals = stats.assessment_totals(year=year, county=county)
    by_theme = stats.commitment_status_by_theme(year=year, county=county)
    by_kind = stats.commitment_status_by_organisation_kind(year=year, county=county)
    total_label = "Alla bedömda åtaganden"
    return [
        Table(
            key="andel-uppfoljda",
            title=f"Överenskommelser som är uppföljda för {year}",
            description=f"Publicerade överenskommelser som gällde någon gång under {year}, och "
            f"hur många av dem som har en avslutad uppföljning för {year}.",
            columns=[
                Column("county", "Län"),
                Column("in_force", f"Gällde under {year}", "int"),
                Column("followed_up", "Uppföljda", "int"),
                Column("share", "Andel", "percent"),
            ],
            rows=[
                [
                    r.county.name if r.county else "Centrala (utan län)",
                    r.in_force,
                    r.followed_up,
                    r.share,
                ]
                for r in rows
            ],
            total=[
                "Hela landet" if county is None else county.name,
                total.in_force,
                total.followed_up,
                total.share,
            ],
            chart=Chart("bars", ["share"], "county", percent=True),
        ),
        Table(
            key="status-per-tema",
            title=f"Åtagandenas status per tema, uppföljningar {year}",
            description="Åtaganden i avslutade uppföljningar av publicerade överenskommelser. "
            "Ett åtagande med flera teman räknas under vart och ett; summaraden räknar varje "
            "åtagande en gång. Andelen uppfyllda räknas på de åtaganden som var aktuella "
            "(”Ej aktuellt” räknas inte).",
            columns=_status_columns(Column("theme", "Tema")),
            rows=[_status_row(r.label, r.fulfilment) for r in by_theme],
            total=_status_row(total_label, totals) if by_theme else None,
            chart=Chart("stacked", [s.value for s in STATUS_COLUMNS], "theme"),
        ),
        Table(
            key="status-per-organisationstyp",
            title=f"Åtagandenas status per typ av organisation, uppföljningar {year}",
            description="Typen hos den part som har åtagit sig åtagandet; en enhet räknas som "
            "den organisation den ingår i.",
            columns=_status_columns(Column("kind", "Typ av organisation")),
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
    columns = [Column("municipality", "Kommun"), Column("code", "Kommunkod")]
    if params.county is None:
        columns.append(Column("county", "Län"))
    for year in years:
        columns.append(Column(f"{year}_agreed", f"{year}: antal", "int"))
        columns.append(Column(f"{year}_assigned", f"{year}: varav för anvisning", "int"))
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
    total_row = [f"Hela {params.county.name}" if params.county else "Hela landet", ""]
    if params.county is None:
        total_row.append("")
    for year in years:
        total_row += [by_year[year][1], by_year[year][2]]
    rule = (
        "Mottagandesiffror ur publicerade överenskommelser. ”Varav för anvisning” räknas som 0 "
        "för en kommun där källan inte anger det. Ger flera överenskommelser siffror för samma "
        "kommun och år räknas den nyaste."
    )
    return [
        Table(
            key="lan",
            title="Mottagande per län och år",
            description=rule,
            columns=[
                Column("county", "Län"),
                Column("year", "År"),
                Column("municipalities", "Kommuner med siffra", "int"),
                Column("agreed", "Antal enligt överenskommelse", "int"),
                Column("assigned", "Varav för anvisning", "int"),
            ],
            rows=[
                [t.county.name, str(t.year), t.municipalities, t.agreed, t.assigned] for t in totals
            ],
            chart=Chart("columns", ["agreed", "assigned"], "year")
            if params.county is not None
            else None,
            empty="Inga mottagandesiffror är registrerade för det här urvalet.",
        ),
        Table(
            key="kommuner",
            title="Mottagande per kommun och år",
            description=rule,
            columns=columns,
            rows=municipality_rows,
            total=total_row if municipality_rows else None,
            empty="Inga mottagandesiffror är registrerade för det här urvalet.",
        ),
    ]


# --------------------------------------------------------------------------------------------

COUNTING_RULES = [
    "Bara publicerade överenskommelser räknas; utkast räknas aldrig.",
    "Bara den version som gäller på dagen räknas, så en ersatt version räknas aldrig två gånger.",
    "En överenskommelse som gällde till och med i går gäller inte i dag.",
    "En lokal överenskommelse för flera kommuner omfattar var och en av kommunerna, en gång.",
    "Ett hängavtal omfattar sin egen kommun.",
    "En överenskommelse utan start- och undertecknandedatum har okänd giltighet och räknas "
    "inte som gällande.",
]

SECTIONS = {
    section.slug: section
    for section in [
        Section(
            "oversikt",
            "Statistik",
            "Nyckeltal för landet eller ett län på en vald dag.",
            ["date", "county", "year"],
            overview_tables,
            COUNTING_RULES,
        ),
        Section(
            "tackning",
            "Täckning",
            "Kommuner med en lokal överenskommelse, län med en regional och överenskommelser "
            "för flera kommuner.",
            ["date", "county"],
            coverage_tables,
            COUNTING_RULES,
        ),
        Section(
            "bestand",
            "Bestånd över tid",
            "Tecknade, reviderade och gällande överenskommelser per år och nivå.",
            ["date", "county"],
            stock_tables,
            [
                "Åren räknas fram till och med året för det valda datumet.",
                "Bara publicerade överenskommelser räknas; utkast räknas aldrig.",
                "Gällande: en överenskommelse räknas för varje år då någon av dess versioner "
                "gällde minst en dag, en gång per år.",
                "Med ett valt län räknas bara länets regionala och lokala överenskommelser.",
            ],
        ),
        Section(
            "deltagande",
            "Deltagande",
            "Vilka typer av organisationer som är parter, i vilka kombinationer och hur många.",
            ["date", "county", "selection"],
            participation_tables,
            [
                "Bara publicerade överenskommelser räknas; utkast räknas aldrig.",
                "En enhet (till exempel Arbetsförmedlingen Luleå) räknas som den organisation "
                "den ingår i.",
                "Varje överenskommelse räknas en gång, med den version som gäller (eller den "
                "senaste, med urvalet alla).",
            ],
        ),
        Section(
            "innehall",
            "Innehåll",
            "Hur stor andel av överenskommelserna som har syfte, mål, åtaganden, rutiner och "
            "perspektiv.",
            ["date", "county", "selection"],
            content_tables,
            [
                "Bara publicerade överenskommelser räknas; utkast räknas aldrig.",
                "Ett mål är mätbart när det har en indikator och ett målvärde.",
                "Målgrupp: en beskrivning eller minst en angiven målgrupp.",
                "Åtaganden för varje part: varje part har minst ett åtagande.",
            ],
        ),
        Section(
            "uppfoljning",
            "Uppföljning",
            "Andelen uppföljda överenskommelser och hur åtagandena har bedömts.",
            ["year", "county"],
            followup_tables,
            [
                "Bara avslutade uppföljningar av publicerade överenskommelser räknas.",
                "En överenskommelse räknas som uppföljd för ett år när någon av dess versioner "
                "har en avslutad uppföljning för året.",
                "Andel uppfyllda: uppfyllda åtaganden delat med bedömda åtaganden utom dem som "
                "var ”Ej aktuellt”.",
            ],
        ),
        Section(
            "mottagande",
            "Mottagande",
            "Hur många nyanlända kommunerna har kommit överens om att ta emot, per år.",
            ["county"],
            reception_tables,
            [
                "Siffrorna kommer ur publicerade överenskommelser; siffror ur utkast räknas "
                "aldrig.",
                "Ger flera överenskommelser en siffra för samma kommun och år räknas den nyaste "
                "källan.",
            ],
        ),
    ]
}


def section_url(slug: str) -> str:
    if slug == "oversikt":
        return reverse("statistics:index")
    return reverse("statistics:section", kwargs={"section": slug})
