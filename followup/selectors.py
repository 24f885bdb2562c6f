"""Read queries for follow-ups: the public record on an agreement's page (and, later, the API)
and the staff list of agreements that lack a completed follow-up."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from actors.boundaries import municipalities_in_year
from actors.models import County, Organisation
from agreements.coverage import in_force_during
from agreements.models import Agreement, Party
from followup.models import (
    AssessmentStatus,
    CommitmentAssessment,
    FollowUp,
    FollowUpState,
    GoalOutcome,
    ReceptionFigure,
)
from registry.text import swedish_sort_key


@dataclass
class Fulfilment:
    """How one party (or any group of commitments) fared in a follow-up. The rate counts the
    commitments that were fulfilled among those that applied this year: "not applicable" and
    "not assessed" are left out of the denominator."""

    counts: Counter = field(default_factory=Counter)

    def add(self, status: str) -> None:
        self.counts[status] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def fulfilled(self) -> int:
        return self.counts[AssessmentStatus.FULFILLED]

    @property
    def applicable(self) -> int:
        return self.total - self.counts[AssessmentStatus.NOT_APPLICABLE] - self.counts[""]

    @property
    def rate(self) -> float | None:
        return self.fulfilled / self.applicable if self.applicable else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(self.rate * 100)

    def by_status(self) -> list[tuple[str, str, int]]:
        """(value, label, count) for the statuses that occur, in the order of the choices."""
        return [
            (value, label, self.counts[value])
            for value, label in AssessmentStatus.choices
            if self.counts[value]
        ]


@dataclass
class PartyResult:
    organisation: Organisation
    fulfilment: Fulfilment
    assessments: list[CommitmentAssessment]


@dataclass
class PublicFollowUp:
    followup: FollowUp
    parties: list[PartyResult]
    outcomes: list[GoalOutcome]

    @property
    def overall(self) -> Fulfilment:
        total = Fulfilment()
        for party in self.parties:
            total.counts.update(party.fulfilment.counts)
        return total


def followups_public_queryset() -> QuerySet:
    """Completed follow-ups of published agreements with what the public record shows, in
    three queries whatever the number of follow-ups."""
    return (
        FollowUp.objects.published()
        .select_related("agreement__lineage", "responsible_organisation")
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=CommitmentAssessment.objects.select_related(
                    "commitment__party__organisation"
                ).order_by("commitment__party__order", "commitment__order", "commitment_id"),
            ),
            Prefetch(
                "goal_outcomes",
                queryset=GoalOutcome.objects.select_related("goal").order_by("goal__order"),
            ),
        )
    )


def followup_public_result(followup: FollowUp) -> PublicFollowUp:
    parties: dict[int, PartyResult] = {}
    for assessment in followup.assessments.all():
        party = assessment.commitment.party
        result = parties.get(party.pk)
        if result is None:
            result = parties[party.pk] = PartyResult(party.organisation, Fulfilment(), [])
        result.fulfilment.add(assessment.status)
        result.assessments.append(assessment)
    return PublicFollowUp(
        followup=followup,
        parties=list(parties.values()),
        outcomes=list(followup.goal_outcomes.all()),
    )


def followup_list_public(*, agreement: Agreement) -> list[PublicFollowUp]:
    """The completed follow-ups of every published version of the agreement, newest year
    first, each with every party's fulfilment rate."""
    followups = followups_public_queryset().filter(agreement__lineage_id=agreement.lineage_id)
    return [
        followup_public_result(followup)
        for followup in followups.order_by("-year", "-agreement__version_number")
    ]


@dataclass
class FollowUpPart:
    """One page of a follow-up in the staff pages: a party's commitments and goals, or (party
    None) the common goals, with how many of the commitments are assessed so far."""

    party: Party | None
    commitments: int = 0
    assessed: int = 0
    goals: int = 0

    @property
    def unassessed(self) -> int:
        return self.commitments - self.assessed


def followup_parts(*, followup: FollowUp) -> list[FollowUpPart]:
    """The follow-up's parts: each party of the agreement in its order, then the common
    goals. Three queries, whatever the agreement's size."""
    parties = followup.agreement.parties.select_related("organisation").order_by("order", "id")
    parts = {party.pk: FollowUpPart(party) for party in parties}
    common = FollowUpPart(None)
    assessments = (
        followup.assessments.values("commitment__party_id")
        .annotate(total=Count("id"), assessed=Count("id", filter=~Q(status="")))
        .order_by()
    )
    for row in assessments:
        part = parts[row["commitment__party_id"]]
        part.commitments, part.assessed = row["total"], row["assessed"]
    outcomes = followup.goal_outcomes.values("goal__party_id").annotate(total=Count("id"))
    for row in outcomes.order_by():
        parts.get(row["goal__party_id"], common).goals = row["total"]
    return [*parts.values(), common]


def followup_party_items(*, followup: FollowUp, party: Party | None) -> tuple[QuerySet, QuerySet]:
    """The follow-up's assessments of the party's commitments and outcomes of its goals, in
    the agreement's order (party None: no assessments, the outcomes of the common goals)."""
    assessments = (
        followup.assessments.filter(commitment__party=party)
        .select_related("commitment")
        .order_by("commitment__order", "commitment_id")
    )
    outcomes = (
        followup.goal_outcomes.filter(goal__party=party)
        .select_related("goal")
        .order_by("goal__order", "goal_id")
    )
    return (assessments if party is not None else assessments.none()), outcomes


