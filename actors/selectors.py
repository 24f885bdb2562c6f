"""Reads for the county, national, municipality and organisation pages. Agreements are
always the newest published versions; coverage follows agreements/coverage.py."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from actors.models import County, Municipality, Organisation
from agreements.catalogue_index import catalogue_index
from agreements.coverage import MunicipalityCoverage, municipality_coverage
from agreements.models import Agreement, Level, Party
from agreements.selectors import agreement_cards, agreement_cards_in_order
from commitments.models import Commitment, Theme
from followup.models import ReceptionFigure
from registry.text import swedish_sort_key

AGREEMENTS_PER_PAGE = 20
# A municipality normally has one local agreement; a table row names at most this many.
AGREEMENTS_PER_ROW = 3
# The county page lists the newest local agreements; the catalogue has them all.
LOCAL_ON_COUNTY_PAGE = 20


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


def _sorted(agreements):
    return sorted(agreements, key=lambda a: swedish_sort_key(a.title))


@dataclass
class CountyOverview:
    county: County
    regional: list[Agreement]
    local: list[Agreement]
    local_count: int
    coverage: list[CoverageRow]

    @property
    def covered(self) -> int:
        return sum(row.coverage.is_covered for row in self.coverage)

    @property
    def validity_unknown(self) -> int:
        return sum(row.coverage.validity_unknown for row in self.coverage)


def county_overview(*, county: County) -> CountyOverview:
    """The newest published version of the county's agreements, read from the catalogue's
    index (agreements/catalogue_index.py), and the coverage of its municipalities."""
    index = catalogue_index()
    regional = index.newest_versions(county_id=county.pk, level=Level.REGIONAL, order="title")
    local = index.newest_versions(county_id=county.pk, level=Level.LOCAL, order="published")
    coverage = _coverage_rows(municipality_coverage(county=county))
    return CountyOverview(
        county,
        agreement_cards_in_order(regional),
        agreement_cards_in_order(local[:LOCAL_ON_COUNTY_PAGE]),
        len(local),
        coverage,
    )


@dataclass
class CountySummary:
    county: County
    regional: list[Agreement]
    local_count: int
    municipalities: int
    covered: int
    validity_unknown: int = 0

    @property
    def share(self) -> int:
        return round(100 * self.covered / self.municipalities) if self.municipalities else 0


def national_overview() -> list[CountySummary]:
    counties = list(County.objects.defer("geometry").order_by("code"))
    coverage = municipality_coverage()
    totals: dict[int, list[int]] = {}
    for row in coverage:
        total = totals.setdefault(row.municipality.county_id, [0, 0, 0])
        total[0] += 1
        total[1] += row.is_covered
        total[2] += row.validity_unknown
    current = Agreement.objects.latest_published()
    regional: dict[int, list[Agreement]] = {}
    for agreement in (
        current.filter(level=Level.REGIONAL).with_status().select_related("lineage", "county")
    ):
        regional.setdefault(agreement.county_id, []).append(agreement)
    local_counts = dict(
        current.filter(level=Level.LOCAL)
        .order_by()
        .values_list("county_id")
        .annotate(n=Count("pk"))
    )
    return [
        CountySummary(
            county=county,
            regional=_sorted(regional.get(county.pk, [])),
            local_count=local_counts.get(county.pk, 0),
            municipalities=totals.get(county.pk, [0, 0, 0])[0],
            covered=totals.get(county.pk, [0, 0, 0])[1],
            validity_unknown=totals.get(county.pk, [0, 0, 0])[2],
        )
        for county in counties
    ]


@dataclass
class MunicipalityOverview:
    municipality: Municipality
    coverage: CoverageRow
    local: list[Agreement]
    regional: list[Agreement]
    organisations: list[Organisation]
    reception_figures: list[ReceptionFigure]


def municipality_overview(*, municipality: Municipality) -> MunicipalityOverview:
    coverage = municipality_coverage(county=municipality.county)
    row = next(r for r in coverage if r.municipality.pk == municipality.pk)
    current = Agreement.objects.latest_published()
    local = list(
        agreement_cards(
            current.filter(municipalities=municipality).order_by("-published_at", "-pk")
        )[:LOCAL_ON_COUNTY_PAGE]
    )
    regional = _sorted(
        agreement_cards(current.filter(level=Level.REGIONAL, county_id=municipality.county_id))
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
        municipality, _coverage_rows([row])[0], local, regional, organisations, figures
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
