"""Reads for the county, national, municipality and organisation pages. Agreements are
always the newest published versions; coverage follows agreements/coverage.py."""

from collections import Counter
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from actors.boundaries import county_today
from actors.forms import Counting
from actors.models import County, Municipality, Organisation
from agreements.catalogue_index import CatalogueIndex, catalogue_index
from agreements.coverage import MunicipalityCoverage, municipality_coverage
from agreements.models import Agreement, Level, Party
from agreements.search import swedish_title_key
from agreements.selectors import agreement_cards, agreement_cards_in_order
from commitments.models import Commitment, Theme
from followup.models import ReceptionFigure
from registry.text import swedish_sort_key

AGREEMENTS_PER_PAGE = 20
# A municipality normally has one local agreement; a table row names at most this many.
AGREEMENTS_PER_ROW = 3
# The county page lists the newest local agreements and the first regional ones by title (a
# county has one to three); the catalogue has them all.
LOCAL_ON_COUNTY_PAGE = 20
REGIONAL_ON_COUNTY_PAGE = 10
# The national page's table names the first regional agreements of each county by title and
# links to the county page for the rest.
REGIONAL_ON_NATIONAL_PAGE = 3


@dataclass
class CoverageRow:
    coverage: MunicipalityCoverage
    agreements: list[Agreement]

    @property
    def municipality(self):
        return self.coverage.municipality

    @property
    def more(self) -> int:
        return len(self.coverage.listed_ids) - len(self.agreements)


def _coverage_rows(coverage: list[MunicipalityCoverage]) -> list[CoverageRow]:
    ids = {pk for row in coverage for pk in row.listed_ids[:AGREEMENTS_PER_ROW]}
    agreements = {
        a.pk: a
        for a in Agreement.objects.filter(pk__in=ids)
        .select_related("lineage")
        .only("pk", "title", "version_number", "lineage__slug")
    }
    return [
        CoverageRow(
            row,
            [agreements[pk] for pk in row.listed_ids[:AGREEMENTS_PER_ROW] if pk in agreements],
        )
        for row in coverage
    ]


@dataclass
class CountyOverview:
    county: County
    choice: Counting
    regional: list[Agreement]
    regional_count: int
    local: list[Agreement]
    local_count: int
    coverage: list[CoverageRow]
    parts_then: list[County]  # the counties of the day it is made of, if it did not exist
    county_today: County | None  # the county a former county is part of today

    @property
    def covered(self) -> int:
        return sum(row.coverage.is_covered for row in self.coverage)

    @property
    def validity_unknown(self) -> int:
        return sum(row.coverage.validity_unknown for row in self.coverage)


def _newest_versions(
    *, county: County, choice: Counting, level: str, order: str, index
) -> list[int]:
    """The newest published version of each agreement counted under the county at the level:
    under today's counties from the catalogue's `index` (agreements/catalogue_index.py),
    under the day's from the database."""
    if index is not None:
        return index.newest_versions(county_id=county.pk, level=level, order=order)
    ordering = [swedish_title_key(), "pk"] if order == "title" else ["-published_at", "-pk"]
    return list(
        Agreement.objects.latest_published()
        .filter(choice.counting.agreements_in(county), level=level)
        .order_by(*ordering)
        .values_list("pk", flat=True)
    )


def county_overview(
    *, county: County, choice: Counting, index: CatalogueIndex | None = None
) -> CountyOverview:
    """The newest published version of the agreements counted under the county, with its
    status on the chosen day, and the coverage of its municipalities on that day under the
    chosen boundaries; a county that did not exist that day has no municipalities, and the
    counties it is made of. Under today's counties the lists come from the catalogue's
    `index` (catalogue_index() unless given)."""
    if choice.counting.on is not None:
        index = None
    elif index is None:
        index = catalogue_index()
    regional = _newest_versions(
        county=county, choice=choice, level=Level.REGIONAL, order="title", index=index
    )
    local = _newest_versions(
        county=county, choice=choice, level=Level.LOCAL, order="published", index=index
    )
    coverage = _coverage_rows(
        municipality_coverage(
            county=county, on=choice.on, boundaries=choice.boundaries, index=index
        )
    )
    exists = choice.counting.on is None or county in choice.counting.counties()
    cards = agreement_cards_in_order(
        regional[:REGIONAL_ON_COUNTY_PAGE] + local[:LOCAL_ON_COUNTY_PAGE], on=choice.on
    )
    return CountyOverview(
        county,
        choice,
        [card for card in cards if card.level == Level.REGIONAL],
        len(regional),
        [card for card in cards if card.level == Level.LOCAL],
        len(local),
        coverage,
        [] if exists else choice.counting.parts_of(county),
        None if county.is_current else county_today(county, choice.counting.all),
    )