@dataclass
class MissingFollowUp:
    agreement: Agreement
    draft: FollowUp | None


def agreements_missing_followup(*, user, year: int, county: County | None = None) -> QuerySet:
    """The one definition of "misses a follow-up for `year`", for the start page and the
    follow-up list: of each agreement the user may change (in `county` if given), the newest
    published version in force at some time during the year, when no version of the agreement
    has a completed follow-up for that year. A draft is not followed up: a first version is
    not yet in force, and a draft revision does not hide the published version it will
    replace."""
    published_in_year = in_force_during(Agreement.objects.published(), year=year)
    completed = FollowUp.objects.filter(
        agreement__lineage_id=OuterRef("lineage_id"), year=year, state=FollowUpState.COMPLETED
    )
    agreements = (
        in_force_during(Agreement.objects.editable_by(user).published(), year=year)
        .latest_versions(among=published_in_year)
        .filter(~Exists(completed))
    )
    if county is not None:
        agreements = agreements.filter(county=county)
    return agreements.select_related("county", "lineage").for_display()


def followup_missing(*, user, year: int, county: County | None = None) -> list[MissingFollowUp]:
    """agreements_missing_followup() with the draft follow-up of the year where one is
    started, by county and title."""
    agreements = list(agreements_missing_followup(user=user, year=year, county=county))
    drafts = {
        followup.agreement.lineage_id: followup
        for followup in FollowUp.objects.filter(
            year=year,
            state=FollowUpState.DRAFT,
            agreement__lineage_id__in=[agreement.lineage_id for agreement in agreements],
        ).select_related("agreement")
    }
    rows = [
        MissingFollowUp(agreement=agreement, draft=drafts.get(agreement.lineage_id))
        for agreement in agreements
    ]
    return sorted(
        rows,
        key=lambda row: (
            row.agreement.county.code if row.agreement.county else "",
            swedish_sort_key(row.agreement.title),
        ),
    )


@dataclass
class ReceptionYear:
    """One year's reception figures (mottagande) with their totals: how many municipalities,
    how many people they agreed to receive and, of those, how many assigned by the Migration
    Agency (summed over the municipalities whose source states it)."""

    year: int
    figures: list[ReceptionFigure]

    @property
    def municipality_count(self) -> int:
        return len({figure.municipality_id for figure in self.figures})

    @property
    def agreed_total(self) -> int | None:
        return sum(figure.agreed_number for figure in self.figures) if self.figures else None

    @property
    def assigned_total(self) -> int | None:
        stated = [f.assigned_number for f in self.figures if f.assigned_number is not None]
        return sum(stated) if stated else None


def reception_years(figures) -> list[ReceptionYear]:
    """Reception figures grouped by year, oldest first, each year's municipalities in code
    order: the one shape of the agreement page, the agreement PDF and the county report."""
    by_year: dict[int, list[ReceptionFigure]] = {}
    for figure in sorted(figures, key=lambda f: (f.year, f.municipality.code)):
        by_year.setdefault(figure.year, []).append(figure)
    return [ReceptionYear(year=year, figures=rows) for year, rows in by_year.items()]


def reception_for_agreement(*, agreement: Agreement) -> list[ReceptionYear]:
    """The reception figures that the agreement version states, by year with totals. One
    query."""
    return reception_years(
        ReceptionFigure.objects.filter(source_agreement=agreement)
        .select_related("municipality")
        .defer("municipality__geometry")
    )


@dataclass
class ReceptionRow:
    """One municipality's line in the county table: last year's figure (from any source, the
    table's own first) and this year's from the table's source."""

    municipality: object
    last_year: ReceptionFigure | None
    this_year: ReceptionFigure | None


@dataclass
class ReceptionTable:
    """Reception figures for every municipality of a county in one year, beside last year's,
    with county totals for both years."""

    county: County
    year: int
    source: Agreement | None
    rows: list[ReceptionRow]

    @property
    def last_year_totals(self) -> ReceptionYear:
        return ReceptionYear(
            year=self.year - 1, figures=[row.last_year for row in self.rows if row.last_year]
        )

    @property
    def this_year_totals(self) -> ReceptionYear:
        return ReceptionYear(
            year=self.year, figures=[row.this_year for row in self.rows if row.this_year]
        )


def reception_table(*, county: County, year: int, source: Agreement | None) -> ReceptionTable:
    """The municipalities that lay in the county that year (actors.boundaries
    .municipalities_in_year) with this year's figures from `source` (None: figures without a
    source agreement) and last year's. Two queries, whatever the county's size."""
    in_year = municipalities_in_year(county, year)
    municipalities = list(in_year.defer("geometry").order_by("code"))
    figures = ReceptionFigure.objects.filter(
        municipality__in=in_year.values("pk"), year__in=[year - 1, year]
    ).order_by("pk")
    this_year: dict[int, ReceptionFigure] = {}
    last_year: dict[int, ReceptionFigure] = {}
    for figure in figures:
        same_source = figure.source_agreement_id == (source.pk if source else None)
        if figure.year == year:
            if same_source:
                this_year[figure.municipality_id] = figure
        elif same_source or figure.municipality_id not in last_year:
            last_year[figure.municipality_id] = figure
    return ReceptionTable(
        county=county,
        year=year,
        source=source,
        rows=[
            ReceptionRow(
                municipality=m, last_year=last_year.get(m.pk), this_year=this_year.get(m.pk)
            )
            for m in municipalities
        ],
    )
