"""Statistics over the registry, computed from the agreements and follow-ups every time (never
stored). Every figure reads published agreements only; municipal coverage comes from
agreements/coverage.py, which holds the counting rules.

Functions take the day (`on`) or the year they describe and, where it makes sense, a county;
without a county they describe the whole country."""

import datetime
import functools
import statistics as pystatistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext, gettext_lazy

from actors.boundaries import Boundaries, CountyCounting, day_of_year
from actors.models import County, CountyMembership, Municipality, Organisation, OrganisationKind
from agreements.coverage import (
    CoverageState,
    in_force_during,
    local_agreements_in_force,
    municipality_coverage,
)
from agreements.models import (
    Agreement,
    Goal,
    LegalStatus,
    Level,
    Party,
    Publication,
    effective_start,
    signing_year,
)
from commitments.models import TargetGroup, Theme
from followup.models import CommitmentAssessment, FollowUp, ReceptionFigure
from followup.selectors import Fulfilment
from registry.partial_dates import PartialDate
from registry.text import swedish_sort_key

LEVELS = [Level.CENTRAL, Level.REGIONAL, Level.LOCAL]


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --------------------------------------------------------------------------------------------
# Which agreements a figure counts


class Selection:
    """Which agreements participation and content figures describe."""

    IN_FORCE = "in_force"
    ALL = "all"
    CHOICES = [
        (IN_FORCE, gettext_lazy("Överenskommelser som gäller på dagen")),
        (
            ALL,
            gettext_lazy(
                "Alla publicerade överenskommelser (senaste versionen), oavsett giltighet"
            ),
        ),
    ]


def agreements_selected(
    *,
    on: datetime.date,
    county: County | None = None,
    selection: str = Selection.IN_FORCE,
    boundaries: str = Boundaries.TODAY,
) -> QuerySet:
    """The agreements of the selection; with a county, those counted under it by today's
    boundaries or those of the day (actors.boundaries.CountyCounting)."""
    if selection == Selection.ALL:
        agreements = Agreement.objects.latest_published()
    else:
        agreements = Agreement.objects.published().in_force(on=on)
    if county is not None:
        agreements = agreements.filter(
            CountyCounting(boundaries=boundaries, on=on).agreements_in(county)
        )
    return agreements


# --------------------------------------------------------------------------------------------
# Coverage


@dataclass(frozen=True)
class CoverageRow:
    county: County | None  # None: the whole country
    municipalities: int
    covered: int
    validity_unknown: int = 0  # not covered, but with an agreement of unknown validity

    @property
    def share(self) -> float | None:
        return share(self.covered, self.municipalities)


def coverage_by_county(
    *, on: datetime.date, boundaries: str = Boundaries.TODAY
) -> tuple[list[CoverageRow], CoverageRow]:
    """Municipalities covered by a local agreement in force, and those with one of unknown
    validity, per county (today's, or those of the day: actors.boundaries) and for the
    country."""
    per_county: dict[int, list] = defaultdict(list)
    for row in municipality_coverage(on=on, boundaries=boundaries):
        per_county[row.county_id].append(row)
    rows = [
        CoverageRow(
            county,
            len(per_county[county.pk]),
            sum(row.is_covered for row in per_county[county.pk]),
            sum(row.validity_unknown for row in per_county[county.pk]),
        )
        for county in CountyCounting(boundaries=boundaries, on=on).counties()
        if county.pk in per_county
    ]
    total = CoverageRow(
        None,
        sum(row.municipalities for row in rows),
        sum(row.covered for row in rows),
        sum(row.validity_unknown for row in rows),
    )
    return rows, total


@dataclass(frozen=True)
class MunicipalityRow:
    municipality: Municipality
    agreements: list[Agreement]  # in force, else of unknown validity (coverage.listed_ids)
    in_force_since: PartialDate | None
    state: str  # agreements.coverage.CoverageState

    @property
    def is_covered(self) -> bool:
        return self.state == CoverageState.IN_FORCE

    @property
    def validity_unknown(self) -> bool:
        return self.state == CoverageState.VALIDITY_UNKNOWN