@dataclass
class CountySummary:
    county: County
    regional: list[Agreement]  # the first REGIONAL_ON_NATIONAL_PAGE by title
    regional_count: int
    local_count: int
    municipalities: int
    covered: int
    validity_unknown: int = 0
    municipality_slugs: list[str] = field(default_factory=list)  # those counted under it

    @property
    def share(self) -> int:
        return round(100 * self.covered / self.municipalities) if self.municipalities else 0

    @property
    def more_regional(self) -> int:
        return self.regional_count - len(self.regional)


def _newest_by_county(*, counting, index: CatalogueIndex | None) -> tuple[dict, dict]:
    """Per county id counted: the ids of the newest published regional versions by title, and
    the number of local ones. Under today's counties from the catalogue's `index`, under the
    day's from the database (each agreement under the county it is counted under then)."""
    if index is not None:
        counties = counting.counties()
        regional = {
            county.pk: index.newest_versions(
                county_id=county.pk, level=Level.REGIONAL, order="title"
            )
            for county in counties
        }
        local = {
            county.pk: len(
                index.newest_versions(county_id=county.pk, level=Level.LOCAL, order="published")
            )
            for county in counties
        }
        return regional, local
    current = Agreement.objects.latest_published()
    regional: dict[int, list[int]] = {}
    for pk, county_id in (
        current.filter(level=Level.REGIONAL)
        .order_by(swedish_title_key(), "pk")
        .values_list("pk", "county_id")
    ):
        regional.setdefault(counting.county_id_of_agreement(county_id), []).append(pk)
    local: Counter = Counter()
    for county_id, count in (
        current.filter(level=Level.LOCAL)
        .order_by()
        .values_list("county_id")
        .annotate(n=Count("pk"))
    ):
        local[counting.county_id_of_agreement(county_id)] += count
    return regional, local


def national_overview(
    *, choice: Counting, index: CatalogueIndex | None = None
) -> list[CountySummary]:
    """Every county of the chosen boundaries with its first regional agreements by title
    (their status on the day) and how many there are, its number of local agreements and the
    coverage of its municipalities on the day. Under today's counties all of it is read from
    the catalogue's `index` (catalogue_index() unless given) but the status and titles of the
    regional agreements shown: tens of milliseconds at 200,000 agreements, where the database
    takes seconds."""
    counting = choice.counting
    index = index or catalogue_index()
    coverage: dict[int, list[MunicipalityCoverage]] = {}
    for row in municipality_coverage(on=choice.on, boundaries=choice.boundaries, index=index):
        coverage.setdefault(row.county_id, []).append(row)
    regional, local_counts = _newest_by_county(
        counting=counting, index=index if counting.on is None else None
    )
    shown = {county_id: ids[:REGIONAL_ON_NATIONAL_PAGE] for county_id, ids in regional.items()}
    agreements = {
        agreement.pk: agreement
        for agreement in Agreement.objects.filter(
            pk__in=[pk for ids in shown.values() for pk in ids]
        )
        .with_status(choice.on)
        .select_related("lineage")
    }
    return [
        CountySummary(
            county=county,
            regional=[agreements[pk] for pk in shown.get(county.pk, []) if pk in agreements],
            regional_count=len(regional.get(county.pk, [])),
            local_count=local_counts.get(county.pk, 0),
            municipalities=len(coverage.get(county.pk, [])),
            covered=sum(row.is_covered for row in coverage.get(county.pk, [])),
            validity_unknown=sum(row.validity_unknown for row in coverage.get(county.pk, [])),
            municipality_slugs=[row.municipality.slug for row in coverage.get(county.pk, [])],
        )
        for county in counting.counties()
    ]


@dataclass
class MunicipalityOverview:
    municipality: Municipality
    coverage: CoverageRow
    local: list[Agreement]
    regional: list[Agreement]  # the first REGIONAL_ON_COUNTY_PAGE by title
    regional_count: int
    organisations: list[Organisation]
    reception_figures: list[ReceptionFigure]


def municipality_overview(
    *, municipality: Municipality, index: CatalogueIndex | None = None
) -> MunicipalityOverview:
    """The municipality's coverage and its county's first regional agreements by title (from
    the catalogue's `index`, catalogue_index() unless given), its newest local agreements,
    organisations and reception figures."""
    index = index or catalogue_index()
    coverage = municipality_coverage(county=municipality.county, index=index)
    row = next(r for r in coverage if r.municipality.pk == municipality.pk)
    current = Agreement.objects.latest_published()
    local = list(
        agreement_cards(
            current.filter(municipalities=municipality).order_by("-published_at", "-pk")
        )[:LOCAL_ON_COUNTY_PAGE]
    )
    regional = index.newest_versions(
        county_id=municipality.county_id, level=Level.REGIONAL, order="title"
    )
    organisations = sorted(
        Organisation.objects.filter(
            municipality=municipality,
            parties__in=Party.objects.published(),
        ).distinct(),
        key=lambda o: swedish_sort_key(o.name),
    )
    figures = list(
        ReceptionFigure.objects.filter(municipality=municipality)
        .filter(
            Q(source_agreement__isnull=True) | Q(source_agreement__in=Agreement.objects.published())
        )
        .select_related("source_agreement__lineage")
        .order_by("-year")
    )
    return MunicipalityOverview(
        municipality,
        _coverage_rows([row])[0],
        local,
        agreement_cards_in_order(regional[:REGIONAL_ON_COUNTY_PAGE]),
        len(regional),
        organisations,
        figures,
    )


@dataclass
class ThemeCommitments:
    theme: Theme | None
    count: int
    examples: list[Commitment]


@dataclass
class OrganisationOverview:
    organisation: Organisation
    units: list[Organisation]
    predecessors: list[Organisation]
    agreements_page: object
    roles: dict[int, Party]
    themes: list[ThemeCommitments]


COMMITMENT_EXAMPLES = 5


def organisation_overview(*, organisation: Organisation, page_number=1) -> OrganisationOverview:
    current = Agreement.objects.latest_published()
    agreements = agreement_cards(
        current.filter(parties__organisation=organisation).order_by("-signed_on", "title")
    )
    page = Paginator(agreements, AGREEMENTS_PER_PAGE).get_page(page_number)
    roles = {
        party.agreement_id: party
        for party in Party.objects.filter(
            organisation=organisation, agreement_id__in=[a.pk for a in page.object_list]
        )
    }
    commitments = Commitment.objects.filter(party__organisation=organisation, agreement__in=current)
    counts = {
        row["themes"]: row["n"]
        for row in commitments.order_by().values("themes").annotate(n=Count("pk", distinct=True))
    }
    examples = list(
        commitments.annotate(
            theme_id=F("themes"),
            rank=Window(RowNumber(), partition_by=F("themes"), order_by=[F("pk").asc()]),
        )
        .filter(rank__lte=COMMITMENT_EXAMPLES)
        .select_related("agreement__lineage")
        .order_by("pk")
    )
    themes = {t.pk: t for t in Theme.objects.filter(pk__in=[k for k in counts if k])}
    grouped = []
    for theme in sorted(themes.values(), key=lambda t: (t.order, t.name)):
        grouped.append(
            ThemeCommitments(
                theme, counts[theme.pk], [c for c in examples if c.theme_id == theme.pk]
            )
        )
    if counts.get(None):
        grouped.append(
            ThemeCommitments(None, counts[None], [c for c in examples if c.theme_id is None])
        )
    return OrganisationOverview(
        organisation=organisation,
        units=sorted(organisation.units.all(), key=lambda o: swedish_sort_key(o.name)),
        predecessors=list(organisation.predecessors.all()),
        agreements_page=page,
        roles=roles,
        themes=grouped,
    )