def coverage_of_county(
    *, county: County, on: datetime.date, boundaries: str = Boundaries.TODAY
) -> list[MunicipalityRow]:
    rows = municipality_coverage(county=county, on=on, boundaries=boundaries)
    ids = {pk for row in rows for pk in row.listed_ids}
    agreements = Agreement.objects.filter(pk__in=ids).select_related("lineage").in_bulk()
    return [
        MunicipalityRow(
            municipality=row.municipality,
            agreements=sorted(
                (agreements[pk] for pk in row.listed_ids),
                key=lambda a: swedish_sort_key(a.title),
            ),
            in_force_since=row.in_force_since,
            state=row.state,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class RegionalRow:
    county: County
    agreements: list[Agreement]

    @property
    def has_agreement(self) -> bool:
        return bool(self.agreements)


def regional_agreements_in_force(
    *, on: datetime.date, county: County | None = None, boundaries: str = Boundaries.TODAY
) -> list[RegionalRow]:
    """Every county (or the one asked for) with its regional agreements in force on the day;
    a former county's agreement under today's county unless asked for the day's boundaries."""
    agreements = (
        Agreement.objects.published()
        .in_force(on=on)
        .filter(level=Level.REGIONAL)
        .select_related("lineage")
    )
    counting = CountyCounting(boundaries=boundaries, on=on)
    counties = counting.counties()
    if county is not None:
        agreements = agreements.filter(counting.agreements_in(county))
        counties = [c for c in counties if c.pk == county.pk]
    by_county: dict[int, list[Agreement]] = defaultdict(list)
    for agreement in agreements:
        by_county[counting.county_id_of_agreement(agreement.county_id)].append(agreement)
    return [RegionalRow(c, sorted(by_county[c.pk], key=lambda a: a.title)) for c in counties]


@dataclass(frozen=True)
class MultiMunicipalityRow:
    agreement: Agreement
    municipalities: list[Municipality]


def multi_municipality_agreements(
    *, on: datetime.date, county: County | None = None, boundaries: str = Boundaries.TODAY
) -> list[MultiMunicipalityRow]:
    """Local agreements in force that span two or more municipalities."""
    agreements = (
        local_agreements_in_force(on=on)
        .annotate(municipality_count=Count("municipalities"))
        .filter(municipality_count__gte=2)
        .select_related("county", "lineage")
        .for_display()
        .defer("county__geometry")
        .prefetch_related(
            Prefetch("municipalities", queryset=Municipality.objects.defer("geometry"))
        )
    )
    if county is not None:
        agreements = agreements.filter(
            CountyCounting(boundaries=boundaries, on=on).agreements_in(county)
        )
    rows = [
        MultiMunicipalityRow(a, sorted(a.municipalities.all(), key=lambda m: m.code))
        for a in agreements
    ]
    return sorted(
        rows, key=lambda row: (row.agreement.county.code, swedish_sort_key(row.agreement.title))
    )


# --------------------------------------------------------------------------------------------
# Stock over time


@dataclass
class StockYear:
    year: int | None  # None: the year is not known
    signed: Counter = field(default_factory=Counter)
    revised: Counter = field(default_factory=Counter)
    in_force: Counter = field(default_factory=Counter)


def _stock_agreements(*, county: County | None, boundaries: str, on: datetime.date | None):
    agreements = Agreement.objects.published()
    if county is not None:
        agreements = agreements.filter(
            CountyCounting(boundaries=boundaries, on=on).agreements_in(county)
        )
    return agreements


def stock_first_year(
    *,
    county: County | None = None,
    boundaries: str = Boundaries.TODAY,
    on: datetime.date | None = None,
) -> int | None:
    agreements = _stock_agreements(county=county, boundaries=boundaries, on=on)
    first = agreements.aggregate(
        signed=Min(signing_year()), started=Min(ExtractYear(effective_start()))
    )
    years = [year for year in first.values() if year]
    return min(years) if years else None


def stock_by_year(
    *,
    first_year: int,
    last_year: int,
    county: County | None = None,
    boundaries: str = Boundaries.TODAY,
    on: datetime.date | None = None,
) -> tuple[list[StockYear], StockYear]:
    """Per year and level: first versions signed, revisions (later versions) signed, and
    agreements in force at some time during the year (each agreement once, whatever the
    number of its versions in force that year). Published agreements only. Versions are
    counted by their signing year (models.signing_year, the catalogue's "Undertecknad år");
    the second value counts those whose signing year is not known, and the agreements whose
    newest published version has unknown validity (they cannot be placed in any year). A
    county's agreements are those counted under it by today's boundaries or, with
    `boundaries` "then", by those of the day `on` (actors.boundaries.CountyCounting)."""
    agreements = _stock_agreements(county=county, boundaries=boundaries, on=on)
    years = {year: StockYear(year) for year in range(first_year, last_year + 1)}
    unknown = StockYear(None)
    signed = (
        agreements.annotate(signed_in=signing_year())
        .filter(Q(signed_in__isnull=True) | Q(signed_in__gte=first_year, signed_in__lte=last_year))
        .annotate(is_first=Case(When(version_number=1, then=Value(True)), default=Value(False)))
        .values("signed_in", "level", "is_first")
        .annotate(n=Count("pk"))
    )
    for row in signed:
        stock = unknown if row["signed_in"] is None else years[row["signed_in"]]
        counter = stock.signed if row["is_first"] else stock.revised
        counter[row["level"]] += row["n"]
    # One query for every year: a count per year over the versions in force that year.
    in_force = {
        f"in_force_{year}": Count(
            "lineage",
            distinct=True,
            filter=Q(pk__in=in_force_during(agreements, year=year).values("pk")),
        )
        for year in years
    }
    unknown_validity = (
        Agreement.objects.latest_published().with_status().filter(legal_status=LegalStatus.UNKNOWN)
    )
    in_force["in_force_unknown"] = Count(
        "lineage", distinct=True, filter=Q(pk__in=unknown_validity.values("pk"))
    )
    for row in agreements.order_by().values("level").annotate(**in_force):
        for year, stock in years.items():
            if row[f"in_force_{year}"]:
                stock.in_force[row["level"]] = row[f"in_force_{year}"]
        if row["in_force_unknown"]:
            unknown.in_force[row["level"]] = row["in_force_unknown"]
    return list(years.values()), unknown


# --------------------------------------------------------------------------------------------
# Participation


@dataclass(frozen=True)
class Category:
    """What kind of actor an organisation is for the statistics. A unit counts as the
    organisation it belongs to ("Arbetsförmedlingen Luleå" is Arbetsförmedlingen, a national
    agency); a national agency is named, every other kind is counted as its kind."""

    key: str
    label: str
    sort: tuple


KIND_ORDER = [
    OrganisationKind.MUNICIPALITY,
    OrganisationKind.COUNTY_BOARD,
    OrganisationKind.REGION,
    OrganisationKind.NATIONAL_AGENCY,
    OrganisationKind.MUNICIPAL_ASSOCIATION,
    OrganisationKind.UNIT,
    OrganisationKind.CIVIL_SOCIETY,
    OrganisationKind.FAITH_COMMUNITY,
    OrganisationKind.BUSINESS,
    OrganisationKind.TRADE_UNION,
    OrganisationKind.UNIVERSITY,
    OrganisationKind.EDUCATION_PROVIDER,
    OrganisationKind.OTHER,
]


def kind_category(kind: str) -> Category:
    """The kind's label in the request's language (agreements/labels.py)."""
    return Category(kind, gettext(OrganisationKind(kind).label), (KIND_ORDER.index(kind), ""))


class Organisations:
    """Whether participation counts organisations as they were when they took part, or as
    the organisations that took over from them (their successor today, actors.Organisation
    .successor: AMS and the länsarbetsnämnder as Arbetsförmedlingen)."""

    THEN = "then"
    TODAY = "today"
    CHOICES = [
        (THEN, gettext_lazy("Som de var när de var parter")),
        (TODAY, gettext_lazy("Som deras efterträdare i dag")),
    ]


def organisation_roots(organisation_ids, *, successors: bool = False) -> dict[int, dict]:
    """For each organisation, the top of its parent chain (itself if it has no parent), as
    values dicts with id, name, kind; with `successors`, the chain also follows each
    organisation's successor, so that a predecessor counts as the organisation of today. A
    few queries: one per level of nesting."""
    known: dict[int, dict] = {}
    wanted = set(organisation_ids)

    def next_of(row: dict) -> int | None:
        return row["parent_id"] or (row["successor_id"] if successors else None)

    while wanted - known.keys():
        for row in Organisation.objects.filter(pk__in=wanted - known.keys()).values(
            "id", "name", "kind", "parent_id", "successor_id"
        ):
            known[row["id"]] = row
        wanted = {next_of(row) for row in known.values() if next_of(row)} | wanted
    roots = {}
    for pk in organisation_ids:
        row, seen = known[pk], set()
        while next_of(row) and next_of(row) not in seen:
            seen.add(row["id"])
            row = known[next_of(row)]
        roots[pk] = row
    return roots


def actor_category(root: dict) -> Category:
    if root["kind"] == OrganisationKind.NATIONAL_AGENCY:
        order = KIND_ORDER.index(OrganisationKind.NATIONAL_AGENCY)
        return Category(
            f"myndighet:{root['id']}", root["name"], (order, swedish_sort_key(root["name"]))
        )
    category = kind_category(root["kind"])
    return Category(category.key, category.label.lower(), category.sort)


@dataclass
class ParticipationData:
    levels: dict[int, str]  # agreement id → level
    kinds: dict[int, set[Category]]  # agreement id → kinds of its parties
    actors: dict[int, set[Category]]  # agreement id → actor categories of its parties
    party_counts: dict[int, int]  # agreement id → number of parties


def participation_data(
    agreements: QuerySet, *, organisations: str = Organisations.THEN
) -> ParticipationData:
    levels = dict(agreements.values_list("pk", "level"))
    party_rows = list(
        Party.objects.filter(agreement_id__in=levels).values_list("agreement_id", "organisation_id")
    )
    roots = organisation_roots(
        {organisation for _, organisation in party_rows},
        successors=organisations == Organisations.TODAY,
    )
    kinds: dict[int, set] = {pk: set() for pk in levels}
    actors: dict[int, set] = {pk: set() for pk in levels}
    party_counts: Counter = Counter({pk: 0 for pk in levels})
    for agreement_id, organisation_id in party_rows:
        root = roots[organisation_id]
        kinds[agreement_id].add(kind_category(root["kind"]))
        actors[agreement_id].add(actor_category(root))
        party_counts[agreement_id] += 1
    return ParticipationData(levels, kinds, actors, dict(party_counts))


@dataclass
class CountByLevel:
    category: Category
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _count_by_level(data: ParticipationData, sets: dict[int, set]) -> list[CountByLevel]:
    rows: dict[str, CountByLevel] = {}
    for agreement_id, categories in sets.items():
        for category in categories:
            row = rows.setdefault(category.key, CountByLevel(category))
            row.counts[data.levels[agreement_id]] += 1
    return sorted(rows.values(), key=lambda row: (-row.total, row.category.sort))


def participation_by_kind(data: ParticipationData) -> list[CountByLevel]:
    """In how many agreements each kind of organisation takes part, per level."""
    return _count_by_level(data, data.kinds)


def participation_by_agency(data: ParticipationData) -> list[CountByLevel]:
    """The same for each national agency by name."""
    agencies = {
        pk: {c for c in categories if c.key.startswith("myndighet:")}
        for pk, categories in data.actors.items()
    }
    return _count_by_level(data, agencies)


@dataclass(frozen=True)
class Combination:
    categories: tuple[Category, ...]
    count: int

    @property
    def label(self) -> str:
        return " + ".join(c.label for c in self.categories) or gettext("(inga parter registrerade)")


def participation_combinations(data: ParticipationData) -> list[Combination]:
    """The sets of actors that make up agreements, most common first."""
    counts = Counter(
        tuple(sorted(categories, key=lambda c: c.sort)) for categories in data.actors.values()
    )
    rows = [Combination(categories, n) for categories, n in counts.items()]
    return sorted(rows, key=lambda row: (-row.count, swedish_sort_key(row.label)))


@dataclass(frozen=True)
class PartyCountSummary:
    level: str | None  # None: every level
    agreements: int
    minimum: int | None
    median: float | None
    maximum: int | None


def parties_per_agreement(data: ParticipationData) -> list[PartyCountSummary]:
    summaries = []
    for level in [*LEVELS, None]:
        counts = [
            n for pk, n in data.party_counts.items() if level is None or data.levels[pk] == level
        ]
        summaries.append(
            PartyCountSummary(
                level,
                len(counts),
                min(counts) if counts else None,
                pystatistics.median(counts) if counts else None,
                max(counts) if counts else None,
            )
        )
    return summaries


# --------------------------------------------------------------------------------------------
# Target groups and themes

UNKNOWN = Category("okant", gettext_lazy("okänt"), (len(KIND_ORDER) + 1, ""))


def agreements_by_target_group_and_theme(
    agreements: QuerySet,
) -> tuple[int, list[CountByLevel], list[CountByLevel]]:
    """The number of agreements, and in how many each target group and each theme occurs, per
    level, by the catalogue's facets (CatalogueEntry: the agreement's target groups; the
    themes of the agreement and of its commitments). An agreement with none counts under
    "okänt"."""
    rows = list(
        agreements.values_list(
            "level", "catalogue_entry__facet_target_groups", "catalogue_entry__facet_themes"
        )
    )
    target_groups = TargetGroup.objects.in_bulk()
    themes = Theme.objects.in_bulk()

    def counted(position: int, names: dict) -> list[CountByLevel]:
        by_key: dict[int | None, CountByLevel] = {}
        for row in rows:
            for pk in row[position] or [None]:
                if pk is None:
                    category = UNKNOWN
                else:
                    term = names[pk]
                    category = Category(term.slug, str(term), (term.order, term.name))
                by_key.setdefault(pk, CountByLevel(category)).counts[row[0]] += 1
        known = sorted(
            (row for key, row in by_key.items() if key is not None),
            key=lambda row: (-row.total, row.category.sort),
        )
        return known + ([by_key[None]] if None in by_key else [])

    return len(rows), counted(1, target_groups), counted(2, themes)


# --------------------------------------------------------------------------------------------
# Content quality


class Answer:
    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    LABELS = {YES: "Ja", PARTLY: "Delvis", NO: "Nej"}


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str  # as a row of the statistics table, translated (lazily) under /en/
    question: str  # as a line of one agreement's checklist, in Swedish


CRITERIA = [
    Criterion("purpose", gettext_lazy("Anger ett syfte"), "Syfte"),
    Criterion("goals", gettext_lazy("Anger mål"), "Mål"),
    Criterion(
        "measurable_goals", gettext_lazy("Har mätbara mål (indikator och målvärde)"), "Mätbara mål"
    ),
    Criterion("target_group", gettext_lazy("Anger en målgrupp"), "Målgrupp"),
    Criterion("commitments", gettext_lazy("Åtaganden för varje part"), "Åtaganden för varje part"),
    Criterion(
        "organisation", gettext_lazy("Beskriver hur samverkan är organiserad"), "Organisation"
    ),
    Criterion(
        "followup_routine", gettext_lazy("Har en rutin för uppföljning"), "Rutin för uppföljning"
    ),
    Criterion("followup_who", gettext_lazy("Anger vem som följer upp"), "Vem som följer upp"),
    Criterion(
        "followup_how_often",
        gettext_lazy("Anger hur ofta uppföljning sker"),
        "Hur ofta uppföljning sker",
    ),
    Criterion(
        "revision_routine", gettext_lazy("Har en rutin för revidering"), "Rutin för revidering"
    ),
    Criterion(
        "gender_equality",
        gettext_lazy("Har ett jämställdhetsperspektiv"),
        "Jämställdhetsperspektiv",
    ),
    Criterion("child", gettext_lazy("Har ett barnperspektiv"), "Barnperspektiv"),
    Criterion("family", gettext_lazy("Har ett familjeperspektiv"), "Familjeperspektiv"),
    Criterion(
        "legal_references",
        gettext_lazy("Hänvisar till författningar"),
        "Hänvisning till författningar",
    ),
]
PERSPECTIVE_SLUGS = {"gender_equality": "jamstalldhet", "child": "barn", "family": "familj"}


def _has_text(field_name: str):
    return ExpressionWrapper(Q(**{f"{field_name}__regex": r"\S"}), output_field=BooleanField())


def _quality_queryset(agreements: QuerySet) -> QuerySet:
    """The agreements with what the criteria need, one dict per agreement, in one query."""
    through = Agreement.perspectives.through
    annotations = {
        "has_purpose": _has_text("purpose"),
        "has_target_group_text": _has_text("target_group"),
        "has_organisation": _has_text("organisation"),
        "has_followup_routine": _has_text("followup_routine"),
        "has_revision_routine": _has_text("revision_routine"),
        "has_target_group_tags": Exists(
            Agreement.target_groups.through.objects.filter(agreement_id=OuterRef("pk"))
        ),
        "has_legal_references": Exists(
            Agreement.legal_references.through.objects.filter(agreement_id=OuterRef("pk"))
        ),
        "has_goals": Exists(Goal.objects.filter(agreement_id=OuterRef("pk"))),
        "has_measurable_goals": Exists(
            Goal.objects.filter(agreement_id=OuterRef("pk"), target_value__isnull=False).exclude(
                indicator=""
            )
        ),
        "party_count": Count("parties", distinct=True),
        "parties_with_commitments": Count(
            "parties", filter=Q(parties__commitments__isnull=False), distinct=True
        ),
    }
    for key, slug in PERSPECTIVE_SLUGS.items():
        annotations[f"has_{key}"] = Exists(
            through.objects.filter(agreement_id=OuterRef("pk"), perspective__slug=slug)
        )
    return agreements.annotate(**annotations).values(
        "pk",
        "level",
        "followup_frequency",
        "followup_responsible_id",
        *annotations.keys(),
    )


@functools.cache
def _quality_of_one() -> QuerySet:
    """_quality_queryset() of every agreement, built once for the checklist of one (each use
    filters a copy): resolving its subqueries cost more than running the query."""
    return _quality_queryset(Agreement.objects.all())


def _answers(row: dict) -> dict[str, str]:
    def yes_no(value) -> str:
        return Answer.YES if value else Answer.NO

    parties, with_commitments = row["party_count"], row["parties_with_commitments"]
    if parties and with_commitments == parties:
        commitments = Answer.YES
    elif with_commitments:
        commitments = Answer.PARTLY
    else:
        commitments = Answer.NO
    return {
        "purpose": yes_no(row["has_purpose"]),
        "goals": yes_no(row["has_goals"]),
        "measurable_goals": yes_no(row["has_measurable_goals"]),
        "target_group": yes_no(row["has_target_group_text"] or row["has_target_group_tags"]),
        "commitments": commitments,
        "organisation": yes_no(row["has_organisation"]),
        "followup_routine": yes_no(row["has_followup_routine"]),
        "followup_who": yes_no(row["followup_responsible_id"]),
        "followup_how_often": yes_no(row["followup_frequency"]),
        "revision_routine": yes_no(row["has_revision_routine"]),
        "gender_equality": yes_no(row["has_gender_equality"]),
        "child": yes_no(row["has_child"]),
        "family": yes_no(row["has_family"]),
        "legal_references": yes_no(row["has_legal_references"]),
    }


@dataclass
class QualityRow:
    key: str
    label: str
    counts: Counter  # level → agreements meeting the row
    totals: Counter  # level → agreements counted

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def share(self) -> float | None:
        return share(self.count, self.total)

    def share_of(self, level: str) -> float | None:
        return share(self.counts[level], self.totals[level])


def content_quality(agreements: QuerySet) -> list[QualityRow]:
    """How many of the agreements meet each criterion, per level. The commitments criterion
    has three rows: every party, some parties, no party has commitments."""
    answers = [(row["level"], _answers(row)) for row in _quality_queryset(agreements)]
    totals = Counter(level for level, _ in answers)
    rows = []
    for criterion in CRITERIA:
        if criterion.key == "commitments":
            variants = [
                (Answer.YES, criterion.label),
                (Answer.PARTLY, gettext_lazy("Åtaganden för några av parterna")),
                (Answer.NO, gettext_lazy("Inga åtaganden")),
            ]
        else:
            variants = [(Answer.YES, criterion.label)]
        for answer, label in variants:
            key = criterion.key if answer == Answer.YES else f"{criterion.key}_{answer}"
            counts = Counter(level for level, given in answers if given[criterion.key] == answer)
            rows.append(QualityRow(key, label, counts, totals))
    return rows


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    question: str
    answer: str
    detail: str = ""

    @property
    def answer_label(self) -> str:
        return Answer.LABELS[self.answer]


def agreement_checklist(*, agreement: Agreement) -> list[ChecklistItem]:
    """The content criteria for one agreement, by the same rules as content_quality()."""
    row = _quality_of_one().get(pk=agreement.pk)
    answers = _answers(row)
    details = {
        "commitments": f"{row['parties_with_commitments']} av {row['party_count']} parter "
        "har åtaganden",
    }
    return [
        ChecklistItem(c.key, c.question, answers[c.key], details.get(c.key, "")) for c in CRITERIA
    ]


# --------------------------------------------------------------------------------------------
# Follow-up


@dataclass(frozen=True)
class FollowUpShareRow:
    county: County | None  # None: central agreements (no county)
    in_force: int
    followed_up: int

    @property
    def share(self) -> float | None:
        return share(self.followed_up, self.in_force)


def followup_share(
    *, year: int, county: County | None = None, boundaries: str = Boundaries.TODAY
) -> tuple[list[FollowUpShareRow], FollowUpShareRow]:
    """Per county (today's, or those at the end of `year`): the published agreements in force
    at some time during `year`, and how many of them have a completed follow-up for that year
    (of any of their versions)."""
    agreements = in_force_during(Agreement.objects.published(), year=year)
    counting = CountyCounting(boundaries=boundaries, on=day_of_year(year))
    if county is not None:
        agreements = agreements.filter(counting.agreements_in(county))
    county_of: dict[int, int | None] = {}
    for lineage_id, county_id in agreements.order_by("version_number").values_list(
        "lineage_id", "county_id"
    ):
        county_of[lineage_id] = counting.county_id_of_agreement(county_id)
    followed = set(
        FollowUp.objects.published()
        .filter(year=year, agreement__lineage_id__in=county_of)
        .values_list("agreement__lineage_id", flat=True)
    )
    counties = counting.counties()
    if county is not None:
        counties = [c for c in counties if c.pk == county.pk]
    in_force, done = Counter(county_of.values()), Counter(county_of[pk] for pk in followed)
    rows = [FollowUpShareRow(c, in_force[c.pk], done[c.pk]) for c in counties]
    if county is None:
        rows.append(FollowUpShareRow(None, in_force[None], done[None]))
    total = FollowUpShareRow(None, len(county_of), len(followed))
    return rows, total


@dataclass
class StatusRow:
    key: str
    label: str
    fulfilment: Fulfilment


def _assessments(*, year: int, county: County | None, boundaries: str):
    """The assessments of the year's completed follow-ups; with a county, of the agreements
    counted under it (at the end of `year` with the day's boundaries, as followup_share)."""
    followups = FollowUp.objects.published().filter(year=year)
    if county is not None:
        counting = CountyCounting(boundaries=boundaries, on=day_of_year(year))
        followups = followups.filter(counting.agreements_in(county, "agreement__"))
    return CommitmentAssessment.objects.filter(followup__in=followups)


def commitment_status_by_theme(
    *, year: int, county: County | None = None, boundaries: str = Boundaries.TODAY
) -> list[StatusRow]:
    """The statuses of the commitments assessed in completed follow-ups of `year`, per theme.
    A commitment with several themes counts under each; one without, under "Utan tema"."""
    rows: dict[str, StatusRow] = {}
    themes = {theme.pk: theme for theme in Theme.objects.all()}
    counted = (
        _assessments(year=year, county=county, boundaries=boundaries)
        .values("commitment__themes", "status")
        .annotate(n=Count("pk"))
    )
    for row in counted:
        theme = themes.get(row["commitment__themes"])
        key = theme.slug if theme else ""
        if key not in rows:
            rows[key] = StatusRow(key, theme.name if theme else gettext("Utan tema"), Fulfilment())
        rows[key].fulfilment.counts[row["status"]] += row["n"]
    order = {theme.slug: (theme.order, swedish_sort_key(theme.name)) for theme in themes.values()}
    return sorted(rows.values(), key=lambda row: order.get(row.key, (10**6, "")))


def commitment_status_by_organisation_kind(
    *, year: int, county: County | None = None, boundaries: str = Boundaries.TODAY
) -> list[StatusRow]:
    """The same per kind of organisation that made the commitment (a unit counts as the
    organisation it belongs to)."""
    counted = list(
        _assessments(year=year, county=county, boundaries=boundaries)
        .values("commitment__party__organisation", "status")
        .annotate(n=Count("pk"))
    )
    roots = organisation_roots({row["commitment__party__organisation"] for row in counted})
    rows: dict[str, StatusRow] = {}
    for row in counted:
        category = kind_category(roots[row["commitment__party__organisation"]]["kind"])
        if category.key not in rows:
            rows[category.key] = StatusRow(category.key, category.label, Fulfilment())
        rows[category.key].fulfilment.counts[row["status"]] += row["n"]
    return sorted(rows.values(), key=lambda row: KIND_ORDER.index(row.key))


def status_total(rows: list[StatusRow]) -> Fulfilment:
    """All assessments once, even those counted under several themes."""
    total = Fulfilment()
    for row in rows:
        total.counts.update(row.fulfilment.counts)
    return total


def assessment_totals(
    *, year: int, county: County | None = None, boundaries: str = Boundaries.TODAY
) -> Fulfilment:
    total = Fulfilment()
    assessments = _assessments(year=year, county=county, boundaries=boundaries)
    for row in assessments.values("status").annotate(n=Count("pk")):
        total.counts[row["status"]] += row["n"]
    return total


# --------------------------------------------------------------------------------------------
# Reception figures


@dataclass(frozen=True)
class ReceptionRow:
    figure: ReceptionFigure  # the one that counts for its municipality and year
    county: County  # the county it is counted under (CountyCounting.county_of_figure)

    @property
    def municipality(self) -> Municipality:
        return self.figure.municipality

    @property
    def year(self) -> int:
        return self.figure.year

    @property
    def agreed(self) -> int:
        return self.figure.agreed_number

    @property
    def assigned(self) -> int | None:
        return self.figure.assigned_number


def reception_figures(
    *,
    county: County | None = None,
    boundaries: str = Boundaries.TODAY,
    on: datetime.date | None = None,
) -> list[ReceptionRow]:
    """One figure per municipality and year. Figures whose source agreement is a draft are
    left out; when several sources give a figure for the same municipality and year, the newest
    source counts (latest start, then highest version; a figure without a source last). A
    figure is counted under the municipality's county today or, with the day's boundaries,
    under the county it lay in that year (CountyCounting.county_of_figure); with a county,
    only the figures counted under it."""
    counting = CountyCounting(boundaries=boundaries, on=on)
    figures = (
        ReceptionFigure.objects.filter(
            Q(source_agreement__isnull=True)
            | Q(source_agreement__publication=Publication.PUBLISHED)
        )
        .select_related("municipality__county")
        .defer("municipality__geometry", "municipality__county__geometry")
        .annotate(
            source_start=Coalesce("source_agreement__valid_from", "source_agreement__signed_on")
        )
        .order_by(
            "municipality__code",
            "year",
            F("source_start").desc(nulls_last=True),
            F("source_agreement__version_number").desc(nulls_last=True),
            "-pk",
        )
    )
    if counting.on is not None:
        figures = figures.prefetch_related("municipality__memberships")
    if county is not None:  # the municipalities that ever lay in it; the figures' years decide
        figures = figures.filter(
            municipality__in=CountyMembership.objects.filter(county=county).values(
                "municipality_id"
            )
        )
    rows, seen = [], set()
    for figure in figures:
        key = (figure.municipality_id, figure.year)
        if key in seen:
            continue
        seen.add(key)
        counted = counting.county_of_figure(figure.municipality, figure.year)
        if county is not None and counted.pk != county.pk:
            continue
        rows.append(ReceptionRow(figure, counted))
    return rows


@dataclass(frozen=True)
class ReceptionTotal:
    county: County
    year: int
    municipalities: int
    agreed: int
    assigned: int  # the municipalities whose source gives no figure count as 0


def reception_totals(rows: list[ReceptionRow]) -> list[ReceptionTotal]:
    totals: dict[tuple[int, int], list[ReceptionRow]] = defaultdict(list)
    counties = {}
    for row in rows:
        counties[row.county.pk] = row.county
        totals[(row.county.pk, row.year)].append(row)
    return [
        ReceptionTotal(
            counties[county_id],
            year,
            len(group),
            sum(r.agreed for r in group),
            sum(r.assigned or 0 for r in group),
        )
        for (county_id, year), group in sorted(
            totals.items(), key=lambda item: (counties[item[0][0]].code, item[0][1])
        )
    ]
